"""The state log's services and the database's own guard: one open period per agent, on
PostgreSQL (the test database under scripts/test) and SQLite; revocation; the sweep; the
desk's cost in statements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.workday.machine import AgentState as S
from app.workday.machine import Moment as M
from app.workday.machine import StateRefused
from app.workday.models import PauseReason, StatePeriod
from app.workday.services import (
    LAPSE,
    change_state,
    end_states,
    sign_in,
    sweep_lapsed,
    touch,
)
from tests import factories
from tests.conftest import build_app, migrate_to_head

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def log(session, agent_id):
    session.expire_all()
    return [
        (p.state, p.moment, p.started_at, p.ended_at)
        for p in session.scalars(
            sa.select(StatePeriod)
            .where(StatePeriod.agent_id == agent_id)
            .order_by(StatePeriod.started_at, StatePeriod.id)
        )
    ]


def second_open_period(session, agent_id):
    session.add(StatePeriod(agent_id=agent_id, state=S.READY, moment=M.SIGN_IN,
                            started_at=at(1), seen_at=at(1)))  # fmt: skip
    session.flush()


def test_the_database_keeps_one_open_period_per_agent(session):
    agent = factories.user(session, username="uno")
    sign_in(session, agent.id, at(0))
    with pytest.raises(IntegrityError), session.begin_nested():
        second_open_period(session, agent.id)
    end_states(session, agent.id, at(5))  # closed periods are many, open ones one
    assert len(log(session, agent.id)) == 2


def test_sqlite_keeps_one_open_period_per_agent_too(tmp_path):
    app = build_app(f"sqlite:///{tmp_path}/states.db")
    migrate_to_head(app)
    with app.app_context():
        agent = factories.user(db.session, username="uno")
        sign_in(db.session, agent.id, at(0))
        with pytest.raises(IntegrityError), db.session.begin_nested():
            second_open_period(db.session, agent.id)
        # The sweep's SQLite path (PostgreSQL's runs in the desk's tests).
        assert sweep_lapsed(db.session, at(0) + LAPSE) == 1
        assert [(s, m) for s, m, _, _ in log(db.session, agent.id)] == [
            (S.READY, M.SIGN_IN), (S.SIGNED_OUT, M.LAPSE)]  # fmt: skip
        db.session.rollback()
        db.engine.dispose()


def test_a_paused_period_has_a_reason_and_ends_after_it_starts(session):
    agent = factories.user(session, username="uno")
    for bad in (
        {"state": S.PAUSED, "pause_reason_id": None},
        {"state": S.READY, "pause_reason_id": session.scalar(sa.select(PauseReason.id))},
        {"state": S.READY, "ended_at": at(-1)},
    ):
        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(StatePeriod(agent_id=agent.id, moment=M.SIGN_IN, started_at=at(0),
                                    seen_at=at(0), **bad))  # fmt: skip
            session.flush()


def test_a_revoked_session_ends_the_day_once(session):
    agent = factories.user(session, username="uno")
    sign_in(session, agent.id, at(0))
    touch(session, agent.id, at(100))
    ended = end_states(session, agent.id, at(120), reason=M.REVOKE)
    assert (ended.state, ended.moment, ended.started_at) == (S.SIGNED_OUT, M.REVOKE, at(120))
    assert end_states(session, agent.id, at(130), reason=M.REVOKE) is None
    assert end_states(session, factories.user(session, username="due").id, at(130)) is None
    with pytest.raises(ValueError, match="does not end"):
        end_states(session, agent.id, at(140), reason=M.PAUSE)


def test_the_heartbeat_keeps_the_period_alive_and_a_lapse_ends_it_at_the_last_beat(session):
    agent = factories.user(session, username="uno")
    sign_in(session, agent.id, at(0))
    for n in range(1, 10):
        touch(session, agent.id, at(n * 60))
    assert sweep_lapsed(session, at(9 * 60) + LAPSE - timedelta(seconds=1)) == 0
    assert sweep_lapsed(session, at(9 * 60) + LAPSE) == 1
    assert log(session, agent.id) == [
        (S.READY, M.SIGN_IN, at(0), at(540)),
        (S.SIGNED_OUT, M.LAPSE, at(540), None),
    ]


def test_a_refused_moment_writes_nothing(session):
    agent = factories.user(session, username="uno")
    sign_in(session, agent.id, at(0))
    before = log(session, agent.id)
    with pytest.raises(StateRefused):
        change_state(session, agent.id, M.ANSWER, at=at(5))
    assert log(session, agent.id) == before
    assert change_state(session, agent.id, M.RESUME, at=at(6)) is None  # a repeat
    assert log(session, agent.id) == before


def test_a_moment_of_an_agent_without_a_log_starts_one(session):
    """An agent signed in before the log began: the first moment opens it."""
    agent = factories.user(session, username="uno")
    reason = session.scalar(sa.select(PauseReason).where(PauseReason.code == "break"))
    change_state(session, agent.id, M.PAUSE, at=at(0), reason=reason)
    assert log(session, agent.id) == [(S.PAUSED, M.PAUSE, at(0), None)]


def test_a_clock_that_stepped_back_never_ends_a_period_before_it_began(session):
    """Two servers a few milliseconds apart, or a clock corrected backwards: the change
    happens at the open period's start, and the periods still tile."""
    agent = factories.user(session, username="uno")
    sign_in(session, agent.id, at(10))
    touch(session, agent.id, at(9))
    reason = session.scalar(sa.select(PauseReason).where(PauseReason.code == "break"))
    change_state(session, agent.id, M.PAUSE, at=at(8), reason=reason)
    assert log(session, agent.id) == [
        (S.READY, M.SIGN_IN, at(10), at(10)),
        (S.PAUSED, M.PAUSE, at(10), None),
    ]
