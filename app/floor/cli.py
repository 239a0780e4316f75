"""``flask mail floor-alerts``: the floor's alerts to the supervisors who asked, for cron
every minute (``create_app`` adds it to the ``mail`` group)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.floor.alert_mail import mail_alerts


@click.command("floor-alerts")
@with_appcontext
def floor_alerts_command() -> None:
    """E-mail the floor's current alerts to the supervisors who asked for them."""
    try:
        queued = mail_alerts(db.session)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"{queued} alert e-mail(s) queued.")
