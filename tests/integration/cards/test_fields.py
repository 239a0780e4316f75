"""An account's values as a card shows them (an edit starts from them)."""

from __future__ import annotations

from app.accounts.models import AccountPhone, PhoneKind
from app.cards.fields import account_values
from tests import factories


def test_an_account_s_values_under_the_card_s_names(session) -> None:
    account = factories.account(session, company_name="ROSSI", municipality="Bergamo")
    account.phones += [
        AccountPhone(raw="035 1", e164="+391", kind=PhoneKind.FIXED, position=0),
        AccountPhone(raw="035 2", e164=None, kind=PhoneKind.INVALID, position=1),
    ]
    session.flush()
    assert account_values(account) == {"company_name": "ROSSI", "municipality": "Bergamo",
                                       "phone": "+391", "phone_2": "035 2"}  # fmt: skip
