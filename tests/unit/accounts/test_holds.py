"""Holding and releasing an account for review (``accounts.holds``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from app.accounts.holds import hold_or_release, release
from app.accounts.models import Account
from app.accounts.status import AccountStatus as S


@dataclass
class Doubt:
    field: str
    reason: str


WHERE = Doubt("municipality", "municipality_ambiguous")  # holds: nobody knows where it is
PHONE = Doubt("phone", "phone_lost_zero")  # holds only an account with no callable number


def test_a_qualified_account_is_never_held_by_a_new_doubt() -> None:
    """A later file's doubt waits in the doubts list; the qualification stands."""
    account = Account(status=S.QUALIFIED)
    hold_or_release(account, [], [WHERE], reachable=True, now=True)
    assert account.status == S.QUALIFIED
    ready = Account(status=S.READY)
    hold_or_release(ready, [], [WHERE], reachable=True, now=True)
    assert ready.status == S.TO_REVIEW


@pytest.mark.parametrize(("elsewhere", "status"), [(None, S.READY),
                                                   (date(2026, 11, 2), S.QUALIFIED)])  # fmt: skip
def test_released_from_review_it_goes_where_it_would_have_gone(elsewhere, status) -> None:
    account = Account(status=S.TO_REVIEW, qualified_elsewhere_on=elsewhere)
    release(account)
    assert account.status == status
    held = Account(status=S.TO_REVIEW, qualified_elsewhere_on=elsewhere)
    # Held for a doubtful number while it had no other; a new row brought a callable one.
    hold_or_release(held, [PHONE], [], reachable=False, now=True)
    assert held.status == status
