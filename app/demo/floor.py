"""Two demo agents at work at the moment the demo is seeded, so the supervisor's floor has
something live on the first start: Bruno in a call for a few minutes, Chiara on a break
already past its fifteen minutes (an alert). Their desks are not open anywhere: like any
silent desk they leave the floor once the lapse has passed (five minutes), and the next
seeding (``scripts/demo`` seeds at every start) brings them back."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns.calendar import is_callable
from app.campaigns.models import Campaign, CampaignStatus
from app.columns import utcnow
from app.desk.held import start_call
from app.desk.queue import claim
from app.users.services import find_user
from app.workday.machine import AgentState, Moment
from app.workday.models import PauseReason
from app.workday.services import LAPSE, change_state, current_period, sign_in

M = Moment
IN_CALL, ON_BREAK = "agente2", "agente3"  # agente1 stays free for whoever tries the desk
RECENT = timedelta(hours=1)  # the minutes written at once: no lapse between their moments


def _live(session: Session, agent_id: int, now: datetime) -> bool:
    period = current_period(session, agent_id)
    return (
        period is not None
        and period.state != AgentState.SIGNED_OUT
        and period.seen_at > now - LAPSE
    )


def seed_live_floor(
    session: Session, pilot_code: str, practice_code: str, now: datetime | None = None
) -> int:
    """Sign the two agents in now, unless one is already at work; returns how many were.
    The call is in the pilot campaign within its calling hours, else in the practice
    campaign (served at any hour)."""
    now = now or utcnow()
    talker, resting = find_user(session, IN_CALL), find_user(session, ON_BREAK)
    if talker is None or resting is None:
        return 0
    if _live(session, talker.id, now) or _live(session, resting.id, now):
        return 0
    campaign = _serving(session, pilot_code, now) or _serving(session, practice_code, now)
    at = now - timedelta(minutes=12)
    sign_in(session, talker.id, at)
    claimed = claim(session, campaign, talker.id, now) if campaign is not None else None
    if claimed is not None:
        start_call(session, claimed.entry_id, talker.id, now - timedelta(minutes=5))
        where = {"campaign_id": campaign.id, "account_id": claimed.account_id}
        for moment, minutes in ((M.TAKE, 5), (M.DIAL, 4), (M.ANSWER, 3.6)):
            change_state(session, talker.id, moment, at=now - timedelta(minutes=minutes),
                         lapse=RECENT, **where)  # fmt: skip
    sign_in(session, resting.id, now - timedelta(minutes=25))
    reason = session.scalar(select(PauseReason).where(PauseReason.code == "break"))
    if reason is not None:
        change_state(session, resting.id, M.PAUSE, at=now - timedelta(minutes=17),
                     reason=reason, lapse=RECENT)  # fmt: skip
    for agent_id in (talker.id, resting.id):  # their desks beat until now
        current = current_period(session, agent_id)
        if current is not None:
            current.seen_at = now
    session.flush()
    return 2


def _serving(session: Session, code: str, now: datetime) -> Campaign | None:
    found = session.scalar(select(Campaign).where(Campaign.code == code))
    if found is None or found.status != CampaignStatus.ACTIVE:
        return None
    return found if is_callable(now, found.serving_hours) else None
