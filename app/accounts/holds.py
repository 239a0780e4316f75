"""Which doubts hold an account for review, and which only wait on their value.

One rule, used wherever an account's doubts are counted (the import, a separated row, a
resolved doubt): a doubt holds the account (status *to review*, out of every campaign)
only when the account cannot be worked without a person's answer:

- it has no number an agent may call, and a doubt on a number (the number that lost its 0
  may be the only way to reach it);
- nothing says where it is (a municipality shared by several comuni, or not found, or not
  in the province given; a province not recognised), or whose customer it is (a
  salesperson code that is no salesperson's, or an inactive one's): its zone, its dealer
  and the salesperson a qualified call goes to follow from these, and a guess would hand
  a customer to the wrong salesperson.

Every other doubt (a wrong VAT check digit, an email, a legal form, a postcode, a brand...)
waits on its value in the doubts list, and the account is ready to call meanwhile: a bad
second number does not keep a company with a good first one from being called.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from app.accounts.models import Account
from app.accounts.phones import PHONE_FIELDS
from app.accounts.status import AccountStatus, can_transition, check_transition

# Doubts about where the account is, or whose it is: each one holds it.
HOLDING_REASONS = frozenset(
    {
        "municipality_ambiguous",
        "municipality_not_found",
        "municipality_province_conflict",
        "province_unknown",
        "unknown_salesperson",
        "inactive_salesperson",
    }
)


class Doubt(Protocol):
    """A flag being cleaned (``normalise.changes.Flag``) or stored (``AccountFlag``)."""

    @property
    def field(self) -> str: ...

    @property
    def reason(self) -> str: ...


def holds(doubts: Iterable[Doubt], has_callable_phone: bool) -> bool:
    """Whether these open doubts hold an account that has (or lacks) a callable phone."""
    return any(
        doubt.reason in HOLDING_REASONS or (doubt.field in PHONE_FIELDS and not has_callable_phone)
        for doubt in doubts
    )


def hold_or_release(
    account: Account, stored: list[Doubt], flags: list[Doubt], reachable: bool, now: bool
) -> None:
    """Hold an enriched account its doubts now hold, or release one its stored doubts held
    and new rows answered (a callable number at last); an account held for another reason
    (an agent found it a duplicate) is left as it is. ``reachable``: it had a callable
    number; ``now``: it has one with the new rows'."""
    held_before = holds(stored, reachable)
    held_now = holds([*stored, *flags], now)
    # A qualified account stays qualified: only an undone review takes one back (status.py)
    qualified = account.status == AccountStatus.QUALIFIED
    if held_now and not qualified and can_transition(account.status, AccountStatus.TO_REVIEW):
        account.status = AccountStatus.TO_REVIEW
    elif held_before and not held_now and account.status == AccountStatus.TO_REVIEW:
        release(account)


def release(account: Account) -> None:
    """An account whose review cleared goes where it would have gone without it: ready to
    call, or qualified when an earlier action qualified it (``qualified_elsewhere_on``;
    ``app.imports.qualified_elsewhere``), so nobody calls it again."""
    account.status = check_transition(account.status, AccountStatus.READY)
    if account.qualified_elsewhere_on is not None:
        account.status = check_transition(account.status, AccountStatus.QUALIFIED)
