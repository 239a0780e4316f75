"""The audit log: who did what to which object, and when. Rows are never updated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import UTCDateTime, utcnow
from app.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(45))
