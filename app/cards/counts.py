"""How many cards each person entered, validated and refused, per day (Europe/Rome days:
a card entered at 23:30 UTC in winter counts on the next Roman day)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.cards.models import CardStatus, PaperCard
from app.columns import ROME, as_date, local_date, local_midnight, utcnow
from app.users.models import User

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass
class DayCount:
    day: date
    user_id: int
    name: str
    entered: int = 0
    validated: int = 0
    refused: int = 0


def default_range(days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The last ``days`` Roman days, today included."""
    today = utcnow().astimezone(ROME).date()
    return today - timedelta(days=days - 1), today


def card_counts(session: Session, first: date, last: date) -> list[DayCount]:
    """One row per person and day between ``first`` and ``last`` (Roman days, both
    included) with something counted; newest day first, then by name."""
    start, stop = local_midnight(first), local_midnight(last + timedelta(days=1))
    found: dict[tuple[date, int], DayCount] = {}
    names: dict[int, str] = {}

    def row(day: date | str, user_id: int) -> DayCount:
        key = (as_date(day), user_id)
        if key not in found:
            found[key] = DayCount(key[0], user_id, "")
        return found[key]

    c = PaperCard
    entered_day = local_date(c.entered_at)
    entered = (
        sa.select(entered_day, c.entered_by_id, sa.func.count())
        .where(c.entered_at >= start, c.entered_at < stop)
        .group_by(entered_day, c.entered_by_id)
    )
    for day, user_id, count in session.execute(entered):
        row(day, user_id).entered = count
    decided_day = local_date(c.decided_at)
    decided = (
        sa.select(decided_day, c.decided_by_id, c.status, sa.func.count())
        .where(c.decided_at >= start, c.decided_at < stop, c.decided_by_id.is_not(None))
        .group_by(decided_day, c.decided_by_id, c.status)
    )
    counts: dict[tuple[date, int], dict[str, int]] = defaultdict(dict)
    for day, user_id, status, count in session.execute(decided):
        counts[(as_date(day), user_id)][CardStatus(status).value] = count
    for (day, user_id), by_status in counts.items():
        item = row(day, user_id)
        item.validated = by_status.get(CardStatus.VALIDATED.value, 0)
        item.refused = by_status.get(CardStatus.REFUSED.value, 0)
    ids = sorted({user_id for _day, user_id in found})
    if ids:
        query = sa.select(User.id, User.display_name).where(User.id.in_(ids))
        names = {user_id: name for user_id, name in session.execute(query)}
    for item in found.values():
        item.name = names.get(item.user_id, "")
    return sorted(found.values(), key=lambda r: (-r.day.toordinal(), r.name.casefold()))


def totals(rows: list[DayCount]) -> dict[str, int]:
    return {
        "entered": sum(r.entered for r in rows),
        "validated": sum(r.validated for r in rows),
        "refused": sum(r.refused for r in rows),
    }
