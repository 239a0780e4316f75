"""The account state machine: the one place that knows which status may follow which."""

from __future__ import annotations

import enum


class AccountStatus(enum.StrEnum):
    NEW = "new"  # imported, not yet normalised
    TO_REVIEW = "to_review"  # normalisation left a doubt for a person
    READY = "ready"  # clean, may be put in a campaign
    QUEUED = "queued"  # waiting in a campaign queue
    IN_CALL = "in_call"  # held by an agent (leased)
    CALLBACK = "callback"  # a callback is scheduled
    QUALIFIED = "qualified"  # the call captured the frame: ready for a salesperson
    NOT_INTERESTED = "not_interested"  # reached, but no fleet / no interest / out of target
    UNREACHABLE = "unreachable"  # attempts exhausted without a conversation
    INVALID = "invalid"  # company closed, wrong number with no other
    DO_NOT_CALL = "do_not_call"  # opposed to calls: never served again
    DISTRIBUTED = "distributed"  # handed to a salesperson in a wave
    MERGED = "merged"  # absorbed by another account during de-duplication


S = AccountStatus
FINAL = frozenset({S.QUALIFIED, S.NOT_INTERESTED, S.UNREACHABLE, S.INVALID, S.DO_NOT_CALL})

# READY may become QUALIFIED without a call: an import brought an earlier
# qualification (``app.imports.qualified_elsewhere``); a call's final outcome is our own
# desk's word and no file overturns it.
TRANSITIONS: dict[AccountStatus, frozenset[AccountStatus]] = {
    S.NEW: frozenset({S.READY, S.TO_REVIEW, S.INVALID, S.MERGED, S.DO_NOT_CALL}),
    S.TO_REVIEW: frozenset({S.READY, S.INVALID, S.MERGED, S.DO_NOT_CALL}),
    S.READY: frozenset({S.QUEUED, S.TO_REVIEW, S.MERGED, S.DO_NOT_CALL, S.INVALID, S.QUALIFIED}),
    S.QUEUED: frozenset({S.IN_CALL, S.READY, S.DO_NOT_CALL}),
    # A call ends in a final outcome, a callback, back in the queue (no answer, busy,
    # abandoned lease), in review (the agent found a duplicate) or ready again (the
    # campaign closed during the call, so nobody will call back from it).
    S.IN_CALL: frozenset({S.QUEUED, S.CALLBACK, S.TO_REVIEW, S.READY} | FINAL),
    S.CALLBACK: frozenset({S.IN_CALL, S.QUEUED, S.READY, S.DO_NOT_CALL}),  # READY: closed
    # QC may requeue; an undone review takes back a release that qualified it
    # (``holds.release``: only that path moves a qualified account back to review)
    S.QUALIFIED: frozenset({S.DISTRIBUTED, S.QUEUED, S.DO_NOT_CALL, S.TO_REVIEW}),
    S.NOT_INTERESTED: frozenset({S.QUEUED, S.READY, S.DO_NOT_CALL}),
    S.UNREACHABLE: frozenset({S.QUEUED, S.READY, S.DO_NOT_CALL}),
    S.INVALID: frozenset({S.READY, S.TO_REVIEW}),
    S.DO_NOT_CALL: frozenset(),  # leaving the list is a privacy decision, not a transition
    S.DISTRIBUTED: frozenset({S.QUALIFIED, S.DO_NOT_CALL}),  # a cancelled wave gives it back
    S.MERGED: frozenset({S.NEW, S.READY, S.TO_REVIEW}),  # an undone merge revives it
}


class TransitionError(ValueError):
    """Raised when a status change is not allowed; the message names both states."""


def can_transition(current: AccountStatus, target: AccountStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: AccountStatus, target: AccountStatus) -> AccountStatus:
    """Return ``target`` if it may follow ``current``, else raise ``TransitionError``."""
    if not can_transition(current, target):
        raise TransitionError(f"an account cannot go from {current.value!r} to {target.value!r}")
    return target
