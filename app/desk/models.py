"""Call attempts: what an agent did with an account, and what they captured."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.columns import Timestamps, UTCDateTime, utcnow
from app.extensions import db


class CallAttempt(db.Model):
    __tablename__ = "call_attempts"
    __table_args__ = (
        sa.Index("ix_call_attempts_campaign_ended", "campaign_id", "ended_at"),
        sa.Index("ix_call_attempts_agent_ended", "agent_id", "ended_at"),
        sa.Index("ix_call_attempts_account_started", "account_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    call_script_id: Mapped[int | None] = mapped_column(sa.ForeignKey("call_scripts.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An outcome code of the campaign's outcome set (configurable, so not a fixed enum).
    outcome: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # Sent by the desk with each save, so a retried request records one call, not two.
    client_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Where and how the call counts on the board, fixed when it is recorded
    # (docs/metrics.md): the account's zone and dealer then, whether it ended the account's
    # work in the campaign (cleared when the account is put back in the queue), the purchase
    # horizon it captured, and the agent's time it took (``app.board.tally_writes``).
    # Plain ids, not foreign keys: a record of where the account was, and SQLite could
    # add a foreign key only by rebuilding this table.
    zone_id: Mapped[int | None] = mapped_column()
    dealer_id: Mapped[int | None] = mapped_column()
    # Server-side defaults only: the desk's prepared INSERT names its own columns.
    final: Mapped[bool] = mapped_column(server_default=sa.false())
    horizon_months: Mapped[int | None] = mapped_column(sa.SmallInteger)
    agent_seconds: Mapped[float] = mapped_column(server_default="0")
    # The site of the account the call qualified (``account_sites.id``; None: the head
    # office), which distribution routes by (docs/desk.md). A plain id, like the zone's.
    site_id: Mapped[int | None] = mapped_column()


class CallDraft(Timestamps, db.Model):
    """Answers being typed on the desk, saved as the agent types: a crash or a reload
    brings them back. Deleted when the call's outcome is recorded."""

    __tablename__ = "call_drafts"
    __table_args__ = (sa.UniqueConstraint("queue_entry_id", "agent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("queue_entries.id", ondelete="CASCADE")
    )
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    @staticmethod
    def loaded(session: Session, entry_id: int, agent_id: int) -> list[CallDraft]:
        """The agent's draft for the entry if ``session`` holds it: for a statement that
        wrote or deleted the row without the ORM to put the object right."""
        return [
            o for o in session.identity_map.values()
            if isinstance(o, CallDraft) and (o.queue_entry_id, o.agent_id) == (entry_id, agent_id)
        ]  # fmt: skip
