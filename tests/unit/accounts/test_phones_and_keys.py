import random

import pytest

from app.accounts.keys import ALPHABET, new_account_key
from app.accounts.models import PhoneKind
from app.accounts.phones import parse_phone


@pytest.mark.parametrize(
    ("raw", "e164", "kind"),
    [
        ("02 12345678", "+390212345678", PhoneKind.FIXED),  # Milan keeps its 0 after +39
        ("02/12345678", "+390212345678", PhoneKind.FIXED),
        ("+39 333 1234567", "+393331234567", PhoneKind.MOBILE),
        ("3331234567", "+393331234567", PhoneKind.MOBILE),
        ("06 69812345", "+390669812345", PhoneKind.FIXED),  # Rome 06 698: filed under Vatican
        ("0039 011 5551234", "+390115551234", PhoneKind.FIXED),
    ],
)
def test_valid_numbers(raw, e164, kind):
    assert parse_phone(raw) == (e164, kind)


@pytest.mark.parametrize("raw", ["2 12345678", "abc", "", "12", "+39 02"])
def test_invalid_numbers_are_flagged_not_repaired(raw):
    assert parse_phone(raw) == (None, PhoneKind.INVALID)


def test_keys_are_unambiguous_and_reproducible():
    key = new_account_key()
    assert key.startswith("Q") and len(key) == 11
    assert set(key[1:]) <= set(ALPHABET)
    assert not set("ILOU") & set(ALPHABET)
    assert new_account_key(random.Random(1)) == new_account_key(random.Random(1))
    assert len({new_account_key() for _ in range(1000)}) == 1000
