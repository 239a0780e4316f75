"""Background jobs: progress and result live here, whichever runner ran the job."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import UTCDateTime, str_enum, utcnow
from app.extensions import db


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


_LIVE_STATUS = "status IN ('queued', 'running')"


class JobRun(db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (
        sa.Index("ix_job_runs_kind_status", "kind", "status"),
        # One live job per key: the no-duplicate rule, kept by the database itself.
        sa.Index(
            "ix_job_runs_live_key",
            "key",
            unique=True,
            postgresql_where=sa.text(_LIVE_STATUS),
            sqlite_where=sa.text(_LIVE_STATUS),
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    # What the job works on ("imports.run:batch=12"); see ``runner.start_job``.
    key: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(sa.Text)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        return percent(self.status, self.progress, self.total)


def percent(status: JobStatus, progress: int, total: int | None) -> int:
    """Share done, 0-100; a finished job is 100 whatever its counters say."""
    if status == JobStatus.FINISHED:
        return 100
    if not total:
        return 0
    return max(0, min(100, round(100 * progress / total)))
