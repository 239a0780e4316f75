"""The agent's state log and the reasons to pause."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import Timestamps, UTCDateTime, str_enum
from app.extensions import db
from app.workday.machine import AgentState, Moment

_OPEN = "ended_at IS NULL"
_OPEN_WORKING = "ended_at IS NULL AND state <> 'signed_out'"


class PauseReason(Timestamps, db.Model):
    """Why an agent stops taking calls (break, lunch, training...). Staff edit the list;
    a reason is deactivated, never deleted, since the log points at it."""

    __tablename__ = "pause_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    label_it: Mapped[str] = mapped_column(sa.String(60))
    label_en: Mapped[str] = mapped_column(sa.String(60))
    # A pause longer than this is overdue (the floor shows it); None: no maximum.
    max_minutes: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    def label(self, locale: str) -> str:
        return self.label_it if locale == "it" else self.label_en

    def __repr__(self) -> str:
        return f"<PauseReason {self.code}>"


class StatePeriod(db.Model):
    """One period of an agent in one state: from ``started_at`` to ``ended_at`` (None
    while it lasts). An agent has at most one open period (a partial unique index, on
    PostgreSQL and SQLite); each change ends it and opens the next at the same instant,
    so an agent's periods tile their time from their first sign-in, signed-out time
    included. Written by ``app.workday.services`` only."""

    __tablename__ = "agent_states"
    __table_args__ = (
        sa.Index(
            "ix_agent_states_one_open",
            "agent_id",
            unique=True,
            postgresql_where=sa.text(_OPEN),
            sqlite_where=sa.text(_OPEN),
        ),
        # The sweep of lapsed desks reads the open working periods by their last sign of
        # life.
        sa.Index(
            "ix_agent_states_open_seen",
            "seen_at",
            postgresql_where=sa.text(_OPEN_WORKING),
            sqlite_where=sa.text(_OPEN_WORKING),
        ),
        sa.Index("ix_agent_states_agent_started", "agent_id", "started_at"),
        sa.Index("ix_agent_states_campaign_started", "campaign_id", "started_at"),
        sa.CheckConstraint(
            "(state = 'paused') = (pause_reason_id IS NOT NULL)", name="paused_with_reason"
        ),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[AgentState] = mapped_column(str_enum(AgentState, "agent_state"))
    # The moment that started the period (the cause of a sign-out: sign_out, lapse, revoke).
    moment: Mapped[Moment] = mapped_column(str_enum(Moment, "agent_moment"))
    # None on the desk's home: ready without a campaign, paused between campaigns,
    # signed out.
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id"))
    # The account in hand (ready: previewing it; dialling, in call, wrap-up). A plain id,
    # like the call's zone: a record of which account it was.
    account_id: Mapped[int | None] = mapped_column()
    pause_reason_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pause_reasons.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The desk's last sign of life during the period (its heartbeat, the lease renewal):
    # a desk silent for ``services.LAPSE`` is gone, and its period ends here, not when
    # someone notices.
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the period becomes overdue: a pause past its reason's maximum (copied when the
    # pause starts, so editing the reason later rewrites no history). None: no limit.
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A ready period with an account in hand that the outcome (or the hang-up) ended
    # without a dial: the agent dialled by hand, the call's talk lies untimed inside it.
    untimed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def end_at(self, now: datetime, lapse: timedelta) -> datetime:
        """When the period ends for a reader at ``now``: its end; for an open working
        period whose desk went silent longer than ``lapse``, its last sign of life (the
        sweep will write that down); otherwise ``now``."""
        if self.ended_at is not None:
            return self.ended_at
        if self.state != AgentState.SIGNED_OUT and self.seen_at <= now - lapse:
            return self.seen_at
        return now

    @hybrid_method
    def overdue(self, now: datetime) -> bool:
        """Past its limit (a pause longer than its reason's maximum), by ``now``."""
        end = self.ended_at or now
        return self.overdue_at is not None and end > self.overdue_at

    @overdue.inplace.expression
    @classmethod
    def _overdue_expression(cls, now: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(cls.overdue_at.is_not(None),
                       sa.func.coalesce(cls.ended_at, now) > cls.overdue_at)  # fmt: skip

    def __repr__(self) -> str:
        return f"<StatePeriod {self.agent_id} {self.state} {self.started_at:%H:%M:%S}>"


class FloorMessage(db.Model):
    """A line a supervisor sends an agent from the floor; the agent's desk picks it up
    with its heartbeat and shows it until the agent has read it (``read_at``)."""

    __tablename__ = "floor_messages"
    __table_args__ = (sa.Index("ix_floor_messages_agent_sent", "agent_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    sent_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.String(200))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<FloorMessage {self.agent_id} {self.sent_at:%H:%M}>"
