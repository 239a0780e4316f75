"""Sign-in throttling that slows guessing without handing anyone a lock-out weapon.

- **Per account and address**: after ``per_pair`` failures for one username from one
  address within the window, that address may not try that username again until the
  window has passed (refused before the password is checked, so guessing goes no faster).
- **Per address**: after ``per_address`` failures from one address, whatever the usernames
  (someone trying many accounts), that address waits likewise.
- **Per account, across addresses**: after ``slowdown_after`` failures for a username from
  anywhere, every attempt at it is first asked to wait a few seconds, doubling with each
  further failure up to ``slowdown_max``. The wait is the client's own (a ticket in its
  session, ``seconds_to_wait``): a client that waits as asked may then try, whatever others
  fail meanwhile, so the owner of an account others are guessing at, the administrator
  included, always gets in after at most ``slowdown_max`` seconds. It is never a block.

The failures are the audit log's ``auth.login_failed`` entries (each carries the folded
username and the client address), so every web process and machine sees the same count
without another store.

An administrator who unlocks an account (``user.unlock``) or resets its password
(``user.reset_password``) forgives its failures so far: both entries carry the folded
username, and a failure followed by one of them for the same username counts neither for
the account nor for the address it came from. The next attempt is possible at once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.audit.models import AuditEntry

FAILED = "auth.login_failed"
UNLOCK = "user.unlock"
RESET = "user.reset_password"
FORGIVING = (UNLOCK, RESET)
WAIT_KEY = "_login_wait"  # the client's own wait, in its session
WAIT_GRACE = timedelta(minutes=2)  # how long after its wait a client may still use it


@dataclass(frozen=True)
class Limits:
    per_pair: int = 5
    per_address: int = 20
    slowdown_after: int = 5
    slowdown_max: int = 30  # seconds
    window: timedelta = timedelta(minutes=15)


def limits_from(config: Mapping[str, Any]) -> Limits:
    return Limits(
        per_pair=config["LOGIN_MAX_FAILURES_PER_PAIR"],
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        slowdown_after=config["LOGIN_SLOWDOWN_AFTER"],
        slowdown_max=config["LOGIN_SLOWDOWN_MAX_SECONDS"],
        window=timedelta(minutes=config["LOGIN_THROTTLE_MINUTES"]),
    )


@dataclass(frozen=True)
class Verdict:
    """What stands before an attempt: ``minutes`` of a hard wait (this address for this
    account, or this address at all), ``delay`` seconds of the account's slowdown."""

    minutes: int
    delay: int
    failures: int  # the account's, from every address, in the window
    pair_failures: int  # the account's from this address


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
    return sa.select(AuditEntry.at, AuditEntry.remote_addr).where(
        AuditEntry.action == FAILED, AuditEntry.at > since, ~forgiven
    )


def verdict(
    session: Session, username: str, address: str | None, now: datetime, limits: Limits
) -> Verdict:
    """The throttle's answer for an attempt at ``username`` from ``address``."""
    recent = _counted_failures(now - limits.window)
    account = recent.where(_username(AuditEntry) == fold(username))
    pair = account.where(AuditEntry.remote_addr == address)
    waits = [_wait(session, pair, limits.per_pair, limits.window, now)]
    if address:
        from_address = recent.where(AuditEntry.remote_addr == address)
        waits.append(_wait(session, from_address, limits.per_address, limits.window, now))
    found = account.subquery()
    by_address = sa.select(found.c.remote_addr, sa.func.count()).group_by(found.c.remote_addr)
    counts: dict[str | None, int] = {addr: n for addr, n in session.execute(by_address)}
    failures = sum(counts.values())
    return Verdict(minutes=max(waits), delay=delay_seconds(failures, limits), failures=failures,
                   pair_failures=counts.get(address, 0))  # fmt: skip


def delay_seconds(failures: int, limits: Limits) -> int:
    """The account's slowdown: 2 s at the threshold, doubling, capped at the maximum."""
    if failures < limits.slowdown_after:
        return 0
    doublings = min(failures - limits.slowdown_after + 1, 16)
    return min(2**doublings, limits.slowdown_max)


def seconds_to_wait(
    store: MutableMapping[str, Any], username: str, delay: int, now: datetime
) -> int:
    """Seconds this client must still wait before trying ``username`` (0: it may try now).

    The first attempt under a slowdown is asked to wait ``delay`` and gets a ticket in its
    session; coming back in time after that wait it may try, whatever the delay has grown
    to meanwhile (others' failures never lengthen a wait already asked). The ticket is used
    up by the attempt, and is worth nothing for another username or long after."""
    if not delay:
        return 0
    name, moment = fold(username), now.timestamp()
    ticket = store.get(WAIT_KEY)
    ready = ticket.get("at") if isinstance(ticket, dict) and ticket.get("u") == name else None
    if isinstance(ready, int | float):
        if ready <= moment <= ready + WAIT_GRACE.total_seconds():
            store.pop(WAIT_KEY, None)
            return 0
        if moment < ready:
            return math.ceil(ready - moment)
    store[WAIT_KEY] = {"u": name, "at": moment + delay}
    return delay


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


@dataclass
class Throttled:
    """An account's throttle now: its failures in the window, the addresses locked out of
    it (address -> minutes left) and the slowdown every other address meets."""

    failures: int = 0
    addresses: set[str | None] = field(default_factory=set)
    locked: dict[str | None, int] = field(default_factory=dict)
    delay: int = 0


def throttled_accounts(session: Session, now: datetime, limits: Limits) -> dict[str, Throttled]:
    """Folded username -> its throttle, for the accounts that are throttled (an address
    locked out of them, or slowed down); an address's own limit is the address's."""
    query = _counted_failures(now - limits.window).add_columns(_username(AuditEntry))
    times: dict[str, dict[str | None, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    for at, address, username in session.execute(query.order_by(AuditEntry.at.desc())):
        times[username][address].append(at)
    found = {}
    for username, by_address in times.items():
        state = Throttled(failures=sum(map(len, by_address.values())), addresses=set(by_address))
        state.delay = delay_seconds(state.failures, limits)
        for address, pair in by_address.items():
            if wait := _minutes_left(pair, limits.per_pair, limits.window, now):
                state.locked[address] = wait
        if state.delay or state.locked:
            found[username] = state
    return found
