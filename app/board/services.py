"""What the board shows, gathered once for all its viewers (``cache.shared``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.board import cache, tally_reads
from app.board.counts import Slice, gather
from app.board.metrics import Counts, Progress, figures, progress
from app.board.signed_in import Pace, agent_pace, campaign_paces
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.campaigns.teams import visible_campaign_ids
from app.desk.models import CallAttempt
from app.desk.queue import QueueDepth, queue_depth
from app.territory.models import Dealer, Salesperson, Zone
from app.users.models import User

FRESH_SECONDS = 5  # how old the figures on an open board may be


def _number(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 6)


def campaigns_now(session: Session) -> dict[str, Any]:
    """Every campaign with its counts and figures, as JSON-able data, live campaigns first
    and practice ones after them (``practice``: shown apart); at most ``FRESH_SECONDS``
    old."""
    return cache.shared("campaigns", FRESH_SECONDS, lambda: _campaigns(session))


def campaigns_for(session: Session, user: User) -> dict[str, Any]:
    """``campaigns_now`` limited to the campaigns ``user`` may see: a supervisor of a team,
    those open to it (``campaigns.teams``); anyone else, every campaign."""
    data = campaigns_now(session)
    ids = visible_campaign_ids(session, user)
    if ids is None:
        return data
    return {**data, "campaigns": [row for row in data["campaigns"] if row["id"] in ids]}


def qualified_elsewhere(session: Session) -> dict[str, int]:
    """Accounts an earlier action qualified (an import's results, ``app.imports.
    qualified_elsewhere``), counted apart: no call of ours qualified them, so they are in no
    campaign's or agent's redemption. ``waiting``: not handed out yet; ``distributed``:
    in a salesperson's wave; ``other``: since called by us, or closed."""
    status = sa.case(
        (Account.status == AccountStatus.QUALIFIED, "waiting"),
        (Account.status == AccountStatus.DISTRIBUTED, "distributed"),
        else_="other",
    )
    counts = dict.fromkeys(("waiting", "distributed", "other"), 0)
    query = (
        sa.select(status, sa.func.count())
        .where(Account.qualified_elsewhere_on.is_not(None), Account.practice.is_(False))
        .group_by(status)
    )
    counts.update({name: count for name, count in session.execute(query)})
    return {**counts, "total": sum(counts.values())}


def _campaigns(session: Session) -> dict[str, Any]:
    counts = dict(tally_reads.campaign_totals(session, _campaign_bases(session)))
    waiting = dict(
        session.execute(
            sa.select(QueueEntry.campaign_id, sa.func.count())
            .where(QueueEntry.state != QueueState.DONE)
            .group_by(QueueEntry.campaign_id)
        ).all()
    )
    rows = []
    # Live campaigns first; practice campaigns apart, after them, marked (their calls are
    # no live figure).
    order = (Campaign.practice, Campaign.created_at.desc())
    for campaign in session.scalars(sa.select(Campaign).order_by(*order)):
        c = counts.get(campaign.id, Counts())
        f = figures(c)
        rows.append(
            {
                "id": campaign.id,
                "code": campaign.code,
                "name": campaign.name,
                "status": campaign.status.value,
                "practice": campaign.practice,
                "target": _number(campaign.target_redemption),
                "base": c.base,
                "waiting": waiting.get(campaign.id, 0),
                "final": c.final,
                "qualified": c.qualified,
                "attempts": c.attempts,
                "redemption": _number(f.redemption),
                "contact_rate": _number(f.contact_rate),
                "attempts_per_account": _number(f.attempts_per_account),
                "average_handling_seconds": _number(f.average_handling_seconds),
            }
        )
    return {"as_of": datetime.now(UTC).isoformat(timespec="seconds"), "campaigns": rows}


# The accounts in a campaign change only when accounts are added to it: counting them
# (a join over every queue entry) once a minute is enough.
BASE_SECONDS = 60


def _campaign_bases(session: Session) -> dict[int, int]:
    found = cache.shared(
        "bases", BASE_SECONDS, lambda: list(tally_reads.campaign_bases(session).items())
    )
    return {campaign_id: n for campaign_id, n in found}


