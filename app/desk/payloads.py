"""What the desk's requests may carry: the JSON body read safely, its values checked; the
posted answers and callback time of an outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import request

from app.campaigns.calendar import ROME

JSON_LIMIT = 64 * 1024  # a draft of the longest script is a few KB


def json_body() -> Any:
    """The request's JSON, or None if it is too large, malformed or absurdly nested."""
    if (request.content_length or 0) > JSON_LIMIT:
        return None
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def plain(value: Any) -> bool:
    """A form value: a string, or a list of strings (checkboxes)."""
    if isinstance(value, str):
        return len(value) <= 2000
    return isinstance(value, list) and len(value) <= 50 and all(isinstance(v, str) for v in value)


def holds_nul(value: Any) -> bool:
    """A NUL character in a text, a key or an item: PostgreSQL stores no such text."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    return isinstance(value, list) and any(holds_nul(v) for v in value)


def form_value(key: str) -> str | list[str]:
    """A posted answer; NUL characters (invisible, and PostgreSQL stores none) dropped."""
    values = [value.replace("\x00", "") for value in request.form.getlist(key)]
    return values[0] if len(values) == 1 else values


def callback_time(raw: str) -> datetime | None:
    """``datetime-local`` input, in Rome's time (calling hours are Rome's), to UTC."""
    try:
        local = datetime.strptime(raw.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return local.replace(tzinfo=ROME).astimezone(UTC)
