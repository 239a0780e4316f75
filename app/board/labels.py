"""How the board shows its times and days, for its templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask_babel import format_date, format_time


def as_of_time(as_of: str) -> str:
    """When the figures were computed, as the page shows it ("10:30:25", the application's
    time zone); the data carries it in UTC, ISO 8601, for the page's script."""
    return format_time(datetime.fromisoformat(as_of), "HH:mm:ss")


def day_label(day: str) -> str:
    """A day the figures carry as ISO text ("2026-12-03"), as people read it ("3 dic")."""
    return format_date(date.fromisoformat(day), "d MMM")


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {"as_of_time": as_of_time, "day_label": day_label}
