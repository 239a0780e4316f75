"""A paper card as typed: its values exactly as typed, its scan, who entered and who
decided it, and what its validation wrote (the import batch, the account)."""

from __future__ import annotations

import enum
import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.columns import UTCDateTime, str_enum, utcnow
from app.extensions import db


class CardStatus(enum.StrEnum):
    PENDING = "pending"  # typed, waiting for a second person: changes nothing in the base
    VALIDATED = "validated"  # confirmed by a second person: written to the base
    REFUSED = "refused"  # refused by a second person, with a reason: changes nothing


class CardKind(enum.StrEnum):
    NEW = "new"  # a company typed from scratch: enters the base as an import's row
    EDIT = "edit"  # an account's values corrected from the paper: applied field by field


class PaperCard(db.Model):
    """One typed card. ``values`` are kept exactly as typed (the cleaning runs again at
    validation, against the reference of that day); ``baseline`` holds, for an edit, the
    account's values when the card was opened, so validation applies only the fields the
    typist changed and never reverts what someone else changed meanwhile."""

    __tablename__ = "paper_cards"
    __table_args__ = (
        sa.Index("ix_paper_cards_status_entered_at", "status", "entered_at"),
        sa.CheckConstraint("kind = 'new' OR account_id IS NOT NULL", name="edit_names_its_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CardKind] = mapped_column(str_enum(CardKind, "card_kind"))
    status: Mapped[CardStatus] = mapped_column(
        str_enum(CardStatus, "card_status"), default=CardStatus.PENDING
    )
    values: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    baseline: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    # An edit's account; after validation of a new card, the account it created or joined.
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    # Stored accounts the typist declared another company ("it is another company").
    distinct_from: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    # The scan of the paper (PNG, JPEG or PDF, told by its bytes): in the database, deferred
    # so that lists never load it (docs/data-entry.md says why not on disk).
    scan: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    scan_type: Mapped[str | None] = mapped_column(sa.String(40))
    scan_name: Mapped[str | None] = mapped_column(sa.String(255))
    scan_size: Mapped[int | None]
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The import batch its validation wrote (provenance of the account's values), and what
    # became of it there: created, updated, merged, held_for_review; or "applied" (an edit).
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"), index=True)
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    # The refused card this one types again.
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("paper_cards.id"))

    account = relationship("Account", foreign_keys=[account_id])
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def has_scan(self) -> bool:
        return self.scan_type is not None

    @property
    def digest(self) -> str:
        """The card as a person reads it to decide: its values, the accounts declared
        another company, its scan and when it was last corrected. A decision carries it,
        so that one taken on a card corrected since is refused, not applied."""
        seen = {
            "values": self.values,
            "distinct_from": self.distinct_from,
            "scan": [self.scan_name, self.scan_size],
            "corrected_at": self.corrected_at.isoformat() if self.corrected_at else None,
        }
        text = json.dumps(seen, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def value(self, name: str) -> str:
        return str((self.values or {}).get(name) or "")
