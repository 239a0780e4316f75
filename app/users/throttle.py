"""Sign-in throttling: too many failed sign-ins for one account, or from one address,
within a window stop further attempts until the window has passed.

The failures are the audit log's ``auth.login_failed`` entries (each carries the folded
username and the client address), so every web process and machine sees the same count
without another store. A throttled attempt is refused before the password is checked, so
guessing goes no faster, and it is recorded too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry

FAILED = "auth.login_failed"


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


def wait_minutes(
    session: Session, username: str, address: str | None, now: datetime, limits: Limits
) -> int:
    """Minutes before this account or address may try again; 0 when it may now."""
    since = now - limits.window
    recent = sa.select(AuditEntry.at).where(AuditEntry.action == FAILED, AuditEntry.at > since)
    account = recent.where(AuditEntry.details["username"].as_string() == fold(username))
    waits = [_wait(session, account, limits.per_account, limits.window, now)]
    if address:
        by_address = recent.where(AuditEntry.remote_addr == address)
        waits.append(_wait(session, by_address, limits.per_address, limits.window, now))
    return max(waits)


def _wait(session: Session, query: sa.Select, limit: int, window: timedelta, now) -> int:
    """Once ``limit`` failures are in the window, wait until the oldest that still keeps
    the count at the limit leaves it."""
    times = session.scalars(query.order_by(AuditEntry.at.desc()).limit(limit)).all()
    if len(times) < limit:
        return 0
    free_at = min(times) + window
    return max(1, math.ceil((free_at - now).total_seconds() / 60))
