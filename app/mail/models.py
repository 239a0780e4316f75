"""The outbox: every e-mail the application sends, with what happened to it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import Timestamps, UTCDateTime, str_enum
from app.extensions import db


class MailStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its job (or for its next attempt, after an error)
    SENT = "sent"  # handed to the SMTP server, or written to the folder
    FAILED = "failed"  # every attempt failed: kept, with the last error


class MailMessage(Timestamps, db.Model):
    """One message to one address, rendered once when queued, so a retry sends the same
    bytes. ``key`` names what the message is for ("daily-summary:2026-12-10:user=4"):
    one message per key, so a command run twice sends nothing twice."""

    __tablename__ = "mail_messages"
    __table_args__ = (sa.Index("ix_mail_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    to: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    template: Mapped[str] = mapped_column(sa.String(64), index=True)
    locale: Mapped[str] = mapped_column(sa.String(8))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[MailStatus] = mapped_column(
        str_enum(MailStatus, "mail_status"), default=MailStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where it went: "smtp", or the .eml file's name in the mail folder.
    delivered_to: Mapped[str | None] = mapped_column(sa.String(300))
