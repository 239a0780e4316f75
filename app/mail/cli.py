"""``flask mail``: the outbox from the shell, for cron.

``send-due`` sends again what failed before (run it every few minutes); the features add
their own mailings to this group (``daily-summary``, ``floor-alerts``: ``create_app``)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.extensions import db
from app.mail.models import MailMessage
from app.mail.services import send_due
from app.mail.transport import mail_folder, smtp_configured

mail_cli = AppGroup("mail", help="E-mail: the outbox, and the mailings cron sends.")


@mail_cli.command("send-due")
def send_due_command() -> None:
    """Try again the messages whose next attempt is due."""
    try:
        started = send_due(db.session)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"{started} message(s) to send again.")


@mail_cli.command("status")
def status_command() -> None:
    """Where mail goes, and the outbox by status."""
    if smtp_configured():
        click.echo("Mail goes to the SMTP server of MAIL_SMTP_HOST.")
    else:
        click.echo(f"No SMTP server configured: messages are written to {mail_folder()}.")
    counts = db.session.execute(
        sa.select(MailMessage.status, sa.func.count()).group_by(MailMessage.status)
    ).all()
    for status, count in sorted(counts):
        click.echo(f"{status.value}: {count}")
