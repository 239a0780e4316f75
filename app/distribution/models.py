"""Waves (which qualified account goes to which salesperson) and export runs (the files
made from a wave)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.columns import Timestamps, UTCDateTime, str_enum
from app.extensions import db


class WaveStatus(enum.StrEnum):
    DRAFT = "draft"  # built and shown; its accounts are reserved, still qualified
    CONFIRMED = "confirmed"  # its accounts are distributed; files may be exported
    SENT = "sent"  # staff sent the files: it can no longer be cancelled
    CANCELLED = "cancelled"  # its accounts went back to the pool


class Wave(Timestamps, db.Model):
    __tablename__ = "waves"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    per_salesperson: Mapped[int] = mapped_column(default=50)
    status: Mapped[WaveStatus] = mapped_column(
        str_enum(WaveStatus, "wave_status"), default=WaveStatus.DRAFT, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The zone of the staff member who built it: zoned staff see only their zone's waves.
    zone_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zones.id"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    accounts: Mapped[list[WaveAccount]] = relationship(
        back_populates="wave", cascade="all, delete-orphan", passive_deletes=True
    )


class WaveAccount(db.Model):
    """An account handed out in a wave. ``account_id`` is unique: an account is in one
    live wave at most, so it is never handed out twice (a cancelled wave deletes its rows,
    the audit log keeps which they were)."""

    __tablename__ = "wave_accounts"
    __table_args__ = (sa.Index("ix_wave_accounts_wave_salesperson", "wave_id", "salesperson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("waves.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), unique=True)
    salesperson_id: Mapped[int] = mapped_column(sa.ForeignKey("salespeople.id"), index=True)
    horizon: Mapped[str] = mapped_column(sa.String(8))  # Horizon value when handed out
    source: Mapped[str] = mapped_column(sa.String(16))  # owner, rule, dealer (assignment)
    position: Mapped[int] = mapped_column()  # order in the salesperson's files

    wave: Mapped[Wave] = relationship(back_populates="accounts")


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportRun(Timestamps, db.Model):
    """One generation of a wave's files. The files are written in parts (background jobs
    that can run on several workers) into a private folder, which is published, renamed
    into place, only once every part and the ZIPs are complete."""

    __tablename__ = "export_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("waves.id"), index=True)
    status: Mapped[ExportStatus] = mapped_column(
        str_enum(ExportStatus, "export_status"), default=ExportStatus.QUEUED
    )
    locale: Mapped[str] = mapped_column(sa.String(8), default="it")
    parts_total: Mapped[int] = mapped_column(default=0)
    parts_done: Mapped[int] = mapped_column(default=0)
    job_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The published folder's name under EXPORT_DIR; None until published.
    folder: Mapped[str | None] = mapped_column(sa.String(200))
    manifest: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    message: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    wave: Mapped[Wave] = relationship()
