"""How the board shows its times and days, for its templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask_babel import format_date, format_time


def as_of_time(as_of: str) -> str:
    """When the figures were computed, as the page shows it ("10:30:25", the application's
    time zone); the data carries it in UTC, ISO 8601, for the page's script."""
    return format_time(datetime.fromisoformat(as_of), "HH:mm:ss")


def day_label(iso_day: str) -> str:
    """A day the data carries as ISO 8601 ("2030-03-20"), as the reader writes it
    ("20 marzo 2030")."""
    return format_date(date.fromisoformat(iso_day), "long")


def short_day_label(iso_day: str) -> str:
    """The same, short, for a chart's axis and a table of days ("3 dic")."""
    return format_date(date.fromisoformat(iso_day), "d MMM")


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {
    "as_of_time": as_of_time,
    "day_label": day_label,
    "short_day_label": short_day_label,
}
