"""Sign-in throttling: too many failed sign-ins for one account, or from one address,
within a window stop further attempts until the window has passed.

The failures are the audit log's ``auth.login_failed`` entries (each carries the folded
username and the client address), so every web process and machine sees the same count
without another store. A throttled attempt is refused before the password is checked, so
guessing goes no faster, and it is recorded too.

An administrator who unlocks an account (``user.unlock``) or resets its password
(``user.reset_password``) forgives its failures so far: both entries carry the folded
username, and a failure followed by one of them for the same username counts neither for
the account nor for the address it came from. The next attempt is possible at once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.audit.models import AuditEntry

FAILED = "auth.login_failed"
UNLOCK = "user.unlock"
RESET = "user.reset_password"
FORGIVING = (UNLOCK, RESET)


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def limits_from(config: Mapping[str, Any]) -> Limits:
    return Limits(
        per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=timedelta(minutes=config["LOGIN_THROTTLE_MINUTES"]),
    )


def fold(username: str) -> str:
    return username.strip().casefold()[:64]


def _username(entry: Any) -> sa.ColumnElement[str]:
    return entry.details["username"].as_string()


def _counted_failures(since: datetime) -> sa.Select:
    """Failures in the window that no later unlock (or reset) of their username forgave."""
    later = aliased(AuditEntry)
    forgiven = (
        sa.select(later.id)
        .where(
            later.action.in_(FORGIVING),
            _username(later) == _username(AuditEntry),
            later.id > AuditEntry.id,
        )
        .exists()
    )
    return sa.select(AuditEntry.at).where(
        AuditEntry.action == FAILED, AuditEntry.at > since, ~forgiven
    )


def wait_minutes(
    session: Session, username: str, address: str | None, now: datetime, limits: Limits
) -> int:
    """Minutes before this account or address may try again; 0 when it may now."""
    recent = _counted_failures(now - limits.window)
    account = recent.where(_username(AuditEntry) == fold(username))
    waits = [_wait(session, account, limits.per_account, limits.window, now)]
    if address:
        by_address = recent.where(AuditEntry.remote_addr == address)
        waits.append(_wait(session, by_address, limits.per_address, limits.window, now))
    return max(waits)


def _wait(session: Session, query: sa.Select, limit: int, window: timedelta, now) -> int:
    """Once ``limit`` failures are in the window, wait until the oldest that still keeps
    the count at the limit leaves it."""
    times = session.scalars(query.order_by(AuditEntry.at.desc()).limit(limit)).all()
    return _minutes_left(times, limit, window, now)


def _minutes_left(times: list[datetime], limit: int, window: timedelta, now: datetime) -> int:
    """``times`` newest first."""
    if len(times) < limit:
        return 0
    free_at = min(times[:limit]) + window
    return max(1, math.ceil((free_at - now).total_seconds() / 60))


def locked_usernames(session: Session, now: datetime, limits: Limits) -> dict[str, int]:
    """Folded username -> minutes its account is still throttled, for the accounts that
    are (the per-address limit is the address's, not an account's)."""
    query = _counted_failures(now - limits.window).add_columns(_username(AuditEntry))
    times: dict[str, list[datetime]] = defaultdict(list)
    for at, username in session.execute(query.order_by(AuditEntry.at.desc())):
        times[username].append(at)
    waits = {name: _minutes_left(found, limits.per_account, limits.window, now)
             for name, found in times.items()}  # fmt: skip
    return {name: wait for name, wait in waits.items() if wait}