def _bases(session: Session, campaign_id: int) -> dict[tuple[str, int], int]:
    found = cache.shared(
        f"base:{campaign_id}",
        BASE_SECONDS,
        lambda: [[*slot, n] for slot, n in tally_reads.bases(session, campaign_id).items()],
    )
    return {(dimension, key): n for dimension, key, n in found}


def depth_now(session: Session, campaign: Campaign, now: datetime) -> QueueDepth:
    """The campaign's queue by what it waits for, at most ``FRESH_SECONDS`` old (a count
    over every entry of the campaign: once for all open boards)."""
    campaign_id = campaign.id
    found = cache.shared(
        f"depth:{campaign_id}",
        FRESH_SECONDS,
        lambda: asdict(queue_depth(session, session.get_one(Campaign, campaign_id), now)),
    )
    return QueueDepth(**found)


def campaign_parts(
    campaign: Campaign,
    start: date | None,
    end: date | None,
    today: date,
    locale: str,
    render: Callable[[], dict[str, str]],
) -> dict[str, str]:
    """The campaign page's figures as rendered by ``render`` (HTML parts that depend on
    nobody's session), at most ``FRESH_SECONDS`` old: rendering a hundred agents' rows
    costs more than counting them, so it too is done once for all open boards."""
    key = f"parts:{campaign.id}:{start}:{end}:{today}:{locale}:{campaign.target_redemption}"
    return cache.shared(key, FRESH_SECONDS, render)


def campaign_now(
    session: Session, campaign: Campaign, start: date | None, end: date | None, today: date
) -> dict[str, Any]:
    """One campaign's figures between ``start`` and ``end`` (local days, both included;
    the whole campaign when None): in all, by day, by agent, by outcome, and its
    progress against the plan. At most ``FRESH_SECONDS`` old."""
    campaign_id = campaign.id
    key = f"campaign:{campaign_id}:{start}:{end}:{today}"
    # Loaded afresh: the computation may run after this request's session has closed.
    return cache.shared(
        key,
        FRESH_SECONDS,
        lambda: _campaign(session, session.get_one(Campaign, campaign_id), start, end, today),
    )


def _campaign(
    session: Session, campaign: Campaign, start: date | None, end: date | None, today: date
) -> dict[str, Any]:
    found = tally_reads.read(session, campaign.id, start, end, _bases(session, campaign.id))
    total, days, agents = found.total, found.days, found.slices.get("agent", {})
    names = dict(session.execute(sa.select(User.id, User.display_name)).all())
    plan = _plan(session, campaign, total, days, today)
    paces = campaign_paces(session, campaign.id, start, end, datetime.now(UTC))
    f = figures(total)
    return {
        "as_of": datetime.now(UTC).isoformat(timespec="seconds"),
        "total": {
            **_row(total),
            **_pace(paces.total),
            "base": total.base,
            "called": total.called,
            "redemption_of_base": _number(f.redemption_of_base),
            "attempts_per_account": _number(f.attempts_per_account),
        },
        "outcomes": {
            code: [total.outcomes[code], _number(share)] for code, share in f.outcome_shares.items()
        },
        "horizons": [[m, _number(share)] for m, share in f.horizon_shares.items()],  # 3, 6, 12
        "days": [
            {"day": day, **_row(days[day]), **_pace(paces.days.get(day, Pace()))}
            for day in sorted(days)
        ],
        "agents_by_pace": _by_pace(agents, names, paces.agents),
        "agents": sorted(
            (
                {
                    "id": agent_id,
                    "agent": names.get(agent_id, "?"),
                    **_row(c),
                    **_pace(paces.agents.get(agent_id, Pace())),
                }
                for agent_id, c in agents.items()
            ),
            key=lambda r: (-(r["redemption"] or -1), -r["attempts"], r["agent"]),
        ),
        "slices": _slices(session, found.slices),
        "plan": {
            "needed": plan.needed,
            "qualified": plan.qualified,
            "still_needed": plan.still_needed,
            "rate": _number(plan.rate),
            "to_call": plan.to_call,
            "per_day": _number(plan.per_day),
            "reached_on": plan.reached_on.isoformat() if plan.reached_on else None,
        },
    }


