"""Past calls for the demo: a few days of the agents' work on the demo campaign, so the
board has figures and the distribution pages have qualified accounts to hand out."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.invented import FIRST_NAMES, SURNAMES
from app.accounts.models import Account, Contact, FleetLine, Horizon, Opportunity, TonnageClass
from app.accounts.status import AccountStatus, check_transition
from app.board import tally_writes
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.desk.models import CallAttempt
from app.users.services import find_user

PAST_CALLS = 120
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
    """Once per campaign: final calls on its first waiting accounts over the last three
    working days, counted on the board as the desk counts them. Returns how many."""
    campaign = session.scalar(select(Campaign).where(Campaign.code == campaign_code))
    if campaign is None or session.scalar(
        select(CallAttempt.id).where(CallAttempt.campaign_id == campaign.id).limit(1)
    ):
        return 0
    agents = [a for a in (find_user(session, f"agente{n}") for n in (1, 2, 3)) if a]
    entries = session.scalars(
        select(QueueEntry)
        .where(QueueEntry.campaign_id == campaign.id, QueueEntry.state == QueueState.WAITING)
        .order_by(QueueEntry.id)
        .limit(PAST_CALLS)
    ).all()
    if not agents or not entries:
        return 0
    rng = random.Random(seed)  # nosec B311 # demo data, not a secret
    days = working_days_before(date.today(), 3)
    local = ZoneInfo(zone)
    for n, entry in enumerate(entries):
        minute = rng.randrange(9 * 60, 18 * 60)
        started = datetime.combine(days[n % len(days)], time(minute // 60, minute % 60), local)
        started = started.astimezone(UTC)
        qualified = rng.random() < QUALIFIED_SHARE
        call = CallAttempt(
            campaign_id=campaign.id,
            account_id=entry.account_id,
            agent_id=agents[n % len(agents)].id,
            call_script_id=campaign.call_script_id,
            started_at=started,
            ended_at=started + timedelta(seconds=rng.randrange(150, 540)),
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
    tally_writes.write_pending(session)
    session.flush()
    return len(entries)


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
