"""Call scripts, stored as immutable versions: a call records the version it used."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import UTCDateTime, utcnow
from app.extensions import db


class CallScript(db.Model):
    __tablename__ = "call_scripts"
    __table_args__ = (sa.UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    source_text: Mapped[str] = mapped_column(sa.Text)  # the file as loaded, verbatim
    sha256: Mapped[str] = mapped_column(sa.String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
