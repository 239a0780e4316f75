"""Export runs: one generation of per-salesperson files."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import Timestamps, UTCDateTime, str_enum
from app.extensions import db


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportRun(Timestamps, db.Model):
    __tablename__ = "export_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))  # "salesperson_packs", "siebel_eim"...
    label: Mapped[str | None] = mapped_column(sa.String(120))
    status: Mapped[ExportStatus] = mapped_column(
        str_enum(ExportStatus, "export_status"), default=ExportStatus.QUEUED
    )
    output_path: Mapped[str | None] = mapped_column(sa.String(500))
    summary: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    job_run_id: Mapped[str | None] = mapped_column(sa.ForeignKey("job_runs.id"))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
