"""The agent's state machine, every state x every moment, written out by hand: what the
moment leads to, a repeat that changes nothing, or a refusal."""

from __future__ import annotations

import pytest

from app.workday.machine import (
    CHANGES,
    RULES,
    AgentState,
    Moment,
    StateRefused,
    can_change,
    next_state,
)

S, M = AgentState, Moment
OUT, READY, DIAL, CALL, WRAP, PAUSED = (S.SIGNED_OUT, S.READY, S.DIALLING, S.IN_CALL,
                                        S.WRAP_UP, S.PAUSED)  # fmt: skip
NO = "refused"
SAME = None  # a repeat: nothing changes

# moment -> what it does from (signed out, ready, dialling, in call, wrap-up, paused)
EXPECTED = {
    M.SIGN_IN: (READY, READY, READY, READY, READY, READY),
    M.TAKE: (READY, READY, READY, READY, READY, READY),
    M.DIAL: (DIAL, DIAL, SAME, NO, DIAL, NO),
    M.ANSWER: (CALL, NO, CALL, SAME, NO, NO),
    M.HANG_UP: (WRAP, WRAP, WRAP, WRAP, SAME, NO),
    M.OUTCOME: (READY, READY, READY, READY, READY, READY),
    M.PAUSE_AFTER_CALL: (PAUSED, PAUSED, PAUSED, PAUSED, PAUSED, PAUSED),
    M.GIVE_BACK: (READY, READY, READY, READY, READY, READY),
    M.PAUSE: (PAUSED, PAUSED, NO, NO, NO, SAME),
    M.FORCE_PAUSE: (NO, PAUSED, NO, NO, NO, PAUSED),
    M.RESUME: (READY, SAME, NO, NO, NO, READY),
    M.SIGN_OUT: (SAME, OUT, OUT, OUT, OUT, OUT),
    M.LAPSE: (SAME, OUT, OUT, OUT, OUT, OUT),
    M.REVOKE: (SAME, OUT, OUT, OUT, OUT, OUT),
}
ORDER = (OUT, READY, DIAL, CALL, WRAP, PAUSED)
CASES = [
    (state, moment, EXPECTED[moment][n]) for moment in EXPECTED for n, state in enumerate(ORDER)
]


def test_every_moment_is_in_the_table():
    assert set(EXPECTED) | {M.BACK} == set(Moment) == set(RULES)


@pytest.mark.parametrize(
    ("current", "moment", "expected"),
    [c for c in CASES if c[2] not in (NO, SAME)],
    ids=lambda v: getattr(v, "value", v),
)
def test_allowed(current, moment, expected):
    assert next_state(current, moment) is expected
    assert can_change(current, expected)


@pytest.mark.parametrize(
    ("current", "moment"),
    [c[:2] for c in CASES if c[2] is SAME],
    ids=lambda v: v.value,
)
def test_a_repeat_changes_nothing(current, moment):
    assert next_state(current, moment) is None


@pytest.mark.parametrize(
    ("current", "moment"),
    [c[:2] for c in CASES if c[2] == NO],
    ids=lambda v: v.value,
)
def test_refused_with_a_clear_message(current, moment):
    with pytest.raises(StateRefused, match=f"'{moment.value}' is refused while '{current.value}'"):
        next_state(current, moment)


@pytest.mark.parametrize("lapsed_in", [READY, DIAL, CALL, WRAP, PAUSED])
def test_a_desk_back_after_a_lapse_carries_on_where_it_was(lapsed_in):
    assert next_state(OUT, M.BACK, lapsed_in=lapsed_in) is lapsed_in
    for working in (READY, DIAL, CALL, WRAP, PAUSED):
        if working is lapsed_in:  # already there: nothing to bring back
            assert next_state(working, M.BACK, lapsed_in=lapsed_in) is None
            continue
        with pytest.raises(StateRefused):
            next_state(working, M.BACK, lapsed_in=lapsed_in)


def test_back_needs_the_state_it_lapsed_in():
    with pytest.raises(ValueError, match="lapsed in"):
        next_state(OUT, M.BACK)
    with pytest.raises(ValueError, match="lapsed in"):
        next_state(OUT, M.BACK, lapsed_in=OUT)


# The log's pairs (from, to), whatever the moment: what a recount of the log may find.
REFUSED_PAIRS = {
    (OUT, OUT),  # signing out twice is nothing
    (READY, CALL),  # talk starts with a dial
    (WRAP, CALL),
    (PAUSED, DIAL),  # a pause ends with resume (or an account handed over) first
    (PAUSED, CALL),
    (PAUSED, WRAP),
    (CALL, DIAL),  # dialling again means hanging up first
    (DIAL, DIAL),
    (CALL, CALL),
    (WRAP, WRAP),
}


@pytest.mark.parametrize("current", list(AgentState), ids=lambda v: v.value)
@pytest.mark.parametrize("target", list(AgentState), ids=lambda v: v.value)
def test_pairs(current, target):
    assert can_change(current, target) == ((current, target) not in REFUSED_PAIRS)


def test_the_pairs_come_from_the_moments():
    assert len(CHANGES) == 36 - len(REFUSED_PAIRS)
