"""Calls per signed-in hour on the board, against counts worked out by hand: only the
calls of agent-days with time in the campaign count (days before the state log began
have calls and no time), and time without a call slows the pace."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.board.signed_in import paces_of

MON, TUE = date(2026, 3, 2), date(2026, 3, 3)
ANNA, BRUNO = 1, 2
HOUR = 3600.0


def test_the_calls_of_days_with_time_over_that_time():
    times = {
        (ANNA, MON): 2 * HOUR,  # 9 calls
        (ANNA, TUE): HOUR,  # an hour in the campaign, no call: slower
        (BRUNO, TUE): 0.5 * HOUR,  # 6 calls
    }
    calls = {
        ("2026-03-02", ANNA): 9,
        ("2026-03-03", BRUNO): 6,
        ("2026-02-27", ANNA): 40,  # before the log began: no time, not counted
    }
    paces = paces_of(times, calls)
    assert paces.agents[ANNA].per_hour == Decimal(3)  # 9 / 3 h
    assert paces.agents[BRUNO].per_hour == Decimal(12)  # 6 / 0.5 h
    assert paces.days["2026-03-02"].per_hour == Decimal("4.5")  # 9 / 2 h
    assert paces.days["2026-03-03"].per_hour == Decimal(4)  # 6 / 1.5 h
    assert (paces.total.calls, paces.total.seconds) == (15, 3.5 * HOUR)
    assert paces.total.hours == Decimal("3.5")
    assert "2026-02-27" not in paces.days


def test_no_time_no_figure():
    paces = paces_of({}, {("2026-03-02", ANNA): 5})
    assert paces.total.per_hour is None and paces.agents == {} and paces.days == {}
