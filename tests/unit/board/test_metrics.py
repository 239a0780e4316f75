"""The board's formulas against figures computed by hand (docs/metrics.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.board.metrics import Counts, figures, progress, ratio

# A morning of one campaign: 10 accounts queued, 6 called; 9 calls, 5 reaching a person;
# 4 accounts final, 3 of them qualified (1 at 3 months, 2 at 6); 8 calls timed, 16 minutes
# in all.
MORNING = Counts(
    base=10, called=6, final=4, qualified=3, attempts=9, reached=5, timed=8,
    handling_seconds=960,
    outcomes={"qualified": 3, "not_interested": 1, "no_answer": 4, "callback": 1},
    horizons={3: 1, 6: 2},
)  # fmt: skip


def test_every_figure_of_a_slice() -> None:
    f = figures(MORNING)
    assert f.redemption == Decimal("0.75")  # 3 / 4
    assert f.redemption_of_base == Decimal("0.3")  # 3 / 10
    assert f.contact_rate == Decimal(5) / Decimal(9)
    assert f.attempts_per_account == Decimal("1.5")  # 9 / 6
    assert f.average_handling_seconds == Decimal(120)  # 960 / 8
    assert f.outcome_shares == {
        "callback": Decimal(1) / Decimal(9),
        "no_answer": Decimal(4) / Decimal(9),
        "not_interested": Decimal(1) / Decimal(9),
        "qualified": Decimal(3) / Decimal(9),
    }
    assert sum(f.outcome_shares.values()) == pytest.approx(Decimal(1))
    assert f.horizon_shares == {3: Decimal(1) / 3, 6: Decimal(2) / 3, 12: Decimal(0)}


def test_nothing_to_divide_by_gives_no_figure_not_zero() -> None:
    f = figures(Counts())
    assert (f.redemption, f.redemption_of_base, f.contact_rate, f.attempts_per_account,
            f.average_handling_seconds) == (None,) * 5  # fmt: skip
    assert f.outcome_shares == {} and f.horizon_shares == {}
    # Calls but no account final yet, no call timed.
    early = figures(Counts(base=5, called=2, attempts=3, outcomes={"no_answer": 3}))
    assert early.redemption is None and early.redemption_of_base == 0
    assert early.average_handling_seconds is None
    assert early.attempts_per_account == Decimal("1.5")
    assert ratio(0, 0) is None and ratio(0, 4) == 0


def test_an_account_called_many_times_counts_once_for_redemption() -> None:
    stubborn = Counts(base=2, called=2, final=2, qualified=1, attempts=30, reached=3)
    f = figures(stubborn)
    assert f.redemption == Decimal("0.5") and f.attempts_per_account == 15
    assert f.contact_rate == Decimal("0.1")


def test_slices_add_up() -> None:
    afternoon = Counts(base=0, called=2, final=2, qualified=0, attempts=4, reached=2,
                       outcomes={"not_interested": 2, "no_answer": 2})  # fmt: skip
    day = MORNING + afternoon
    assert (day.final, day.qualified, day.attempts) == (6, 3, 13)
    assert day.outcomes["no_answer"] == 6 and day.horizons == {3: 1, 6: 2}
    assert figures(day).redemption == Decimal("0.5")


def test_progress_against_the_plan() -> None:
    # 120 salespeople x 50 accounts; 1,200 qualified of 2,000 final in 10 days.
    counts = Counts(final=2_000, qualified=1_200)
    p = progress(counts, needed=120 * 50, target=Decimal("0.6"),
                 started_on=date(2026, 11, 1), today=date(2026, 11, 10))  # fmt: skip
    assert (p.needed, p.qualified, p.still_needed) == (6_000, 1_200, 4_800)
    assert p.rate == Decimal("0.6") and p.to_call == 8_000  # 4,800 / 0.6
    assert p.per_day == 120 and p.reached_on == date(2026, 12, 20)  # 40 more days


def test_progress_before_any_result_uses_the_target() -> None:
    p = progress(Counts(base=500), needed=10 * 50, target=Decimal("0.6"),
                 started_on=None, today=date(2026, 11, 10))  # fmt: skip
    assert p.rate == Decimal("0.6") and p.to_call == 834  # ceil(500 / 0.6)
    assert p.per_day is None and p.reached_on is None
    none = progress(Counts(), needed=5, target=Decimal(0),
                    started_on=date(2026, 11, 10), today=date(2026, 11, 10))  # fmt: skip
    assert none.to_call is None and none.reached_on is None


def test_progress_when_the_plan_is_met() -> None:
    start, today = date(2026, 11, 1), date(2026, 11, 3)
    p = progress(Counts(final=80, qualified=60), needed=50,
                 target=Decimal("0.6"), started_on=start, today=today)  # fmt: skip
    assert p.still_needed == 0 and p.to_call == 0 and p.reached_on == today
