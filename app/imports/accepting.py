"""Accepting suggested fixes (``suggestions``): one doubt from the review queue, or a
reason's batch at once.

Each accepted doubt goes through ``doubts.resolve``, the one path by which any doubt is
resolved (cleaned again; refused if the fix still raises a doubt). What the reviewer saw
travels with the form, one token per doubt (flag id, account version, fingerprint of the
fix): a doubt resolved meanwhile, an account saved meanwhile, or a fix that is no longer the
one shown is skipped and counted, never overwritten. One request accepts at most ``BATCH``
doubts, so that a click never holds the accounts table for long.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.models import Account, AccountFlag, FlagStatus
from app.audit.services import record as audit
from app.imports import doubts
from app.imports.doubts import EDITABLE, Outcome, StaleAccount, resolve
from app.imports.pipeline import Reference
from app.imports.suggestions import RULES, Suggestion, suggest
from app.spreadsheets.reading import FileRefused

BATCH = 500  # doubts accepted per request at most
SCAN = 5_000  # open doubts read per page in search of suggestions


def _reference(session: Session) -> Reference | None:
    """The municipality reference; None before one is loaded (then only the suggestions
    that need no comune are made)."""
    try:
        return doubts.reference(session)
    except FileRefused:
        return None


def account_values(account: Account) -> dict[str, Any]:
    """What a suggestion is computed from."""
    return {name: getattr(account, name) for name in (*EDITABLE, "istat_code")}


@dataclass(frozen=True)
class Offer:
    """A doubt with its suggested fix, as a page shows it."""

    flag: AccountFlag
    account: Account
    suggestion: Suggestion

    @property
    def token(self) -> str:
        return f"{self.flag.id}:{self.account.version}:{self.suggestion.token}"


def offer(session: Session, flag: AccountFlag, account: Account) -> Offer | None:
    """The suggested fix of one doubt, if it has one."""
    found = suggest(flag.reason, flag.value, account_values(account), _reference(session))
    return Offer(flag, account, found) if found else None


@dataclass
class Offers:
    """A page of a reason's suggestions, and the flag id the next page starts from (None:
    every open doubt of the reason was read)."""

    offers: list[Offer]
    next_start: int | None


def offers(session: Session, reason: str, start: int = 0, limit: int = BATCH) -> Offers:
    """The open doubts of ``reason`` with a suggestion, in order, from flag id ``start``:
    at most ``limit``, read from at most ``SCAN`` doubts."""
    if reason not in RULES:
        return Offers([], None)
    rows = session.execute(
        sa.select(AccountFlag, Account)
        .join(Account, Account.id == AccountFlag.account_id)
        .where(
            AccountFlag.status == FlagStatus.OPEN,
            AccountFlag.reason == reason,
            AccountFlag.id >= start,
        )
        .order_by(AccountFlag.id)
        .limit(SCAN)
    ).all()
    ref = _reference(session)
    found: list[Offer] = []
    for flag, account in rows:
        if len(found) == limit:
            return Offers(found, flag.id)
        fix = suggest(flag.reason, flag.value, account_values(account), ref)
        if fix is not None:
            found.append(Offer(flag, account, fix))
    return Offers(found, rows[-1][0].id + 1 if len(rows) == SCAN else None)


class TooMany(ValueError):
    """More doubts than one request accepts."""


@dataclass
class Tally:
    """What an acceptance did, for the message and the audit."""

    accepted: int = 0  # doubts resolved with their suggestion
    stale: int = 0  # resolved, saved or changed since they were shown: left as they are
    refused: int = 0  # the fix still raised a doubt once cleaned: left open
    ready: int = 0  # accounts that became ready
    # account id -> (what the save did, the account version after it): for an undo.
    saves: dict[int, tuple[Outcome, int]] = field(default_factory=dict)


def _parse(token: str) -> tuple[int, int, str] | None:
    parts = token.split(":")
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    return int(parts[0]), int(parts[1]), parts[2]


def accept(
    session: Session, tokens: Sequence[str], *, user_id: int | None, via: str = "bulk"
) -> Tally:
    """Accept the suggestions ``tokens`` name (``Offer.token``), at most ``BATCH``. The
    accounts are locked for the rest of the transaction as they are read, so none can be
    saved by anyone else between the check of its version and the save."""
    if len(tokens) > BATCH:
        raise TooMany()
    tally = Tally()
    wanted = [parsed for token in tokens if (parsed := _parse(token))]
    tally.stale += len(tokens) - len(wanted)
    flags = {
        f.id: f
        for f in session.scalars(
            sa.select(AccountFlag).where(AccountFlag.id.in_([w[0] for w in wanted]))
        )
    }
    by_account: dict[int, list[tuple[AccountFlag, int, str]]] = defaultdict(list)
    for flag_id, version, fingerprint in wanted:
        flag = flags.get(flag_id)
        if flag is None or flag.status != FlagStatus.OPEN:
            tally.stale += 1
        else:
            by_account[flag.account_id].append((flag, version, fingerprint))
    accounts = session.scalars(
        sa.select(Account)
        .where(Account.id.in_(by_account))
        .order_by(Account.id)  # one order for every locker: no deadlock between two batches
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    ref = _reference(session)
    for account in accounts:
        _accept_on(session, account, by_account[account.id], tally, user_id, via, ref)
    if via == "bulk":
        reasons = sorted({flag.reason for flag in flags.values()})
        audit(session, "imports.suggestions_accepted", user_id=user_id, reasons=reasons,
              accepted=tally.accepted, stale=tally.stale, refused=tally.refused)  # fmt: skip
    return tally


def _accept_on(
    session: Session,
    account: Account,
    items: list[tuple[AccountFlag, int, str]],
    tally: Tally,
    user_id: int | None,
    via: str,
    ref: Reference | None,
) -> None:
    """One account's accepted suggestions, in one save (nothing is written when the
    cleaning refuses them: ``resolve`` checks before it writes)."""
    if any(version != account.version for _flag, version, _fp in items):
        tally.stale += len(items)
        return
    values, keep, chosen = account_values(account), set(), 0
    fixes: dict[str, str] = {}
    for flag, _version, fingerprint in items:
        fix = suggest(flag.reason, flag.value, values, ref)
        clash = fix is not None and any(fixes.get(k, v) != v for k, v in fix.values.items())
        if fix is None or fix.token != fingerprint or clash:
            tally.stale += 1
            continue
        fixes.update(fix.values)
        keep |= set() if fix.values else {flag.id}
        chosen += 1
    if not chosen:
        return
    outcome = resolve(session, account, fixes, keep, user_id=user_id, version=account.version,
                      via=via, ref=ref)  # fmt: skip
    if outcome.errors:
        tally.refused += chosen
    else:
        tally.accepted += chosen
        tally.ready += outcome.ready
        tally.saves[account.id] = (outcome, account.version)


DECISIONS = ("accept", "keep", "correct")


def decide(
    session: Session,
    flag: AccountFlag,
    account: Account,
    decision: str,
    *,
    version: int | None,
    user_id: int | None,
    token: str = "",
    value: str = "",
) -> Outcome:
    """One doubt decided from the review queue: its suggestion accepted (``token``, as the
    page showed it), the value kept as it is, or corrected to ``value``. Raises
    ``StaleAccount`` when the account was saved or the doubt resolved since it was shown;
    an ``Outcome`` with errors when the correction still raises a doubt (nothing saved)."""
    if flag.status != FlagStatus.OPEN or flag.account_id != account.id:
        raise StaleAccount()
    if decision == "accept":
        tally = accept(session, [token], user_id=user_id, via="queue")
        if not tally.accepted:
            raise StaleAccount()
        return tally.saves[account.id][0]
    if decision == "keep":
        return resolve(session, account, {}, {flag.id}, user_id=user_id, version=version,
                       via="queue")  # fmt: skip
    if decision == "correct" and flag.field in EDITABLE:
        if value.strip() == (getattr(account, flag.field) or ""):
            unchanged = _("The value is as it was: keep it as it is, or type the correction.")
            return Outcome({flag.field: [unchanged]})
        return resolve(session, account, {flag.field: value}, set(), user_id=user_id,
                       version=version, via="queue")  # fmt: skip
    raise ValueError(decision)
