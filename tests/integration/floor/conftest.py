"""Agents on a campaign's queue, and a clean copy of the floor for each test."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.board import cache
from app.workday.models import PauseReason
from tests import factories


@pytest.fixture(autouse=True)
def fresh_floor():
    """The floor every viewer shares lives in the board's cache: none from another test."""
    cache.forget()
    yield
    cache.forget()


@pytest.fixture
def reasons(session) -> dict[str, PauseReason]:
    return {r.code: r for r in session.scalars(sa.select(PauseReason))}


@pytest.fixture
def pilot(session):
    """A live campaign with a call limit of 10 minutes and a wrap-up limit of 2."""
    return factories.campaign(session, code="PILOT", name="Pilota",
                              call_limit_minutes=10, wrap_up_limit_minutes=2)  # fmt: skip
