"""How the timesheets show lengths of time and moments of the day, for their templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from flask_babel import format_time

from app.spreadsheets.downloads import Duration

NONE = "\u2013"  # no figure: an en dash, as every table shows it


def hours_minutes(seconds: float) -> str:
    """A length of time as hours and minutes ("7:05", "31:15"), rounded to the minute."""
    return Duration(seconds).hours_minutes


def minutes_seconds(seconds: float | Decimal | None) -> str:
    """A short length (an average call) as minutes and seconds ("2:07"); a dash for none."""
    if seconds is None:
        return NONE
    whole = round(float(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def time_of_day(moment: datetime | None) -> str:
    """A moment as the time of day in Rome ("08:10"); a dash for none."""
    return NONE if moment is None else format_time(moment, "HH:mm")


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {
    "hours_minutes": hours_minutes,
    "minutes_seconds": minutes_seconds,
    "time_of_day": time_of_day,
}
