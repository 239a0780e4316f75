"""Cards entered, validated and refused per person and Roman day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from app.cards.counts import card_counts, default_range
from app.cards.models import CardStatus
from tests import factories


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_counts_per_person_and_roman_day(session, typist, checker) -> None:
    card = factories.paper_card
    # 23:30 UTC on 9 December is 00:30 on the 10th in Rome.
    late = card(session, typist, entered_at=at("2026-12-09T23:30"))
    card(session, typist, entered_at=at("2026-12-09T10:00"))
    card(session, checker, entered_at=at("2026-12-10T08:00"))
    late.status, late.decided_by_id, late.decided_at = (
        CardStatus.VALIDATED, checker.id, at("2026-12-10T09:00"))  # fmt: skip
    refused = card(session, checker, entered_at=at("2026-12-08T09:00"), status=CardStatus.REFUSED,
                   decided_by_id=typist.id, decided_at=at("2026-12-10T22:59"))  # fmt: skip
    card(session, typist, entered_at=at("2026-11-01T09:00"))  # outside the range
    rows = card_counts(session, date(2026, 12, 9), date(2026, 12, 10))
    got = [(r.day.isoformat(), r.name, r.entered, r.validated, r.refused) for r in rows]
    assert got == [
        ("2026-12-10", "Carlo Controllo", 1, 1, 0),
        ("2026-12-10", "Sara Segreteria", 1, 0, 1),  # refused at 23:59 in Rome
        ("2026-12-09", "Sara Segreteria", 1, 0, 0),
    ]
    assert refused.entered_at.date() == date(2026, 12, 8)  # entered before the range


def test_the_default_range_is_the_last_thirty_roman_days() -> None:
    with time_machine.travel(at("2026-12-31T23:30"), tick=False):  # 1 January in Rome
        assert default_range() == (date(2026, 12, 3), date(2027, 1, 1))
