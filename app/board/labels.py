"""How the board shows when its figures were computed, for its templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import format_time


def as_of_time(as_of: str) -> str:
    """When the figures were computed, as the page shows it ("10:30:25", the application's
    time zone); the data carries it in UTC, ISO 8601, for the page's script."""
    return format_time(datetime.fromisoformat(as_of), "HH:mm:ss")


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {"as_of_time": as_of_time}
