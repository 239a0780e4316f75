"""Calling hours: when a campaign may phone people, in Europe/Rome.

The default follows the Italian telemarketing code of conduct: Monday to Friday
09:00-20:00, Saturday 10:00-19:00, never on Sundays nor on national public holidays. A
campaign may override single weekdays (``{"mon": [["09:00", "13:00"], ["14:00", "20:00"]]}``,
``{"sat": []}`` for no Saturday calls) and add closed dates (``{"closed": ["2025-12-24"]}``);
Sundays and public holidays stay closed whatever the override says. ``ANY_TIME`` is the
one exception, for practice campaigns that phone nobody: every minute of every day.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays

ROME = ZoneInfo("Europe/Rome")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOSED_KEY = "closed"
DAY_MINUTES = 24 * 60
# Far enough to cross any run of closed days a sane configuration can produce.
SEARCH_DAYS = 400

Window = tuple[int, int]  # [start, end) in minutes after local midnight

DEFAULT_WEEK: tuple[tuple[Window, ...], ...] = (
    *([((9 * 60, 20 * 60),)] * 5),
    ((10 * 60, 19 * 60),),
    (),
)


class CallingHoursError(ValueError):
    """A calling-hours setting is malformed; the message says where and why."""


@dataclass(frozen=True)
class CallingHours:
    """Parsed calling hours: one tuple of windows per weekday (Monday first)."""

    week: tuple[tuple[Window, ...], ...] = DEFAULT_WEEK
    closed: frozenset[date] = frozenset()
    # Every minute of every day, Sundays and holidays too: only for practice campaigns,
    # whose calls reach nobody (no JSON setting can ask for it).
    always: bool = False


DEFAULT_HOURS = CallingHours()
ANY_TIME = CallingHours(always=True)


@functools.lru_cache(maxsize=32)
def public_holidays(year: int) -> frozenset[date]:
    """Italian national public holidays of ``year`` (no local patron saints)."""
    return frozenset(holidays.Italy(years=year))


def _minutes(value: Any, where: str, *, is_end: bool) -> int:
    """Parse "HH:MM" into minutes; "24:00" is allowed as an end only."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise CallingHoursError(f"{where}: {value!r} is not a time written as HH:MM")
    hours, minutes = value[:2], value[3:]
    if not (hours.isdigit() and minutes.isdigit()):
        raise CallingHoursError(f"{where}: {value!r} is not a time written as HH:MM")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > DAY_MINUTES or (total == DAY_MINUTES and not is_end):
        raise CallingHoursError(f"{where}: {value!r} is not a time of day")
    return total


def _windows(day: str, raw: Any) -> tuple[Window, ...]:
    """Parse one weekday's list of [start, end] pairs: ordered, non-empty, not overlapping."""
    if not isinstance(raw, list):
        raise CallingHoursError(f"{day}: expected a list of [start, end] pairs, got {raw!r}")
    windows: list[Window] = []
    for index, pair in enumerate(raw):
        where = f"{day}[{index}]"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise CallingHoursError(f"{where}: expected [start, end], got {pair!r}")
        start = _minutes(pair[0], where, is_end=False)
        end = _minutes(pair[1], where, is_end=True)
        if start >= end:
            raise CallingHoursError(f"{where}: {pair[0]} is not before {pair[1]}")
        if windows and start < windows[-1][1]:
            raise CallingHoursError(
                f"{where}: starts before the previous window ends (windows must be in order "
                "and must not overlap)"
            )
        windows.append((start, end))
    if day == "sun" and windows:
        raise CallingHoursError("sun: the code of conduct forbids calls on Sundays")
    return tuple(windows)


def _closed_dates(raw: Any) -> frozenset[date]:
    if not isinstance(raw, list):
        raise CallingHoursError(f"{CLOSED_KEY}: expected a list of YYYY-MM-DD dates")
    dates = set()
    for index, value in enumerate(raw):
        try:
            dates.add(date.fromisoformat(value))
        except (TypeError, ValueError):
            raise CallingHoursError(
                f"{CLOSED_KEY}[{index}]: {value!r} is not a date written as YYYY-MM-DD"
            ) from None
    return frozenset(dates)


def parse_calling_hours(raw: Mapping[str, Any] | None) -> CallingHours:
    """Validate a campaign's ``calling_hours`` JSON; weekdays it omits keep the default."""
    if raw is None:
        return DEFAULT_HOURS
    if not isinstance(raw, Mapping):
        raise CallingHoursError(f"calling hours must be an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - {*WEEKDAYS, CLOSED_KEY})
    if unknown:
        raise CallingHoursError(
            f"unknown key(s) {', '.join(map(repr, unknown))}: expected weekdays "
            f"{', '.join(WEEKDAYS)} or {CLOSED_KEY!r}"
        )
    week = tuple(
        _windows(day, raw[day]) if day in raw else DEFAULT_WEEK[index]
        for index, day in enumerate(WEEKDAYS)
    )
    closed = _closed_dates(raw[CLOSED_KEY]) if CLOSED_KEY in raw else frozenset()
    return CallingHours(week=week, closed=closed)


def _as_hours(hours: CallingHours | Mapping[str, Any] | None) -> CallingHours:
    return hours if isinstance(hours, CallingHours) else parse_calling_hours(hours)


def _windows_on(day: date, hours: CallingHours) -> tuple[Window, ...]:
    if hours.always:
        return ((0, DAY_MINUTES),)
    if day in hours.closed or day in public_holidays(day.year):
        return ()
    return hours.week[day.weekday()]


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")


def is_callable(now_utc: datetime, hours: CallingHours | Mapping[str, Any] | None) -> bool:
    """Whether a call may be placed at ``now_utc`` under ``hours`` (None = the default)."""
    _require_aware(now_utc, "now_utc")
    local = now_utc.astimezone(ROME)
    minute = local.hour * 60 + local.minute + local.second / 60
    return any(start <= minute < end for start, end in _windows_on(local.date(), _as_hours(hours)))


def _local_to_utc(day: date, minutes: int) -> datetime:
    """Local wall-clock time to UTC; a time skipped by the spring DST change maps forward."""
    local = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return local.replace(tzinfo=ROME).astimezone(UTC)


def next_callable(after_utc: datetime, hours: CallingHours | Mapping[str, Any] | None) -> datetime:
    """The first instant at or after ``after_utc`` when a call may be placed (UTC, aware)."""
    _require_aware(after_utc, "after_utc")
    parsed = _as_hours(hours)
    if is_callable(after_utc, parsed):
        return after_utc.astimezone(UTC)
    local = after_utc.astimezone(ROME)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        for start, _end in _windows_on(day, parsed):
            opens = _local_to_utc(day, start)
            if opens > after_utc:
                return opens
    raise CallingHoursError(f"no calling hours in the {SEARCH_DAYS} days after {after_utc}")
