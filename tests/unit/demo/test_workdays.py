"""The demo's planned working days: in time order, every step one the state machine
allows, the calls asked for, lunch on a full day, the same day for the same seed."""

from __future__ import annotations

import random
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from app.demo.workdays import SHIFTS, plan_day
from app.workday.machine import AgentState, Moment, next_state

ROME = ZoneInfo("Europe/Rome")
DAY = date(2026, 3, 3)


def replay(steps):
    """The states the steps lead through, as the machine says (refusals raise)."""
    state, states = AgentState.SIGNED_OUT, []
    for step in steps:
        new = next_state(state, step.moment)
        assert new is not None, f"a repeat: {step}"
        state = new
        states.append(state)
    return states


@pytest.mark.parametrize("shift", SHIFTS, ids=["full", "morning", "afternoon"])
@pytest.mark.parametrize("calls", [0, 1, 10, 20])
def test_a_day_is_a_valid_log(shift, calls):
    steps = plan_day(random.Random(7), DAY, shift, calls, ROME, first_day=calls == 10)
    times = [s.at for s in steps]
    assert times == sorted(times)
    assert steps[0].moment == Moment.SIGN_IN and steps[-1].moment == Moment.SIGN_OUT
    assert replay(steps)[-1] == AgentState.SIGNED_OUT
    taken = [s.call for s in steps if s.moment == Moment.TAKE]
    assert taken == list(range(calls))
    assert [s.call for s in steps if s.moment == Moment.OUTCOME] == taken
    reasons = [s.reason for s in steps if s.moment == Moment.PAUSE]
    assert ("lunch" in reasons) == (shift.lunch is not None)
    assert "break" in reasons and ("training" in reasons) == (calls == 10)
    assert steps[0].at.hour in (8, 9, 14) and steps[-1].at.hour in (13, 17, 18, 19)


def test_the_same_seed_plans_the_same_day():
    plans = [plan_day(random.Random(2026), DAY, SHIFTS[0], 20, ROME) for _ in range(2)]
    assert plans[0] == plans[1]
    assert plan_day(random.Random(2027), DAY, SHIFTS[0], 20, ROME) != plans[0]
