"""``flask webhooks send``: send the due deliveries from the shell, for a cron entry (every
minute) that carries the retries when no job is started by a new event."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.webhooks.jobs import settings
from app.webhooks.sending import send_due

webhooks_cli = AppGroup("webhooks", help="Webhook deliveries.")


@webhooks_cli.command("send")
def send_command() -> None:
    """Send every delivery that is due now (new events and retries)."""
    report = send_due(db.session, settings(), commit=db.session.commit)
    paused = f"; paused subscriptions {report.paused}" if report.paused else ""
    click.echo(f"Delivered {report.delivered}, failed {report.failed}{paused}.")
