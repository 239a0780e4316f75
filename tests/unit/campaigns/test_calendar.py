"""Calling hours on real Italian dates: public holidays, Saturdays, Sundays, DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.campaigns.calendar import (
    ANY_TIME,
    CallingHoursError,
    is_callable,
    next_callable,
    parse_calling_hours,
)

ROME = ZoneInfo("Europe/Rome")


def rome(*args: int) -> datetime:
    """A wall-clock time in Rome, as the UTC instant the functions take."""
    return datetime(*args, tzinfo=ROME).astimezone(UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


SPLIT_MONDAY = {"mon": [["09:00", "13:00"], ["14:00", "20:00"]]}


@pytest.mark.parametrize(
    ("when", "hours", "expected"),
    [
        (rome(2025, 4, 22, 10, 0), None, True),  # an ordinary Tuesday
        (rome(2025, 4, 21, 10, 0), None, False),  # Easter Monday
        (rome(2025, 4, 25, 10, 0), None, False),  # Liberation Day (a Friday)
        (rome(2025, 6, 2, 10, 0), None, False),  # Republic Day (a Monday)
        (rome(2025, 8, 15, 10, 0), None, False),  # Ferragosto (a Friday)
        (rome(2025, 12, 8, 10, 0), None, False),  # Immaculate Conception (a Monday)
        (rome(2025, 12, 26, 10, 0), None, False),  # Santo Stefano (a Friday)
        (rome(2026, 10, 5, 10, 0), None, True),  # the Monday after San Francesco
        (rome(2025, 3, 31, 8, 59), None, False),  # Monday before opening
        (rome(2025, 3, 31, 9, 0), None, True),  # Monday opening
        (rome(2025, 3, 31, 19, 59), None, True),
        (rome(2025, 3, 31, 20, 0), None, False),  # closing time is exclusive
        (rome(2025, 3, 29, 9, 30), None, False),  # Saturday opens at 10
        (rome(2025, 3, 29, 10, 0), None, True),
        (rome(2025, 3, 29, 18, 59), None, True),
        (rome(2025, 3, 29, 19, 0), None, False),  # Saturday closes at 19
        (rome(2025, 3, 30, 12, 0), None, False),  # Sunday (and the spring DST change)
        # DST: 07:30 UTC is 08:30 in winter (closed) but 09:30 in summer (open).
        (utc(2025, 3, 28, 7, 30), None, False),  # Friday, CET
        (utc(2025, 3, 31, 7, 30), None, True),  # Monday, CEST
        (utc(2025, 10, 24, 7, 30), None, True),  # Friday, CEST
        (utc(2025, 10, 27, 7, 30), None, False),  # Monday, CET again
        (utc(2025, 10, 27, 18, 59), None, True),  # 19:59 CET
        (utc(2025, 10, 27, 19, 0), None, False),  # 20:00 CET
        (rome(2025, 3, 31, 13, 30), SPLIT_MONDAY, False),  # lunch break
        (rome(2025, 3, 31, 14, 0), SPLIT_MONDAY, True),
        (rome(2025, 4, 1, 13, 30), SPLIT_MONDAY, True),  # Tuesday keeps the default
        (rome(2025, 3, 29, 11, 0), {"sat": []}, False),  # no Saturday calls
        (rome(2025, 12, 24, 10, 0), {"closed": ["2025-12-24"]}, False),
        (rome(2025, 12, 23, 10, 0), {"closed": ["2025-12-24"]}, True),
        (rome(2025, 4, 21, 10, 0), {"mon": [["09:00", "20:00"]]}, False),  # holiday wins
    ],
)
def test_is_callable(when: datetime, hours: dict | None, expected: bool) -> None:
    assert is_callable(when, hours) is expected


@pytest.mark.parametrize(
    ("after", "hours", "expected"),
    [
        (rome(2025, 4, 22, 10, 0), None, rome(2025, 4, 22, 10, 0)),  # already open
        (rome(2025, 3, 31, 7, 0), None, rome(2025, 3, 31, 9, 0)),  # later the same day
        (rome(2025, 4, 19, 19, 30), None, rome(2025, 4, 22, 9, 0)),  # Easter, Easter Monday
        (rome(2025, 4, 24, 20, 0), None, rome(2025, 4, 26, 10, 0)),  # 25 April -> Saturday
        (rome(2025, 6, 1, 12, 0), None, rome(2025, 6, 3, 9, 0)),  # Sunday, then 2 June
        (rome(2025, 8, 14, 20, 0), None, rome(2025, 8, 16, 10, 0)),  # Ferragosto
        (rome(2025, 12, 7, 12, 0), None, rome(2025, 12, 9, 9, 0)),  # Sunday, then 8 December
        # Across the DST changes the local opening time holds, the UTC instant moves.
        (rome(2025, 3, 29, 19, 0), None, utc(2025, 3, 31, 7, 0)),
        (rome(2025, 10, 25, 19, 0), None, utc(2025, 10, 27, 8, 0)),
        (rome(2025, 3, 28, 21, 0), None, utc(2025, 3, 29, 9, 0)),
        (rome(2025, 3, 31, 13, 30), SPLIT_MONDAY, rome(2025, 3, 31, 14, 0)),
        (rome(2025, 3, 28, 20, 0), {"sat": []}, rome(2025, 3, 31, 9, 0)),
        # 24 closed, 25 and 26 December holidays, 27 is a Saturday.
        (rome(2025, 12, 24, 9, 0), {"closed": ["2025-12-24"]}, rome(2025, 12, 27, 10, 0)),
    ],
)
def test_next_callable(after: datetime, hours: dict | None, expected: datetime) -> None:
    found = next_callable(after, hours)
    assert found == expected
    assert found.tzinfo is not None
    assert found.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "must be an object"),
        ({"monday": []}, "unknown key(s) 'monday'"),
        ({"mon": "09:00-20:00"}, "mon: expected a list"),
        ({"mon": [["09:00"]]}, "mon[0]: expected [start, end]"),
        ({"mon": [["9:00", "13:00"]]}, "mon[0]: '9:00' is not a time written as HH:MM"),
        ({"tue": [["09:60", "13:00"]]}, "tue[0]: '09:60' is not a time of day"),
        ({"tue": [["24:00", "24:00"]]}, "tue[0]: '24:00' is not a time of day"),
        ({"wed": [["13:00", "09:00"]]}, "wed[0]: 13:00 is not before 09:00"),
        ({"thu": [["09:00", "13:00"], ["12:00", "14:00"]]}, "thu[1]: starts before"),
        ({"sun": [["10:00", "12:00"]]}, "forbids calls on Sundays"),
        ({"closed": "2025-12-24"}, "closed: expected a list"),
        ({"closed": ["24/12/2025"]}, "closed[0]: '24/12/2025' is not a date"),
    ],
)
def test_invalid_calling_hours_say_where(raw: object, message: str) -> None:
    with pytest.raises(CallingHoursError) as error:
        parse_calling_hours(raw)  # type: ignore[arg-type]
    assert message in str(error.value)


def test_valid_override_keeps_other_days_and_allows_midnight_end() -> None:
    hours = parse_calling_hours({"fri": [["09:00", "24:00"]], "closed": ["2025-12-24"]})
    assert hours.week[4] == ((9 * 60, 24 * 60),)
    assert hours.week[0] == ((9 * 60, 20 * 60),)
    assert is_callable(rome(2025, 3, 28, 23, 59), hours)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_callable(datetime(2025, 4, 22, 10, 0), None)


# Practice campaigns phone nobody: ANY_TIME opens every minute of every day.
@pytest.mark.parametrize(
    "when",
    [
        rome(2026, 12, 6, 21, 30),  # a Sunday evening
        rome(2026, 12, 25, 10, 0),  # Christmas
        rome(2026, 12, 7, 23, 59),  # a Monday, late at night
        rome(2027, 1, 1, 0, 0),  # New Year's midnight
        utc(2026, 3, 29, 1, 30),  # a Sunday night, as the spring DST change skips an hour
    ],
)
def test_any_time_is_always_callable(when):
    assert is_callable(when, ANY_TIME)
    assert next_callable(when, ANY_TIME) == when
    assert not is_callable(when, None)  # each one is closed under the code of conduct


def test_practice_campaigns_serve_at_any_time_live_ones_by_their_hours():
    from app.campaigns.models import Campaign

    sunday_evening = rome(2026, 12, 6, 21, 30)
    live = Campaign(calling_hours=None, practice=False)
    practice = Campaign(calling_hours={"sat": []}, practice=True)
    assert live.serving_hours is None and practice.serving_hours is ANY_TIME
    assert not is_callable(sunday_evening, live.serving_hours)
    assert next_callable(sunday_evening, live.serving_hours) == rome(2026, 12, 7, 9, 0)
    assert is_callable(sunday_evening, practice.serving_hours)


# -- "come back at 16:00": the next such time within calling hours ---------------------


@pytest.mark.parametrize(
    ("after", "at", "hours", "expected"),
    [
        # Tuesday 10:00 -> 16:00 the same day.
        (rome(2025, 4, 22, 10, 0), "16:00", None, rome(2025, 4, 22, 16, 0)),
        # Tuesday 17:00: today's 16:00 has passed -> Wednesday 16:00.
        (rome(2025, 4, 22, 17, 0), "16:00", None, rome(2025, 4, 23, 16, 0)),
        # Exactly 16:00 counts.
        (rome(2025, 4, 22, 16, 0), "16:00", None, rome(2025, 4, 22, 16, 0)),
        # Thursday 24 April 17:00: Friday is Liberation Day, Sunday is closed -> Saturday.
        (rome(2025, 4, 24, 17, 0), "16:00", None, rome(2025, 4, 26, 16, 0)),
        # Saturday 18:30 wants 09:30: Saturday opens at 10 -> Monday 09:30.
        (rome(2025, 3, 29, 8, 0), "09:30", None, rome(2025, 3, 31, 9, 30)),
        # Monday's lunch break: 13:30 is closed on a split Monday -> Tuesday 13:30.
        (rome(2025, 3, 31, 8, 0), "13:30", SPLIT_MONDAY, rome(2025, 4, 1, 13, 30)),
        # A closed date is skipped.
        (rome(2025, 12, 23, 17, 0), "16:00", {"closed": ["2025-12-24"]},
         rome(2025, 12, 27, 16, 0)),
        # Across the spring DST change the local time holds.
        (rome(2025, 3, 28, 17, 0), "16:00", None, rome(2025, 3, 29, 16, 0)),
        (rome(2025, 3, 29, 17, 0), "16:00", None, rome(2025, 3, 31, 16, 0)),
        # A time never within calling hours: the next opening instead.
        (rome(2025, 4, 22, 21, 0), "22:00", None, rome(2025, 4, 23, 9, 0)),
    ],
)  # fmt: skip
def test_next_callable_at_a_time_of_day(after, at, hours, expected):
    from app.campaigns.calendar import next_callable_at, parse_time

    assert next_callable_at(after, parse_time(at), hours) == expected


def test_errors_name_their_place_and_reason():
    with pytest.raises(CallingHoursError) as caught:
        parse_calling_hours({"tue": [["09:00", "12:00"], ["11:00", "13:00"]]})
    error = caught.value
    assert (error.day, error.index, error.where) == ("tue", 1, "tue[1]")
    assert str(error) == f"tue[1]: {error.reason}" and "must not overlap" in error.reason
    with pytest.raises(CallingHoursError) as caught:
        parse_calling_hours({"sun": [["10:00", "12:00"]]})
    assert (caught.value.day, caught.value.index) == ("sun", None)


@pytest.mark.parametrize(
    ("raw", "config"),
    [
        (None, None),
        ({"mon": [["09:00", "20:00"]]}, None),  # the default, said in full
        ({"sat": []}, {"sat": []}),
        ({"mon": [["09:00", "13:00"], ["14:00", "24:00"]], "closed": ["2025-12-31", "2025-12-24"]},
         {"mon": [["09:00", "13:00"], ["14:00", "24:00"]], "closed": ["2025-12-24", "2025-12-31"]}),
    ],
)  # fmt: skip
def test_to_config_keeps_only_what_differs_from_the_default(raw, config):
    from app.campaigns.calendar import to_config

    assert to_config(parse_calling_hours(raw)) == config
    assert parse_calling_hours(config) == parse_calling_hours(raw)
