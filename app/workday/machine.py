"""The agent's state machine: the one place that knows which moment of the working day
may follow which state. Pure: no database, no clock.

An agent is in one state at a time. The desk drives the changes through *moments*: the
agent signs in, is handed an account (``TAKE``), dials, is answered, hangs up, records the
outcome, gives the account back, pauses, resumes, signs out; a supervisor may pause them
(``FORCE_PAUSE``); the log notices a desk gone silent (``LAPSE``), a revoked session
(``REVOKE``) and a silent desk that speaks again (``BACK``). Each moment leads to one
state from the states listed for it; from any other state it is refused, except that
asking for the state the agent is already in is a repeat (a double click), which changes
nothing.

Facts the desk cannot refuse (a sign-in, an account handed over, an outcome recorded, an
account given back, a sign-out) are allowed from every state, so the log never stands in
the way of the agent's work. A desk that comes back after a lapse carries on: every
moment the agent makes from a live desk is allowed from ``SIGNED_OUT``, and signs them
back in.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class AgentState(enum.StrEnum):
    SIGNED_OUT = "signed_out"
    READY = "ready"  # waiting for an account, or previewing the one in hand
    DIALLING = "dialling"  # the number is being dialled (the phone link was clicked)
    IN_CALL = "in_call"  # someone answered: talk time
    WRAP_UP = "wrap_up"  # after the call, before the outcome
    PAUSED = "paused"  # not taking calls, for a reason


class Moment(enum.StrEnum):
    """What started a period of the log (``agent_states.moment``)."""

    SIGN_IN = "sign_in"
    TAKE = "take"  # an account was handed to the agent (the claim)
    DIAL = "dial"
    ANSWER = "answer"
    HANG_UP = "hang_up"
    OUTCOME = "outcome"  # the outcome was recorded; ready for the next account
    PAUSE_AFTER_CALL = "pause_after_call"  # the outcome was recorded, then a pause
    GIVE_BACK = "give_back"  # the account went back to the queue without an outcome
    PAUSE = "pause"
    FORCE_PAUSE = "force_pause"  # a supervisor paused the agent (the floor's action)
    RESUME = "resume"
    SIGN_OUT = "sign_out"
    LAPSE = "lapse"  # the desk fell silent: signed out from its last heartbeat
    REVOKE = "revoke"  # the session was revoked (issue 11)
    BACK = "back"  # a lapsed desk spoke again: the state it lapsed in, from now


S = AgentState
M = Moment
EVERY = frozenset(AgentState)
WORKING = EVERY - {S.SIGNED_OUT}
# The states in which the agent has an account in hand for a call.
ON_CALL = frozenset({S.DIALLING, S.IN_CALL, S.WRAP_UP})
# The moments that end the working day (``end_states``).
ENDINGS = frozenset({M.SIGN_OUT, M.LAPSE, M.REVOKE})


@dataclass(frozen=True)
class Rule:
    sources: frozenset[AgentState]  # the states the moment may start from
    target: AgentState | None  # None: BACK, whose target is the state the desk lapsed in


RULES: Mapping[Moment, Rule] = {
    M.SIGN_IN: Rule(EVERY, S.READY),
    M.TAKE: Rule(EVERY, S.READY),
    # Dialling again after hanging up (the line dropped) is a new dial.
    M.DIAL: Rule(frozenset({S.SIGNED_OUT, S.READY, S.WRAP_UP}), S.DIALLING),
    M.ANSWER: Rule(frozenset({S.SIGNED_OUT, S.DIALLING}), S.IN_CALL),
    # From READY: the agent dialled by hand, without the phone link; the talk is untimed.
    M.HANG_UP: Rule(frozenset({S.SIGNED_OUT, S.READY, S.DIALLING, S.IN_CALL}), S.WRAP_UP),
    M.OUTCOME: Rule(EVERY, S.READY),
    M.PAUSE_AFTER_CALL: Rule(EVERY, S.PAUSED),
    M.GIVE_BACK: Rule(EVERY, S.READY),
    # Only between calls: a call in hand ends with its outcome first ("pause after this
    # call").
    M.PAUSE: Rule(frozenset({S.SIGNED_OUT, S.READY}), S.PAUSED),
    # The supervisor's, not the desk's: never from signed out (nobody to pause), never on
    # a call (the call ends with its outcome first); from a pause, a new reason.
    M.FORCE_PAUSE: Rule(frozenset({S.READY, S.PAUSED}), S.PAUSED),
    M.RESUME: Rule(frozenset({S.SIGNED_OUT, S.PAUSED}), S.READY),
    M.SIGN_OUT: Rule(WORKING, S.SIGNED_OUT),
    M.LAPSE: Rule(WORKING, S.SIGNED_OUT),
    M.REVOKE: Rule(WORKING, S.SIGNED_OUT),
    M.BACK: Rule(frozenset({S.SIGNED_OUT}), None),
}


class StateRefused(ValueError):
    """The moment does not fit the agent's state; ``current`` and ``moment`` say which."""

    def __init__(self, current: AgentState, moment: Moment) -> None:
        super().__init__(f"{moment.value!r} is refused while {current.value!r}")
        self.current = current
        self.moment = moment


def next_state(
    current: AgentState, moment: Moment, *, lapsed_in: AgentState | None = None
) -> AgentState | None:
    """The state ``moment`` leads to from ``current``; None for a repeat (the agent is
    already in the state the moment leads to, and it may not start from there: nothing
    changes). ``lapsed_in`` is BACK's target: the working state the desk lapsed in.
    Raises ``StateRefused`` otherwise."""
    rule = RULES[moment]
    target = rule.target
    if target is None:
        if lapsed_in not in WORKING:
            raise ValueError("BACK needs the working state the desk lapsed in")
        target = lapsed_in
    if current in rule.sources:
        return target
    if current == target:
        return None
    raise StateRefused(current, moment)


def can_change(current: AgentState, target: AgentState) -> bool:
    """Whether some moment leads from ``current`` to ``target`` (the log's pairs)."""
    return (current, target) in CHANGES


def _changes() -> frozenset[tuple[AgentState, AgentState]]:
    pairs = set()
    for rule in RULES.values():
        targets = WORKING if rule.target is None else {rule.target}
        pairs |= {(source, target) for source in rule.sources for target in targets}
    return frozenset(pairs)


CHANGES: frozenset[tuple[AgentState, AgentState]] = _changes()
