"""The state log's statements, built once: every claim, outcome and heartbeat runs one,
and building a SQLAlchemy expression cost more Python than running it. The services in
``app.workday.services`` decide which to run and with what; these only say how.

Parameters are named ``b_*`` (never a column's name: SQLAlchemy keeps those for its own
bind parameters). ``b_since`` is the instant before which a silent desk counts as gone
(``at - LAPSE``): the sweep ends only periods seen at or before it, a change only periods
seen after it (or signed out), so in one statement the two never touch the same row.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.columns import UTCDateTime
from app.workday.machine import AgentState
from app.workday.models import StatePeriod

T = StatePeriod.__table__
C = T.c
SIGNED_OUT = sa.literal_column("'signed_out'")  # a literal: the partial index matches it
SWEPT = ("agent_id", "state", "moment", "started_at", "seen_at", "untimed")
_OPENED = ("agent_id", "state", "moment", "campaign_id", "account_id", "pause_reason_id",
           "started_at", "seen_at", "overdue_at", "untimed")  # fmt: skip

AT = sa.bindparam("b_at", type_=UTCDateTime())
SINCE = sa.bindparam("b_since", type_=UTCDateTime())
AGENT = sa.bindparam("b_agent", type_=C.agent_id.type)


def not_before(
    column: sa.ColumnElement[datetime], at: datetime | sa.BindParameter[datetime]
) -> sa.ColumnElement[datetime]:
    """``at``, or ``column`` when it is later: a clock that stepped back (another server's,
    or this one's after a correction) never ends a period before it began."""
    value = at if isinstance(at, sa.BindParameter) else sa.literal(at, UTCDateTime)
    return sa.case((column > value, column), else_=value)


def _ending() -> sa.Update:
    """The agent's open period ended at ``b_at`` if the moment may leave it (its state in
    ``b_sources``, its desk alive; for ``TAKE``, ``b_any_account`` false, only if another
    account than ``b_held`` was in hand); a ready period previewing ``b_untimed_for`` is
    marked untimed. Returns when it ended."""
    untimed_for = sa.bindparam("b_untimed_for", type_=C.account_id.type)
    previewing = sa.and_(C.state == AgentState.READY, C.account_id == untimed_for)
    return (
        sa.update(T)
        .where(
            C.agent_id == AGENT,
            C.ended_at.is_(None),
            C.state.in_(sa.bindparam("b_sources", expanding=True)),
            sa.or_(C.state == SIGNED_OUT, C.seen_at > SINCE),
            sa.or_(
                sa.bindparam("b_any_account", type_=sa.Boolean()),
                C.account_id.is_distinct_from(sa.bindparam("b_held", type_=C.account_id.type)),
            ),
        )
        .values(
            ended_at=not_before(C.started_at, AT),
            untimed=sa.case((previewing, sa.true()), else_=C.untimed),
        )
        .returning(C.ended_at)
    )


def _lapsing() -> sa.Update:
    """Every open working period silent since ``b_since`` ended at its last sign of life."""
    return (
        sa.update(T)
        .where(C.ended_at.is_(None), C.state != SIGNED_OUT, C.seen_at <= SINCE)
        .values(ended_at=C.seen_at)
        .returning(C.agent_id, C.seen_at)
    )


def _signing_out(lapsed: sa.CTE) -> sa.Insert:
    """The signed-out periods (moment ``lapse``) of the desks ``lapsed`` ended."""
    rows = sa.select(lapsed.c.agent_id, SIGNED_OUT, sa.literal_column("'lapse'"),
                     lapsed.c.seen_at, lapsed.c.seen_at, sa.false())  # fmt: skip
    return sa.insert(T).from_select(SWEPT, rows)


def _change_on_postgres() -> dict[bool, sa.Select]:
    """``change_state``'s common path on PostgreSQL: the open period ended (``ENDING`` as
    a CTE) and the next opened at the same instant (``INSERT ... SELECT`` from it), read
    back as the ORM's row (none: nothing ended); with ``True``, the sweep of lapsed desks
    in the same statement."""
    ended = ENDING.cte("ended")
    start = ended.c.ended_at
    minutes = sa.bindparam("b_overdue_minutes", type_=sa.Integer())
    overdue = start + sa.func.make_interval(0, 0, 0, 0, 0, minutes, type_=sa.Interval)
    opened = sa.select(
        AGENT,
        sa.bindparam("b_state", type_=C.state.type),
        sa.bindparam("b_moment", type_=C.moment.type),
        sa.bindparam("b_campaign", type_=C.campaign_id.type),
        sa.bindparam("b_account", type_=C.account_id.type),
        sa.bindparam("b_reason", type_=C.pause_reason_id.type),
        start,
        start,
        overdue,
        sa.false(),
    )
    change = sa.insert(T).from_select(_OPENED, opened).returning(*C)
    swept = _signing_out(LAPSING.cte("lapsed")).cte("swept")
    return {
        False: sa.select(StatePeriod).from_statement(change),
        True: sa.select(StatePeriod).from_statement(change.add_cte(swept)),
    }


def _touch() -> sa.Update:
    """The heartbeat: the open working period, alive since ``b_since``, seen at ``b_at``;
    returns its state and start."""
    return (
        sa.update(T)
        .where(C.agent_id == AGENT, C.ended_at.is_(None), C.state != SIGNED_OUT, C.seen_at > SINCE)
        .values(seen_at=not_before(C.seen_at, AT))
        .returning(C.state, C.started_at)
    )


ENDING = _ending()
LAPSING = _lapsing()
SWEEP_ON_POSTGRES = _signing_out(LAPSING.cte("lapsed")).returning(C.id)
CHANGE_ON_POSTGRES = _change_on_postgres()
TOUCH = _touch()
