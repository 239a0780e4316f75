"""Writing the agent's state log, and reading the period an agent is in.

Every change is one small write on the common path: an ``UPDATE ... RETURNING`` ends the
open period (if it may be left by the moment), and an ``INSERT`` opens the next at the
same instant; on PostgreSQL both are one statement (``statements.CHANGE_ON_POSTGRES``),
with the sweep below in it when a claim asks. Only when that update finds nothing to end
(no log yet, a refused or repeated moment, a desk that went silent) does ``_settle`` read
the open period to decide.
The desk's heartbeat is one ``UPDATE`` of the open period's ``seen_at``.

A desk silent for ``LAPSE`` (no heartbeat, no lease renewal, no moment) is gone: its open
period ends at its last sign of life and a signed-out period (moment ``lapse``) starts
there. The sweep (``sweep_lapsed``) writes that down for every agent at once (the desk's
claim and every sign-in run it, beside the claim's return of abandoned leases); a desk
that speaks again before or after the sweep is *back* in the state it lapsed in, the
silence accounted as signed out. Readers never wait for the sweep:
``StatePeriod.end_at`` says where an open period ends for them.

Services flush and never commit; a refused moment raises ``StateRefused`` having written
nothing. A clock that stepped back (servers a few milliseconds apart) never makes a period
end before it began: the change happens at the open period's start instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.columns import utcnow
from app.workday import statements
from app.workday.machine import (
    ENDINGS,
    RULES,
    WORKING,
    AgentState,
    Moment,
    next_state,
)
from app.workday.models import PauseReason, StatePeriod
from app.workday.statements import SIGNED_OUT, not_before

# The desk renews its lease or sends a heartbeat every 30 s (a minute in a background
# tab); silent for this long, it is gone. The default lease of a campaign.
LAPSE = timedelta(minutes=5)
S = AgentState
M = Moment


def change_state(
    session: Session,
    agent_id: int,
    moment: Moment,
    *,
    at: datetime | None = None,
    campaign_id: int | None = None,
    account_id: int | None = None,
    reason: PauseReason | None = None,
    untimed_for: int | None = None,
    lapse: timedelta = LAPSE,
    sweep: bool = False,
) -> StatePeriod | None:
    """Apply ``moment`` to the agent's log at ``at`` (now): end the open period and open
    the state the moment leads to, in ``campaign_id`` with ``account_id`` in hand (None:
    the desk's home), paused for ``reason`` (a pause moment needs one). Returns the new
    period, or None when nothing changed (a repeat; ``TAKE`` of the account already in
    hand). ``untimed_for``: the account whose call this moment ends (an outcome, a hang-up);
    a ready period previewing it is marked ``untimed``. ``sweep``: write down every lapsed
    desk first (``sweep_lapsed``). Raises ``StateRefused``."""
    at = at or utcnow()
    rule = RULES[moment]
    if rule.target is None:
        raise ValueError("BACK is the heartbeat's (touch), not a moment to ask for")
    if (rule.target == S.PAUSED) != (reason is not None):
        raise ValueError("a pause, and only a pause, has a reason")
    params = {
        "b_agent": agent_id, "b_at": at, "b_since": at - lapse,
        "b_sources": sorted(rule.sources), "b_any_account": moment != M.TAKE,
        "b_held": account_id, "b_untimed_for": untimed_for,
    }  # fmt: skip
    if session.get_bind().dialect.name == "postgresql":
        params |= {
            "b_state": rule.target, "b_moment": moment, "b_campaign": campaign_id,
            "b_account": account_id if rule.target != S.SIGNED_OUT else None,
            "b_reason": reason.id if reason is not None else None,
            "b_overdue_minutes": reason.max_minutes if reason is not None else None,
        }  # fmt: skip
        opened = session.scalars(statements.CHANGE_ON_POSTGRES[sweep], params).first()
        if opened is not None:
            return opened
    else:
        if sweep:
            sweep_lapsed(session, at, lapse)
        ended = session.execute(statements.ENDING, params).first()
        if ended is not None:
            return _open(session, agent_id, rule.target, moment, ended.ended_at, campaign_id,
                         account_id, reason)  # fmt: skip
    # Nothing ended (no log yet, a refused or repeated moment, a silent desk; the sweep,
    # if asked for, is done): decided on the open period.
    return _change_settled(session, agent_id, moment, at, campaign_id, account_id, reason,
                           untimed_for, lapse)  # fmt: skip


def _change_settled(
    session: Session,
    agent_id: int,
    moment: Moment,
    at: datetime,
    campaign_id: int | None,
    account_id: int | None,
    reason: PauseReason | None,
    untimed_for: int | None,
    lapse: timedelta,
) -> StatePeriod | None:
    """``change_state`` when its one statement ended nothing: decided on the open period,
    read under a lock once a silent desk is written down."""
    current = _settle(session, agent_id, at, lapse)
    if moment == M.TAKE and _holds(current, account_id):
        return None
    target = next_state(current.state if current else S.SIGNED_OUT, moment)
    if target is None:
        return None
    if current is not None:
        at = current.ended_at = max(at, current.started_at)
        if untimed_for is not None and _previewing(current, untimed_for):
            current.untimed = True
        session.flush()
    return _open(session, agent_id, RULES[moment].target, moment, at, campaign_id, account_id,
                 reason)  # fmt: skip


def _previewing(period: StatePeriod, account_id: int) -> bool:
    return period.state == S.READY and period.account_id == account_id


def _holds(period: StatePeriod | None, account_id: int | None) -> bool:
    return period is not None and period.state in WORKING and period.account_id == account_id


def _open(
    session: Session,
    agent_id: int,
    state: AgentState,
    moment: Moment,
    at: datetime,
    campaign_id: int | None,
    account_id: int | None,
    reason: PauseReason | None,
    overdue_at: datetime | None = None,
) -> StatePeriod:
    if reason is not None and overdue_at is None and reason.max_minutes:
        overdue_at = at + timedelta(minutes=reason.max_minutes)
    period = StatePeriod(
        agent_id=agent_id,
        state=state,
        moment=moment,
        campaign_id=campaign_id,
        account_id=account_id if state != S.SIGNED_OUT else None,
        pause_reason_id=reason.id if reason is not None else None,
        started_at=at,
        seen_at=at,
        overdue_at=overdue_at,
        untimed=False,
    )
    session.add(period)
    session.flush()
    return period


def _open_period(session: Session, agent_id: int) -> StatePeriod | None:
    return session.scalar(
        sa.select(StatePeriod)
        .where(StatePeriod.agent_id == agent_id, StatePeriod.ended_at.is_(None))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _settle(session: Session, agent_id: int, at: datetime, lapse: timedelta) -> StatePeriod | None:
    """The agent's open period, read under a lock, once a silent desk is written down as
    lapsed (its period ended at its last sign of life, signed out from there)."""
    current = _open_period(session, agent_id)
    if current is None:
        # Read again: a change that committed while this transaction waited for its row
        # is visible to a new statement (READ COMMITTED), not to the first.
        current = _open_period(session, agent_id)
    if current is None or current.state == S.SIGNED_OUT or current.seen_at > at - lapse:
        return current
    current.ended_at = current.seen_at
    session.flush()
    return _open(session, agent_id, S.SIGNED_OUT, M.LAPSE, current.seen_at, None, None, None)


def sign_in(session: Session, agent_id: int, at: datetime | None = None) -> StatePeriod | None:
    """The agent signed in: ready on the desk's home. Lapsed desks of every agent are
    written down first (signing in is a moment every agent makes each day)."""
    return change_state(session, agent_id, M.SIGN_IN, at=at, sweep=True)


def end_states(
    session: Session,
    agent_id: int,
    at: datetime | None = None,
    reason: Moment = M.SIGN_OUT,
) -> StatePeriod | None:
    """The agent's working day ends at ``at``: signed out (``reason``: ``sign_out``, or
    ``revoke`` for a revoked session, ``lapse``). A desk already silent ends at its last
    heartbeat instead. Returns the signed-out period, or None if the agent was signed out
    already (or has no log). For the sign-out page and the session revocation."""
    if reason not in ENDINGS:
        raise ValueError(f"{reason!r} does not end the working day")
    return change_state(session, agent_id, reason, at=at)


def revoke_states(
    session: Session, agent_ids: Iterable[int], at: datetime | None = None, lapse: timedelta = LAPSE
) -> int:
    """The sessions of these agents were revoked (a password reset, a deactivation, a role,
    zone or team change, a supervisor signing them out): their working day ends at ``at``,
    as ``end_states(..., REVOKE)`` would end it (a desk already silent at its last sign of
    life, as a lapse). Core statements only, no ORM flush: it runs inside the flush that
    raised their session version (``app.users.models``). Returns how many days ended."""
    ids = sorted(set(agent_ids))
    if not ids:
        return 0
    at = at or utcnow()
    t = StatePeriod.__table__
    silent = t.c.seen_at <= at - lapse
    ended = session.execute(
        sa.update(t)
        .where(t.c.agent_id.in_(ids), t.c.ended_at.is_(None), t.c.state != SIGNED_OUT)
        .values(ended_at=sa.case((silent, t.c.seen_at), else_=not_before(t.c.started_at, at)))
        .returning(t.c.agent_id, t.c.ended_at, t.c.seen_at)
    ).all()
    if ended:
        session.execute(
            sa.insert(t),
            [{"agent_id": agent, "state": S.SIGNED_OUT, "started_at": end, "seen_at": end,
              "moment": M.LAPSE if seen == end and seen <= at - lapse else M.REVOKE,
              "untimed": False} for agent, end, seen in ended],
        )  # fmt: skip
    return len(ended)


class Seen(NamedTuple):
    """The open period a heartbeat found: its state, since when."""

    state: AgentState
    since: datetime


def touch(session: Session, agent_id: int, at: datetime | None = None) -> Seen:
    """The desk's heartbeat (the call screen's lease renewal, the home page's beat): the
    open working period was seen at ``at``; returns its state and start, for the desk to
    follow a change made elsewhere (a supervisor's pause). One UPDATE; a desk that had
    gone silent is back (``_come_back``)."""
    at = at or utcnow()
    seen = session.execute(
        statements.TOUCH, {"b_agent": agent_id, "b_at": at, "b_since": at - LAPSE}
    ).first()
    if seen is None:
        period = _come_back(session, agent_id, at)
        return Seen(period.state, period.started_at)
    return Seen(*seen)


def _come_back(session: Session, agent_id: int, at: datetime) -> StatePeriod:
    """A live desk whose agent the log shows signed out (lapsed, or signed out from
    another browser) or without a log yet: it carries on in the state it was in, from
    now; the silence stays signed out. Returns the open period."""
    current = _settle(session, agent_id, at, LAPSE)
    if current is not None and current.state != S.SIGNED_OUT:
        current.seen_at = at  # a change committed meanwhile: it is live
        session.flush()
        return current
    last = _last_working(session, agent_id)
    if current is not None:
        at = current.ended_at = max(at, current.started_at)
        session.flush()
    if last is None:
        return _open(session, agent_id, S.READY, M.SIGN_IN, at, None, None, None)
    reason = session.get(PauseReason, last.pause_reason_id) if last.pause_reason_id else None
    return _open(session, agent_id, last.state, M.BACK, at, last.campaign_id,
                 last.account_id, reason, overdue_at=last.overdue_at)  # fmt: skip


def _last_working(session: Session, agent_id: int) -> StatePeriod | None:
    return session.scalar(
        sa.select(StatePeriod)
        .where(StatePeriod.agent_id == agent_id, StatePeriod.state != SIGNED_OUT)
        .order_by(StatePeriod.started_at.desc(), StatePeriod.id.desc())
        .limit(1)
    )


def sweep_lapsed(session: Session, at: datetime | None = None, lapse: timedelta = LAPSE) -> int:
    """Write down every desk silent for ``lapse``: its open period ends at its last sign
    of life, and a signed-out period (moment ``lapse``) starts there. One statement on
    PostgreSQL; returns how many desks lapsed."""
    at = at or utcnow()
    params = {"b_since": at - lapse}
    if session.get_bind().dialect.name == "postgresql":
        return len(session.execute(statements.SWEEP_ON_POSTGRES, params).all())
    found = session.execute(statements.LAPSING, params).all()
    if found:
        session.execute(
            sa.insert(StatePeriod.__table__),
            [dict(zip(statements.SWEPT, (agent, S.SIGNED_OUT, M.LAPSE, seen, seen, False),
                      strict=True)) for agent, seen in found],
        )  # fmt: skip
    return len(found)


def current_period(session: Session, agent_id: int) -> StatePeriod | None:
    """The agent's open period (None: no log yet), for the desk's pages. Reads only."""
    return session.scalar(_CURRENT, {"agent_id": agent_id})


_CURRENT = sa.select(StatePeriod).where(
    StatePeriod.agent_id == sa.bindparam("agent_id"), StatePeriod.ended_at.is_(None)
)
