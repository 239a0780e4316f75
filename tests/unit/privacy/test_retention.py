"""The retention rule's dates: "N months before", clamped to the month's end."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import config
from app.privacy.retention import is_due, months_before, retention_cutoff


def at(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "months", "expected"),
    [
        (at(2026, 11, 23), 24, at(2024, 11, 23)),
        (at(2026, 3, 31), 1, at(2026, 2, 28)),  # February is shorter
        (at(2024, 3, 31), 1, at(2024, 2, 29)),  # leap year
        (at(2026, 1, 15), 1, at(2025, 12, 15)),  # across the new year
        (at(2026, 5, 31), 18, at(2024, 11, 30)),
        (at(2026, 11, 23), 0, at(2026, 11, 23)),
    ],
)
def test_months_before(now, months, expected):
    assert months_before(now, months) == expected


def test_negative_months_are_a_mistake():
    with pytest.raises(ValueError):
        months_before(at(2026, 1, 1), -1)


@pytest.mark.parametrize(
    ("months", "last_activity", "due"),
    [
        (24, at(2024, 11, 22), True),
        (24, at(2024, 11, 23, 8), True),  # an hour before the cut-off
        (24, at(2024, 11, 23, 9), False),  # exactly at it
        (24, at(2026, 1, 1), False),
        (0, at(2000, 1, 1), False),  # retention off
        (None, at(2000, 1, 1), False),
    ],
)
def test_is_due(months, last_activity, due):
    assert is_due(last_activity, retention_cutoff(at(2026, 11, 23), months)) is due


@pytest.mark.parametrize(("env", "expected"), [(None, 24), ("", 0), ("0", 0), ("36", 36)])
def test_retention_setting(monkeypatch, env, expected):
    if env is None:
        monkeypatch.delenv("QUALIFICA_RETENTION_MONTHS", raising=False)
    else:
        monkeypatch.setenv("QUALIFICA_RETENTION_MONTHS", env)
    assert expected == config.Config().RETENTION_MONTHS
