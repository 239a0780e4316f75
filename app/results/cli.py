"""``flask mail daily-summary``: the staff's daily e-mail, for cron (``create_app`` adds
it to the ``mail`` group)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from app.campaigns.calendar import ROME
from app.columns import utcnow
from app.extensions import db
from app.results.daily_summary import send_daily_summary


@click.command("daily-summary")
@with_appcontext
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to report (default: today in Europe/Rome).",
)
def daily_summary_command(day) -> None:
    """E-mail each staff member the running campaigns' figures, once a day."""
    wanted: date = day.date() if day else utcnow().astimezone(ROME).date()
    try:
        queued = send_daily_summary(db.session, wanted)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"{queued} summary e-mail(s) queued for {wanted.isoformat()}.")
