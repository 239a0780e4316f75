"""The board's counts, kept up to date as calls are recorded (``app.board.tally_writes``),
and the supervisors' quality checks of qualified calls.

Why tables of counts: recounting a campaign's million calls for every refresh of fifty
open boards costs seconds; adding a call to a dozen small rows costs a millisecond, and
reading a campaign's figures is then a sum over a few hundred rows.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import UTCDateTime, str_enum, utcnow
from app.extensions import db

WHOLE = ""  # the ``day`` of the rows that count the whole campaign

# The slices a row counts: the whole day (or campaign), one agent, one zone, one dealer,
# one hour of the day. ``key`` is the agent's, zone's or dealer's id, the hour (0-23), or
# NONE for "all" and for calls of accounts without a zone or dealer.
DIMENSIONS = ("all", "agent", "zone", "dealer", "hour")
NONE = -1

COUNTERS = (
    "attempts", "called", "reached", "timed", "final", "qualified", "rejected",
    "h3", "h6", "h12", "handling_seconds", "agent_seconds",
)  # fmt: skip


class BoardTally(db.Model):
    """The counts of one campaign's calls for one day (or the whole campaign) and slice."""

    __tablename__ = "board_tallies"

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # local, or WHOLE
    dimension: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    key: Mapped[int] = mapped_column(primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    called: Mapped[int] = mapped_column(default=0)
    reached: Mapped[int] = mapped_column(default=0)
    timed: Mapped[int] = mapped_column(default=0)
    final: Mapped[int] = mapped_column(default=0)
    qualified: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    h3: Mapped[int] = mapped_column(default=0)
    h6: Mapped[int] = mapped_column(default=0)
    h12: Mapped[int] = mapped_column(default=0)
    handling_seconds: Mapped[float] = mapped_column(default=0.0)
    agent_seconds: Mapped[float] = mapped_column(default=0.0)


class BoardOutcomeTally(db.Model):
    """Calls by outcome, for one day of a campaign (or the whole campaign)."""

    __tablename__ = "board_outcome_tallies"

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    outcome: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    calls: Mapped[int] = mapped_column(default=0)


class BoardTallyDelta(db.Model):
    """Counts to add to ``board_tallies``, one row per recording transaction.

    Why: adding a call straight to a campaign's "all" rows would lock them until the
    recording transaction commits, so every agent's commit would wait for the others'.
    Inserting a row locks nothing shared; every ``FOLD_EVERY``-th delta the recording
    transaction folds the committed ones into the tallies, and the board adds those not
    folded yet as it reads (``app.board.tally_reads``), writing nothing."""

    __tablename__ = "board_tally_deltas"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    # {"r": [[day, dimension, key, {counter: n}], ...], "o": [[day, outcome, n], ...]}
    payload: Mapped[dict] = mapped_column(sa.JSON)


class Verdict(enum.StrEnum):
    VERIFIED = "verified"
    REJECTED = "rejected"


class QualityCheck(db.Model):
    """A supervisor's check of a qualified account: verified, or rejected (the account
    goes back to the queue, and the qualification counts against its agent)."""

    __tablename__ = "quality_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("call_attempts.id"), unique=True)
    verdict: Mapped[Verdict] = mapped_column(str_enum(Verdict, "quality_verdict"))
    checked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(sa.Text)
