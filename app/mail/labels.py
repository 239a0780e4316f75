"""What pages say about e-mail: where it goes when no SMTP server is configured."""

from __future__ import annotations

from collections.abc import Callable

from app.mail.transport import mail_folder, smtp_configured


def folder_notice() -> str | None:
    """The folder e-mails are written to, when no SMTP server is configured; else None."""
    return None if smtp_configured() else str(mail_folder())


TEMPLATE_HELPERS: dict[str, Callable[..., str | None]] = {"mail_folder": folder_notice}
