"""Past calls for the demo: a few days of the agents' work on the demo campaign, their
calls and their state log, so the board has figures, the floor and the timesheets have
days to show, and the distribution pages have qualified accounts to hand out."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.invented import FIRST_NAMES, SURNAMES
from app.accounts.models import Account, Contact, FleetLine, Horizon, Opportunity, TonnageClass
from app.accounts.status import AccountStatus, check_transition
from app.board import tally_writes
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.demo.workdays import SHIFTS, Step, plan_day
from app.desk.models import CallAttempt
from app.users.services import find_user
from app.workday.machine import Moment
from app.workday.models import PauseReason, StatePeriod
from app.workday.services import change_state

PAST_CALLS = 120
# The past is written at once: no desk lapses between two moments of it.
HISTORY = timedelta(days=3650)
M = Moment
QUALIFIED_SHARE = 0.6  # the plan's redemption
BRANDS = ("IVECO", "Volvo", "Scania", "Mercedes-Benz", "DAF", "MAN", "Renault Trucks")
NOTES = (
    "Rinnovo flotta previsto, chiede un'offerta per trattori stradali.",
    "Interessato al noleggio a lungo termine.",
    "Richiamare il responsabile acquisti dopo le 15.",
    "Valuta il passaggio a mezzi a metano.",
    None,
)


def working_days_before(today: date, count: int) -> list[date]:
    days: list[date] = []
    day = today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sorted(days)


def seed_past_calls(session: Session, campaign_code: str, seed: int, zone: str) -> int:
    """Once per campaign: the agents' last three working days on it, as the desk logs them
    (``workdays.plan_day``: signed in, calls with their talk and wrap-up, pauses, lunch,
    signed out), each call final on one of its first waiting accounts and counted on the
    board as the desk counts it. Returns how many calls."""
    campaign = session.scalar(select(Campaign).where(Campaign.code == campaign_code))
    if campaign is None or session.scalar(
        select(CallAttempt.id).where(CallAttempt.campaign_id == campaign.id).limit(1)
    ):
        return 0
    agents = [a for a in (find_user(session, f"agente{n}") for n in (1, 2, 3)) if a]
    entries = list(
        session.scalars(
            select(QueueEntry)
            .where(QueueEntry.campaign_id == campaign.id, QueueEntry.state == QueueState.WAITING)
            .order_by(QueueEntry.id)
            .limit(PAST_CALLS)
        )
    )
    if not agents or not entries:
        return 0
    rng = random.Random(seed)  # nosec B311 # demo data, not a secret
    days = working_days_before(date.today(), 3)
    local = ZoneInfo(zone)
    slots = [(a, day) for a in range(len(agents)) for day in days]
    shifts = [SHIFTS[a % len(SHIFTS)] for a, _day in slots]
    counts = _shares(len(entries), [2 if shift.lunch else 1 for shift in shifts])
    reasons = {r.code: r for r in session.scalars(select(PauseReason))}
    for (a, day), shift, n in zip(slots, shifts, counts, strict=True):
        steps = plan_day(rng, day, shift, n, local, first_day=day == days[0])
        mine, entries = entries[:n], entries[n:]
        _write_day(session, campaign, agents[a].id, steps, mine, rng, reasons)
    tally_writes.write_pending(session)
    _seen_until_the_end(session, [a.id for a in agents])
    session.flush()
    return sum(counts)


def _shares(total: int, weights: list[int]) -> list[int]:
    """``total`` split by ``weights``, whole numbers that add up (largest remainders)."""
    exact = [total * w / sum(weights) for w in weights]
    found = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - found[i], reverse=True)
    for i in by_remainder[: total - sum(found)]:
        found[i] += 1
    return found


def _write_day(session: Session, campaign: Campaign, agent_id: int, steps: list[Step],
               entries: list[QueueEntry], rng: random.Random,
               reasons: dict[str, PauseReason]) -> None:  # fmt: skip
    """One agent's day into the state log (``change_state``, as the desk writes it) and
    its calls into ``call_attempts``."""
    taken: dict[int, datetime] = {}
    for step in steps:
        at = step.at.astimezone(UTC)
        where: dict[str, Any] = {"at": at, "lapse": HISTORY}
        if step.call is not None:
            account_id = entries[step.call].account_id
            where["campaign_id"] = campaign.id
            if step.moment == M.OUTCOME:
                _record(session, campaign, agent_id, entries[step.call], taken[step.call], at, rng)
                where["untimed_for"] = account_id
            else:
                where["account_id"] = account_id
            if step.moment == M.TAKE:
                taken[step.call] = at
        if step.reason is not None:
            where["reason"] = reasons[step.reason]
        change_state(session, agent_id, step.moment, **where)


def _record(session: Session, campaign: Campaign, agent_id: int, entry: QueueEntry,
            started: datetime, ended: datetime, rng: random.Random) -> None:  # fmt: skip
    qualified = rng.random() < QUALIFIED_SHARE
    call = CallAttempt(
        campaign_id=campaign.id,
        account_id=entry.account_id,
        agent_id=agent_id,
        call_script_id=campaign.call_script_id,
        started_at=started,
        ended_at=ended,
        outcome="qualified" if qualified else "not_interested",
        notes=rng.choice(NOTES) if qualified else None,
    )
    session.add(call)
    session.flush()
    account = session.get_one(Account, entry.account_id)
    target = AccountStatus.QUALIFIED if qualified else AccountStatus.NOT_INTERESTED
    account.status = check_transition(account.status, AccountStatus.IN_CALL)
    account.status = check_transition(account.status, target)
    entry.state, entry.attempts = QueueState.DONE, 1
    if qualified:
        _captured(session, rng, account.id, call.id)
    session.flush()
    tally_writes.record_call(session, call, final=True)


def _seen_until_the_end(session: Session, agent_ids: list[int]) -> None:
    """The desk beat all along each past period: its last sign of life is its end."""
    t = StatePeriod
    session.execute(
        update(t)
        .where(t.agent_id.in_(agent_ids), t.ended_at.is_not(None), t.state != "signed_out",
               t.seen_at < t.ended_at)
        .values(seen_at=t.ended_at)
        .execution_options(synchronize_session=False)
    )  # fmt: skip


def _captured(session: Session, rng: random.Random, account_id: int, call_id: int) -> None:
    """What the script captures on a qualified call: fleet, purchasing manager, intent."""
    for brand in rng.sample(BRANDS, rng.randint(1, 3)):
        session.add(
            FleetLine(
                account_id=account_id,
                brand=brand,
                vehicle_count=rng.randint(2, 30),
                tonnage_class=TonnageClass.EXTRA_HEAVY,
                call_attempt_id=call_id,
            )
        )
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    session.add(
        Contact(
            account_id=account_id,
            full_name=f"{first} {last}",
            job_title="Responsabile acquisti",
            phone=f"+393{rng.randrange(10**8, 10**9)}",
            is_purchasing_manager=True,
            call_attempt_id=call_id,
        )
    )
    session.add(
        Opportunity(
            account_id=account_id,
            horizon=rng.choices([Horizon.M3, Horizon.M6, Horizon.M12], [3, 4, 3])[0],
            vehicle_kind="trattore stradale",
            quantity=rng.randint(1, 4),
            call_attempt_id=call_id,
        )
    )
