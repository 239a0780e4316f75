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

import holidays
from flask_babel import gettext as _

from app.columns import ROME

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
    """A calling-hours setting is malformed; the message says where and why.

    ``day`` is the weekday key (or ``"closed"``) it is about, ``index`` the window (or
    date) in it, ``reason`` the message without the place: a form shows it beside the day.
    """

    def __init__(self, reason: str, day: str | None = None, index: int | None = None) -> None:
        self.reason, self.day, self.index = reason, day, index
        super().__init__(f"{self.where}: {reason}" if self.where else reason)

    @property
    def where(self) -> str | None:
        if self.day is None:
            return None
        return self.day if self.index is None else f"{self.day}[{self.index}]"


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


def parse_time(value: Any, *, is_end: bool = False) -> int:
    """Minutes after midnight of "HH:MM"; "24:00" is allowed as an end only. Raises
    ``CallingHoursError`` (without a place) otherwise."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise CallingHoursError(_("%(value)r is not a time written as HH:MM", value=value))
    hours, minutes = value[:2], value[3:]
    if not (hours.isdigit() and minutes.isdigit()):
        raise CallingHoursError(_("%(value)r is not a time written as HH:MM", value=value))
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > DAY_MINUTES or (total == DAY_MINUTES and not is_end):
        raise CallingHoursError(_("%(value)r is not a time of day", value=value))
    return total


def format_time(minutes: int) -> str:
    """ "HH:MM" of minutes after midnight (1440 is "24:00")."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(value: Any, day: str, index: int, *, is_end: bool) -> int:
    try:
        return parse_time(value, is_end=is_end)
    except CallingHoursError as exc:
        raise CallingHoursError(exc.reason, day, index) from None


def _windows(day: str, raw: Any) -> tuple[Window, ...]:
    """Parse one weekday's list of [start, end] pairs: ordered, non-empty, not overlapping."""
    if not isinstance(raw, list):
        raise CallingHoursError(
            _("expected a list of [start, end] pairs, got %(value)r", value=raw), day
        )
    windows: list[Window] = []
    for index, pair in enumerate(raw):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            message = _("expected [start, end], got %(value)r", value=pair)
            raise CallingHoursError(message, day, index)
        start = _minutes(pair[0], day, index, is_end=False)
        end = _minutes(pair[1], day, index, is_end=True)
        if start >= end:
            raise CallingHoursError(
                _("%(start)s is not before %(end)s", start=pair[0], end=pair[1]), day, index
            )
        if windows and start < windows[-1][1]:
            raise CallingHoursError(
                _(
                    "starts before the previous window ends (windows must be in order and "
                    "must not overlap)"
                ),
                day,
                index,
            )
        windows.append((start, end))
    if day == "sun" and windows:
        raise CallingHoursError(_("the code of conduct forbids calls on Sundays"), day)
    return tuple(windows)


def _closed_dates(raw: Any) -> frozenset[date]:
    if not isinstance(raw, list):
        raise CallingHoursError(_("expected a list of YYYY-MM-DD dates"), CLOSED_KEY)
    dates = set()
    for index, value in enumerate(raw):
        try:
            dates.add(date.fromisoformat(value))
        except (TypeError, ValueError):
            raise CallingHoursError(
                _("%(value)r is not a date written as YYYY-MM-DD", value=value),
                CLOSED_KEY,
                index,
            ) from None
    return frozenset(dates)


def parse_calling_hours(raw: Mapping[str, Any] | None) -> CallingHours:
    """Validate a campaign's ``calling_hours`` JSON; weekdays it omits keep the default."""
    if raw is None:
        return DEFAULT_HOURS
    if not isinstance(raw, Mapping):
        raise CallingHoursError(
            _("calling hours must be an object, got %(type)s", type=type(raw).__name__)
        )
    unknown = sorted(set(raw) - {*WEEKDAYS, CLOSED_KEY})
    if unknown:
        raise CallingHoursError(
            _(
                "unknown key(s) %(keys)s: expected weekdays %(days)s or %(closed)r",
                keys=", ".join(map(repr, unknown)),
                days=", ".join(WEEKDAYS),
                closed=CLOSED_KEY,
            )
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


def next_callable_at(
    after_utc: datetime, minute_of_day: int, hours: CallingHours | Mapping[str, Any] | None
) -> datetime:
    """The first instant at or after ``after_utc`` whose Rome wall-clock time is
    ``minute_of_day`` and when a call may be placed ("come back at 16:00": the next 16:00
    within calling hours, skipping days closed at that time). If that time of day is never
    within calling hours, the next opening after ``after_utc`` instead."""
    _require_aware(after_utc, "after_utc")
    parsed = _as_hours(hours)
    first_day = after_utc.astimezone(ROME).date()
    for offset in range(SEARCH_DAYS):
        moment = _local_to_utc(first_day + timedelta(days=offset), minute_of_day)
        if moment >= after_utc and is_callable(moment, parsed):
            return moment
    return next_callable(after_utc, parsed)


def to_config(hours: CallingHours) -> dict[str, Any] | None:
    """The shortest ``calling_hours`` JSON that means ``hours``: the weekdays that differ
    from the default and the closed dates; None when it is the default."""
    config: dict[str, Any] = {
        day: [[format_time(start), format_time(end)] for start, end in windows]
        for day, windows, default in zip(WEEKDAYS, hours.week, DEFAULT_WEEK, strict=True)
        if windows != default
    }
    if hours.closed:
        config[CLOSED_KEY] = sorted(day.isoformat() for day in hours.closed)
    return config or None
