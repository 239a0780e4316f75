"""The desk's moments in the agent's state log (``app.workday``): what taking an account,
dialling, hanging up, recording the outcome, giving an account back, pausing and resuming
write there. Each is one small change (``workday.services.change_state``); the views call
these in the transaction of the action itself, so the log and the call never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.campaigns.models import QueueEntry, QueueState
from app.columns import utcnow
from app.desk.services import DeskError, LeaseLostError
from app.workday.machine import AgentState, Moment, StateRefused
from app.workday.models import PauseReason, StatePeriod
from app.workday.reasons import ReasonError, chosen_reason
from app.workday.services import change_state, current_period

# The call screen's moments, by the word in their URL.
CALL_MOMENTS = {"dial": Moment.DIAL, "answer": Moment.ANSWER, "hang-up": Moment.HANG_UP}


class StateError(DeskError):
    """The moment does not fit the agent's state; the message says what to do."""


@dataclass(frozen=True)
class DeskState:
    """The agent's state as a desk page shows it, its time running from ``since``."""

    state: AgentState
    since: datetime | None  # None: no log yet (signed in before it began)
    now: datetime  # the server's clock, which the page's running time follows
    reason: PauseReason | None = None
    overdue_at: datetime | None = None

    @property
    def limit_minutes(self) -> int | None:
        """The pause's maximum as it stood when the pause began (``overdue_at``)."""
        if self.overdue_at is None or self.since is None:
            return None
        return round((self.overdue_at - self.since).total_seconds() / 60)

    def as_json(self) -> dict[str, str | None]:
        return {"state": self.state.value, "since": _iso(self.since), "now": _iso(self.now)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def desk_state(session: Session, agent_id: int) -> DeskState:
    """What the desk's pages show of the agent's state (reads only)."""
    now = utcnow()
    period = current_period(session, agent_id)
    if period is None:
        return DeskState(AgentState.READY, None, now)
    reason = session.get(PauseReason, period.pause_reason_id) if period.pause_reason_id else None
    return DeskState(period.state, period.started_at, now, reason, period.overdue_at)


def _shown(period: StatePeriod) -> DeskState:
    return DeskState(period.state, period.started_at, utcnow(), None, period.overdue_at)


def took(
    session: Session, agent_id: int, campaign_id: int, account_id: int, now: datetime | None = None
) -> None:
    """The claim handed the agent an account: ready, previewing it. Lapsed desks of every
    agent are written down first, beside the claim's return of abandoned leases."""
    change_state(session, agent_id, Moment.TAKE, at=now, campaign_id=campaign_id,
                 account_id=account_id, sweep=True)  # fmt: skip


def call_moment(
    session: Session, entry_id: int, agent_id: int, moment: Moment, now: datetime | None = None
) -> DeskState:
    """Dial, answer or hang up the call of ``entry_id``, which the agent must hold; the
    state the desk now shows. A repeat (a double click) changes nothing."""
    held = session.execute(
        sa.select(QueueEntry.campaign_id, QueueEntry.account_id).where(
            QueueEntry.id == entry_id,
            QueueEntry.state == QueueState.LEASED,
            QueueEntry.lease_holder_id == agent_id,
        )
    ).first()
    if held is None:
        raise LeaseLostError(_("This account is no longer assigned to you."))
    untimed_for = held.account_id if moment == Moment.HANG_UP else None
    try:
        period = change_state(session, agent_id, moment, at=now, campaign_id=held.campaign_id,
                              account_id=held.account_id, untimed_for=untimed_for)  # fmt: skip
    except StateRefused as exc:
        raise StateError(refusal(exc)) from exc
    return _shown(period) if period is not None else desk_state(session, agent_id)


def pause_reason_for(session: Session, reason_id: int | None) -> PauseReason:
    """The active reason the agent chose, or a ``StateError`` asking for one."""
    try:
        return chosen_reason(session, reason_id)
    except ReasonError as exc:
        raise StateError(str(exc)) from exc


def after_outcome(
    session: Session,
    agent_id: int,
    *,
    campaign_id: int,
    called_account_id: int,
    next_account_id: int | None,
    pause: PauseReason | None = None,
    now: datetime | None = None,
) -> None:
    """The outcome ended the call (and its wrap-up): paused for ``pause``, or ready with
    the next account in hand (None: none came). A call recorded while still previewing
    the account was dialled by hand: that period is marked untimed."""
    if pause is not None:
        change_state(session, agent_id, Moment.PAUSE_AFTER_CALL, at=now, campaign_id=campaign_id,
                     reason=pause, untimed_for=called_account_id)  # fmt: skip
        return
    change_state(
        session,
        agent_id,
        Moment.OUTCOME,
        at=now,
        campaign_id=campaign_id,
        account_id=next_account_id,
        untimed_for=called_account_id,
        sweep=next_account_id is not None,
    )  # a claim sweeps, as ``took``


def gave_back(session: Session, agent_id: int, now: datetime | None = None) -> None:
    """The account went back to the queue without an outcome: ready on the desk's home."""
    change_state(session, agent_id, Moment.GIVE_BACK, at=now)


def pause(
    session: Session, agent_id: int, reason_id: int | None, now: datetime | None = None
) -> None:
    """The agent stops taking calls, for a reason from the list (the desk's home)."""
    reason = pause_reason_for(session, reason_id)
    try:
        change_state(session, agent_id, Moment.PAUSE, at=now, reason=reason)
    except StateRefused as exc:
        raise StateError(refusal(exc)) from exc


def resume(session: Session, agent_id: int, now: datetime | None = None) -> None:
    """The pause is over: ready on the desk's home."""
    try:
        change_state(session, agent_id, Moment.RESUME, at=now)
    except StateRefused as exc:
        raise StateError(refusal(exc)) from exc


def refusal(exc: StateRefused) -> str:
    """What the agent reads when a moment does not fit their state."""
    if exc.current == AgentState.PAUSED:
        return _("You are paused: resume first.")
    if exc.moment == Moment.PAUSE:
        return _("Record the call's outcome first, or choose a pause after this call.")
    if exc.moment == Moment.ANSWER:
        return _("Dial the number first.")
    if exc.moment == Moment.RESUME:
        return _("You are not paused.")
    return _("Hang up first: the call is still going on.")
