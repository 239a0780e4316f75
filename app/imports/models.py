"""Import batches: one uploaded file, its report, and the original kept for audit."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import Timestamps, UTCDateTime, str_enum
from app.extensions import db


class SourceKind(enum.StrEnum):
    CUSTOMER_BASE = "customer_base"
    WARRANTY = "warranty"
    FINANCING = "financing"
    PURCHASED_LIST = "purchased_list"
    DEMO = "demo"


class BatchStatus(enum.StrEnum):
    UPLOADED = "uploaded"
    MAPPED = "mapped"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportBatch(Timestamps, db.Model):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[SourceKind] = mapped_column(str_enum(SourceKind, "source_kind"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    file_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    stored_path: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[BatchStatus] = mapped_column(
        str_enum(BatchStatus, "batch_status"), default=BatchStatus.UPLOADED
    )
    column_mapping: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    report: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    job_run_id: Mapped[str | None] = mapped_column(sa.ForeignKey("job_runs.id"))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
