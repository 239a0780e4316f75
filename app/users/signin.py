"""Signing in: the throttle first (``app.users.throttle``), then the password; a failure
that starts throttling an administrator's account is audited, for the administrators'
home page to warn about."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.audit.services import record
from app.security import Role
from app.users.models import User
from app.users.services import authenticate, find_user
from app.users.throttle import Limits, fold, seconds_to_wait, verdict

THROTTLED = "auth.login_throttled"  # refused: this address must wait minutes
SLOWED = "auth.login_slowed"  # asked to wait seconds, then try again
ADMIN_THROTTLED = "auth.admin_throttled"


@dataclass(frozen=True)
class Attempt:
    """A sign-in's result: the user, or the minutes this address must wait (refused), or
    the seconds this client must wait before trying again (slowed down); none of them for
    wrong credentials."""

    user: User | None = None
    minutes: int = 0
    seconds: int = 0


def sign_in(
    session: Session,
    store: MutableMapping[str, Any],
    username: str,
    password: str,
    *,
    address: str | None,
    now: datetime,
    limits: Limits,
) -> Attempt:
    """Check the throttle, then the credentials; every refusal and failure is audited.
    ``store`` is the client's session, which keeps the wait it was asked for."""
    found = verdict(session, username, address, now, limits)
    if found.minutes:
        record(session, THROTTLED, username=fold(username), minutes=found.minutes)
        return Attempt(minutes=found.minutes)
    wait = seconds_to_wait(store, username, found.delay, now)
    if wait:
        record(session, SLOWED, username=fold(username), seconds=wait)
        return Attempt(seconds=wait)
    user = authenticate(session, username, password)
    if user is None:
        _audit_throttled_administrator(session, username, address, now, limits)
    return Attempt(user=user)


def _audit_throttled_administrator(
    session: Session, username: str, address: str | None, now: datetime, limits: Limits
) -> None:
    """The failure that starts throttling an administrator's account (its slowdown, or an
    address locked out of it) is recorded as ``auth.admin_throttled``, once. The same
    queries run for every username, so the time taken tells no one who is an administrator."""
    user = find_user(session, username)
    after = verdict(session, username, address, now, limits)
    if user is None or user.role != Role.ADMIN:
        return
    if after.failures == limits.slowdown_after or after.pair_failures == limits.per_pair:
        record(session, ADMIN_THROTTLED, obj=user, username=fold(username),
               failures=after.failures)  # fmt: skip