def _row(counts: Counts) -> dict[str, Any]:
    """The figures of one slice, as a row of the campaign page's tables."""
    f = figures(counts)
    return {
        "attempts": counts.attempts,
        "reached": counts.reached,
        "final": counts.final,
        "qualified": counts.qualified,
        "redemption": _number(f.redemption),
        "contact_rate": _number(f.contact_rate),
        "average_handling_seconds": _number(f.average_handling_seconds),
    }


def _by_pace(
    agents: dict[Any, Counts], names: dict[int, str], paces: dict[int, Pace]
) -> list[dict[str, Any]]:
    """The agents ranked by calls per signed-in hour (those without a figure last)."""
    rows = [{"id": agent_id, "agent": names.get(agent_id, "?"),
             "calls_per_hour": _number(paces.get(agent_id, Pace()).per_hour)}
            for agent_id in agents]  # fmt: skip
    return sorted(rows, key=lambda r: (-(r["calls_per_hour"] or -1), r["agent"]))


def _pace(pace: Pace) -> dict[str, Any]:
    """Calls per signed-in hour (``signed_in``): the calls it divides, the hours."""
    return {"calls_per_hour": _number(pace.per_hour), "timed_calls": pace.calls,
            "signed_in_hours": _number(pace.hours)}  # fmt: skip


def _plan(
    session: Session, campaign: Campaign, total: Counts, days: dict[Any, Counts], today: date
) -> Progress:
    """The campaign against what the active salespeople of its zone need each month."""
    quota = sa.select(sa.func.coalesce(sa.func.sum(Salesperson.monthly_quota), 0)).where(
        Salesperson.active.is_(True)
    )
    if campaign.zone_id is not None:
        quota = quota.join(Dealer, Dealer.id == Salesperson.dealer_id).where(
            Dealer.zone_id == campaign.zone_id
        )
    return progress(
        total,
        needed=int(session.scalar(quota) or 0),
        target=campaign.target_redemption,
        started_on=campaign.starts_on or _first_day(days),
        today=today,
    )


def _slices(
    session: Session, slices: dict[str, dict[Any, Counts]]
) -> dict[str, list[dict[str, Any]]]:
    """Where the work was done: the accounts' zone and dealer, the hour of the day; rows
    by name."""
    labels = {
        "zone": dict(session.execute(sa.select(Zone.id, Zone.name)).all()),
        "dealer": dict(session.execute(sa.select(Dealer.id, Dealer.name)).all()),
    }
    return {
        by: [
            {"label": label, **_row(c)}
            for label, c in sorted(
                ((_label(labels, by, key), c) for key, c in slices.get(by, {}).items()),
                key=lambda pair: pair[0] or "",
            )
        ]
        for by in ("zone", "dealer", "hour")
    }


def _label(labels: dict[str, dict[Any, str]], by: str, key: Any) -> str | None:
    """A slice's name; None for accounts with no zone or dealer."""
    if by == "hour":
        return f"{key}:00"
    return labels[by].get(key) if key is not None else None


def _first_day(days: dict[Any, Counts]) -> date | None:
    return date.fromisoformat(min(days)) if days else None


def agent_now(session: Session, campaign: Campaign, agent: User) -> dict[str, Any]:
    """One agent's work in one campaign: figures in all and by day, their latest calls.
    Read live: a supervisor checking their qualifications sees each verdict count."""
    where = Slice(campaign_id=campaign.id, agent_id=agent.id)
    total = gather(session, where).get(None, Counts())
    days = gather(session, where, by="day")
    f = figures(total)
    c = CallAttempt
    calls = session.execute(
        sa.select(c.started_at, c.ended_at, c.outcome, Account.company_name)
        .join(Account, Account.id == c.account_id)
        .where(c.campaign_id == campaign.id, c.agent_id == agent.id)
        .order_by(c.started_at.desc(), c.id.desc())
        .limit(50)
    ).all()
    pace = agent_pace(session, campaign.id, agent.id,
                      {day: c.attempts for day, c in days.items()}, datetime.now(UTC))  # fmt: skip
    return {
        "total": total,
        "figures": f,
        "pace": pace,
        "days": [(day, days[day], figures(days[day])) for day in sorted(days)],
        "calls": calls,
    }
