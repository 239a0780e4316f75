"""Delivery of one rendered message: to the SMTP server of the settings, or, when none is
set, as an .eml file in the mail folder (the install-free default: nothing leaves the
machine, and a person can open the file in any mail program)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

from app.columns import utcnow
from app.mail.models import MailMessage

# What a failed delivery raises: the connection (refused, timed out, reset) or the server.
DELIVERY_ERRORS = (OSError, smtplib.SMTPException)


def smtp_configured() -> bool:
    return bool(current_app.config.get("MAIL_SMTP_HOST"))


def mail_folder() -> Path:
    """Where messages are written when no SMTP server is configured."""
    return Path(current_app.config["MAIL_FOLDER"])


def build(message: MailMessage) -> EmailMessage:
    """The MIME message: plain text with an HTML alternative, both rendered (and the HTML
    escaped) when the message was queued."""
    sender = current_app.config["MAIL_FROM"]
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = message.to
    email["Date"] = format_datetime(message.created_at or utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(f"qualifica.{message.id}", domain=domain)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    email["Content-Language"] = message.locale  # after the body, which clears Content-*
    return email


def deliver(message: MailMessage) -> str:
    """Send ``message``; returns where it went ("smtp" or the file's name). Raises one of
    ``DELIVERY_ERRORS`` when it could not be delivered."""
    email = build(message)
    if smtp_configured():
        _send_smtp(email)
        return "smtp"
    return _write_file(email, message)


def _send_smtp(email: EmailMessage) -> None:
    config = current_app.config
    host, port = config["MAIL_SMTP_HOST"], config["MAIL_SMTP_PORT"]
    timeout = config["MAIL_SMTP_TIMEOUT"]
    context = ssl.create_default_context()
    if config["MAIL_SMTP_SSL"]:
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if config["MAIL_SMTP_STARTTLS"] and not config["MAIL_SMTP_SSL"]:
            client.starttls(context=context)
        if config["MAIL_SMTP_USERNAME"]:
            client.login(config["MAIL_SMTP_USERNAME"], config["MAIL_SMTP_PASSWORD"] or "")
        client.send_message(email)


def _write_file(email: EmailMessage, message: MailMessage) -> str:
    """Written aside, then renamed: a reader of the folder never sees half a message."""
    folder = mail_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (message.created_at or utcnow()).strftime("%Y%m%d-%H%M%S")
    name = f"{stamp}-{message.id}-{message.template}.eml"
    partial = folder / f".{name}.partial"
    partial.write_bytes(email.as_bytes())
    partial.replace(folder / name)
    return name
