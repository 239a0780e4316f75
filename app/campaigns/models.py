"""Campaigns and their queues of accounts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.campaigns.calendar import ANY_TIME, CallingHours
from app.columns import Timestamps, UTCDateTime, str_enum
from app.extensions import db
from app.users.models import Team


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


class QueueState(enum.StrEnum):
    WAITING = "waiting"  # may be served when next_call_at has passed
    LEASED = "leased"  # held by an agent until lease_expires_at
    DONE = "done"  # reached a final outcome


# The teams allowed to work a campaign; none listed: every agent (``app.campaigns.teams``).
campaign_teams = sa.Table(
    "campaign_teams",
    db.metadata,
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "team_id", sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Campaign(Timestamps, db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus, "campaign_status"), default=CampaignStatus.DRAFT
    )
    call_script_id: Mapped[int | None] = mapped_column(sa.ForeignKey("call_scripts.id"))
    target_redemption: Mapped[Decimal] = mapped_column(
        sa.Numeric(4, 3), default=Decimal("0.600"), server_default="0.600"
    )
    max_attempts: Mapped[int] = mapped_column(default=6, server_default="6")
    retry_no_answer_minutes: Mapped[int] = mapped_column(default=120, server_default="120")
    retry_busy_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    lease_minutes: Mapped[int] = mapped_column(default=5, server_default="5")
    callback_grace_minutes: Mapped[int] = mapped_column(default=30, server_default="30")
    # The floor's alerts: a call (dialling, or talking) or a wrap-up longer than this is
    # shown to the supervisor (docs/floor.md). None: no limit.
    call_limit_minutes: Mapped[int | None] = mapped_column()
    wrap_up_limit_minutes: Mapped[int | None] = mapped_column()
    # Weekly calling hours in Europe/Rome, e.g. {"mon": [["09:00", "20:00"]], ...};
    # None means the Italian code of conduct's default.
    calling_hours: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # The campaign's outcome set and their flags; None means the default set.
    outcomes: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    zone_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zones.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # A practice campaign trains agents on practice accounts: served at any hour of any
    # day, its calls kept out of every live figure, of distribution and of the do-not-call
    # list (docs/campaigns.md).
    practice: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))

    @property
    def serving_hours(self) -> CallingHours | dict[str, Any] | None:
        """When the desk may serve it: its calling hours, or any time for practice."""
        return ANY_TIME if self.practice else self.calling_hours

    teams: Mapped[list[Team]] = relationship(secondary=campaign_teams, order_by=Team.code)


class QueueEntry(Timestamps, db.Model):
    """One account in one campaign's queue, with its lease and retry schedule."""

    __tablename__ = "queue_entries"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "account_id"),
        # "Next account": waiting entries of a campaign by callback, priority, due time.
        sa.Index("ix_queue_entries_next", "campaign_id", "state", "next_call_at"),
        sa.Index("ix_queue_entries_lease", "state", "lease_expires_at"),
        sa.Index("ix_queue_entries_callback", "callback_agent_id", "next_call_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    state: Mapped[QueueState] = mapped_column(
        str_enum(QueueState, "queue_state"), default=QueueState.WAITING
    )
    priority: Mapped[int] = mapped_column(default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_call_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_callback: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    callback_agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lease_holder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outcome: Mapped[str | None] = mapped_column(sa.String(32))

    campaign: Mapped[Campaign] = relationship()
