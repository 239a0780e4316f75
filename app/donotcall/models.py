"""Do-not-call lists (one per imported file) and their entries."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import UTCDateTime, str_enum, utcnow
from app.extensions import db


class DncSource(enum.StrEnum):
    REGISTRY = "registry"  # an extract of the Registro pubblico delle opposizioni
    INTERNAL = "internal"  # the subsidiary's own opt-outs (a file)
    AGENT = "agent"  # an agent's "do not call again" outcome
    STAFF = "staff"  # added by hand by staff


class DncList(db.Model):
    """One imported file. ``list_date`` is the date the file speaks for (the register's
    answer date), not the upload time: it is what the legal interval is counted from."""

    __tablename__ = "dnc_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[DncSource] = mapped_column(str_enum(DncSource, "dnc_source"), index=True)
    list_date: Mapped[date] = mapped_column(sa.Date, index=True)
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    entries: Mapped[int] = mapped_column(default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DncEntry(db.Model):
    """A number, a VAT number or an account that must not be called. At least one of the
    three is set (checked by the database)."""

    __tablename__ = "dnc_entries"
    __table_args__ = (
        sa.CheckConstraint(
            "e164 IS NOT NULL OR vat_number IS NOT NULL OR account_id IS NOT NULL", "target"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    e164: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    vat_number: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[DncSource] = mapped_column(str_enum(DncSource, "dnc_source"), index=True)
    list_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dnc_lists.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str | None] = mapped_column(sa.Text)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
