"""Import batches: one uploaded file, its report, and the original kept for audit."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import Timestamps, UTCDateTime, str_enum, utcnow
from app.extensions import db


class SourceKind(enum.StrEnum):
    CUSTOMER_BASE = "customer_base"
    WARRANTY = "warranty"
    FINANCING = "financing"
    PURCHASED_LIST = "purchased_list"
    DEMO = "demo"
    API = "api"  # records sent by an integration (``intake``), not a file
    EXTERNAL = "external"  # an outside data company's corrections, by key (``app.external``)
    CARD = "card"  # a paper card typed by hand and validated by a second person (``app.cards``)


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
    # Earlier qualification results this recent (from the import's day) count as qualified.
    qualified_within_months: Mapped[int] = mapped_column(default=12, server_default="12")


class ImportMapping(Timestamps, db.Model):
    """The column mapping last used for a kind of source, offered again next time."""

    __tablename__ = "import_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[SourceKind] = mapped_column(
        str_enum(SourceKind, "mapping_source_kind"), unique=True
    )
    mapping: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # file header -> field
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class ImportRejection(db.Model):
    """A source row that could not become an account, with the reason (downloadable)."""

    __tablename__ = "import_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("import_batches.id", ondelete="CASCADE"), index=True
    )
    row_number: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class FieldChange(db.Model):
    """A correction normalisation made to an account's field, with its reason."""

    __tablename__ = "field_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"), index=True)
    row_number: Mapped[int | None]
    field: Mapped[str] = mapped_column(sa.String(40))
    before: Mapped[str | None] = mapped_column(sa.String(250))
    after: Mapped[str | None] = mapped_column(sa.String(250))
    reason: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PairStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a person
    CONFIRMED = "confirmed"  # the same company: merged
    REJECTED = "rejected"  # two companies: never proposed again
    UNDONE = "undone"  # merged, then the merge was undone


class DuplicatePair(db.Model):
    """Two accounts that may be one company, scored between the unsure and sure marks."""

    __tablename__ = "duplicate_pairs"
    __table_args__ = (sa.UniqueConstraint("account_a_id", "account_b_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_a_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    account_b_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float]
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[PairStatus] = mapped_column(
        str_enum(PairStatus, "pair_status"), default=PairStatus.PENDING, index=True
    )
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountMerge(db.Model):
    """One account absorbed by another, with what is needed to undo it."""

    __tablename__ = "account_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    merged_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    pair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("duplicate_pairs.id"))
    # The survivor's fields before, the merged account's status, the children moved.
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    merged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
