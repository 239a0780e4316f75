import pytest

from app.accounts.status import (
    FINAL,
    TRANSITIONS,
    AccountStatus,
    TransitionError,
    can_transition,
    check_transition,
)

S = AccountStatus


def test_every_status_has_a_rule():
    assert set(TRANSITIONS) == set(AccountStatus)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.READY),
        (S.READY, S.QUEUED),
        (S.QUEUED, S.IN_CALL),
        (S.IN_CALL, S.QUALIFIED),
        (S.IN_CALL, S.CALLBACK),
        (S.IN_CALL, S.QUEUED),  # no answer: retry later
        (S.CALLBACK, S.IN_CALL),
        (S.READY, S.QUALIFIED),  # an earlier action qualified it (an import)
        (S.QUALIFIED, S.DISTRIBUTED),
        (S.QUALIFIED, S.QUEUED),  # rejected by quality control
        (S.DISTRIBUTED, S.QUALIFIED),  # wave cancelled
        (S.MERGED, S.READY),  # merge undone
    ],
)
def test_allowed(current, target):
    assert can_transition(current, target)
    assert check_transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.QUALIFIED),  # never called, nor cleaned
        (S.DO_NOT_CALL, S.QUEUED),  # opposition is final
        (S.DO_NOT_CALL, S.READY),
        (S.DISTRIBUTED, S.QUEUED),
        (S.READY, S.DISTRIBUTED),
        (S.QUEUED, S.QUALIFIED),  # only a call qualifies
        (S.CALLBACK, S.QUALIFIED),
    ],
)
def test_refused_with_a_clear_message(current, target):
    assert not can_transition(current, target)
    with pytest.raises(TransitionError, match=f"from '{current.value}' to '{target.value}'"):
        check_transition(current, target)


def test_any_account_can_be_put_on_do_not_call_except_merged_or_invalid():
    for status in AccountStatus:
        if status in {S.DO_NOT_CALL, S.MERGED, S.INVALID}:
            continue
        assert can_transition(status, S.DO_NOT_CALL), status


def test_final_outcomes_reachable_from_a_call():
    for outcome in FINAL:
        assert can_transition(S.IN_CALL, outcome)
