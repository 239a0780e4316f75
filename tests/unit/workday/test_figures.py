"""The working day's times against timelines worked out by hand: an ordinary morning,
a period across midnight, the two DST Sundays of 2026 (29 March: 23 hours; 25 October:
25 hours), a browser that crashed (the desk's period ends at its last heartbeat), and a
range that cuts periods off. ``tests/integration/workday/test_figures.py`` checks that the
database's sums equal these."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.workday.figures import day_times, split_at_midnights
from app.workday.machine import AgentState as S
from app.workday.models import StatePeriod

ROME = ZoneInfo("Europe/Rome")
AGENT = 7
BREAK, LUNCH = 1, 2
MIN = 60.0
HOUR = 3600.0


def rome(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=ROME).astimezone(UTC)


def timeline(*steps: tuple[datetime, S, int | None], open_seen: datetime | None = None):
    """Periods that tile time: each step starts a state, ended by the next step; the last
    one stays open, last seen at ``open_seen`` (its start when None)."""
    periods = []
    for (start, state, reason), following in zip(steps, [*steps[1:], None], strict=True):
        end = following[0] if following else None
        periods.append(
            StatePeriod(
                agent_id=AGENT,
                state=state,
                pause_reason_id=reason,
                started_at=start,
                ended_at=end,
                seen_at=end or open_seen or start,
            )
        )
    return periods


MON = date(2026, 3, 2)  # winter time, UTC+1


def test_an_ordinary_morning():
    periods = timeline(
        (rome(MON, 8, 0), S.READY, None),
        (rome(MON, 8, 10), S.DIALLING, None),
        (rome(MON, 8, 10, 30), S.IN_CALL, None),
        (rome(MON, 8, 15), S.WRAP_UP, None),
        (rome(MON, 8, 16), S.READY, None),
        (rome(MON, 10, 0), S.PAUSED, BREAK),
        (rome(MON, 10, 20), S.READY, None),
        (rome(MON, 13, 0), S.PAUSED, LUNCH),
        (rome(MON, 13, 45), S.READY, None),
        (rome(MON, 17, 0), S.SIGNED_OUT, None),
    )
    found = day_times(periods, MON, MON, now=rome(MON, 20))
    assert list(found) == [(AGENT, MON)]
    day = found[(AGENT, MON)]
    assert day.signed_in == 9 * HOUR
    assert day.dialling == 30
    assert day.talk == 4 * MIN + 30
    assert day.wrap_up == 1 * MIN
    assert day.paused == 65 * MIN
    assert day.pauses == {BREAK: 20 * MIN, LUNCH: 45 * MIN}
    assert day.ready == 9 * HOUR - 30 - 270 - 60 - 65 * MIN
    assert day.ready + day.dialling + day.talk + day.wrap_up + day.paused == day.signed_in


def test_a_period_across_midnight_is_split_there():
    tue = MON + timedelta(days=1)
    periods = timeline(
        (rome(MON, 23, 30), S.READY, None),
        (rome(tue, 0, 45), S.PAUSED, BREAK),
        (rome(tue, 1, 0), S.SIGNED_OUT, None),
    )
    found = day_times(periods, MON, tue, now=rome(tue, 9))
    assert found[(AGENT, MON)].seconds == {S.READY: 30 * MIN}
    assert found[(AGENT, tue)].seconds == {S.READY: 45 * MIN, S.PAUSED: 15 * MIN}
    # One day of the two: the other day's part is left out, not moved.
    assert day_times(periods, tue, tue, now=rome(tue, 9))[(AGENT, tue)].ready == 45 * MIN
    assert list(day_times(periods, MON, MON, now=rome(tue, 9))) == [(AGENT, MON)]


@pytest.mark.parametrize(
    ("sunday", "hours"),
    [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25)],
    ids=["spring-forward", "fall-back"],
)
def test_the_dst_sundays_last_23_and_25_hours(sunday, hours):
    saturday, monday = sunday - timedelta(days=1), sunday + timedelta(days=1)
    periods = timeline(
        (rome(saturday, 22, 0), S.READY, None),  # two hours on Saturday
        (rome(monday, 1, 0), S.SIGNED_OUT, None),  # one on Monday
    )
    found = day_times(periods, saturday, monday, now=rome(monday, 12))
    assert found[(AGENT, saturday)].ready == 2 * HOUR
    assert found[(AGENT, sunday)].ready == hours * HOUR
    assert found[(AGENT, monday)].ready == 1 * HOUR


def test_the_small_hours_of_the_spring_sunday():
    sunday = date(2026, 3, 29)  # 02:00 becomes 03:00
    periods = timeline(
        (rome(sunday, 1, 30), S.PAUSED, BREAK),
        (rome(sunday, 3, 30), S.SIGNED_OUT, None),
    )
    assert day_times(periods, sunday, sunday, now=rome(sunday, 12))[(AGENT, sunday)].pauses == {
        BREAK: 1 * HOUR
    }


def test_a_crashed_browser_ends_at_its_last_heartbeat():
    """The desk went silent at 10:02 (its last heartbeat): read at 11:00, before the sweep
    wrote anything down, the day ends there; read at 10:05, the desk may still be alive
    and the period runs to now."""
    periods = timeline(
        (rome(MON, 9, 0), S.READY, None),
        (rome(MON, 9, 30), S.DIALLING, None),
        (rome(MON, 9, 31), S.IN_CALL, None),
        open_seen=rome(MON, 10, 2),
    )
    later = day_times(periods, MON, MON, now=rome(MON, 11))[(AGENT, MON)]
    assert later.seconds == {S.READY: 30 * MIN, S.DIALLING: 1 * MIN, S.IN_CALL: 31 * MIN}
    soon = day_times(periods, MON, MON, now=rome(MON, 10, 5))[(AGENT, MON)]
    assert soon.talk == 34 * MIN
    # The sweep's own record of it (the period ended at the heartbeat, then signed out)
    # reads the same.
    periods[-1].ended_at = rome(MON, 10, 2)
    swept = [*periods, *timeline((rome(MON, 10, 2), S.SIGNED_OUT, None))]
    assert day_times(swept, MON, MON, now=rome(MON, 11))[(AGENT, MON)] == later


def test_a_crash_across_midnight_counts_till_the_heartbeat_only():
    tue = MON + timedelta(days=1)
    periods = timeline((rome(MON, 23, 0), S.PAUSED, LUNCH), open_seen=rome(tue, 0, 20))
    found = day_times(periods, MON, tue, now=rome(tue, 8))
    assert found[(AGENT, MON)].pauses == {LUNCH: 1 * HOUR}
    assert found[(AGENT, tue)].pauses == {LUNCH: 20 * MIN}


def test_an_open_range_and_the_time_now():
    periods = timeline((rome(MON, 8, 0), S.READY, None), open_seen=rome(MON, 9, 59))
    found = day_times(periods, None, None, now=rome(MON, 10))
    assert found == {(AGENT, MON): found[(AGENT, MON)]}
    assert found[(AGENT, MON)].ready == 2 * HOUR


def test_signed_out_time_is_not_working_time():
    periods = timeline((rome(MON, 8), S.SIGNED_OUT, None), (rome(MON, 9), S.READY, None),
                       (rome(MON, 10), S.SIGNED_OUT, None))  # fmt: skip
    assert day_times(periods, MON, MON, now=rome(MON, 12))[(AGENT, MON)].signed_in == HOUR


def test_split_at_midnights():
    assert list(split_at_midnights(rome(MON, 10), rome(MON, 10))) == []
    assert list(split_at_midnights(rome(MON, 10), rome(MON + timedelta(days=2), 1))) == [
        (MON, 14 * HOUR), (MON + timedelta(days=1), 24 * HOUR),
        (MON + timedelta(days=2), 1 * HOUR),
    ]  # fmt: skip
