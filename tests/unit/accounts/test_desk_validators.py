"""The desk checks phones, e-mails and VAT numbers with the import's own validators."""

from __future__ import annotations

import pytest

from app.accounts.normalise.email import is_email
from app.accounts.normalise.identifiers import vat_problem
from app.accounts.phones import dialable_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("02 1234 5678", "+390212345678"),
        ("333 1234567", "+393331234567"),
        ("0039 06 6982 1234", "+390669821234"),  # Vatican City shares +39
        ("02/1234", None),  # phonenumbers calls it valid: too short to dial
        ("2 1234 5678", None),  # a landline without its 0
        ("+41 44 668 18 00", None),  # valid, not Italian
        ("899 411734", None),  # premium: an agent never calls it
        ("800 123456", None),  # toll free: a customer service, paid by the called
        ("848 123456", None),  # shared cost
        ("55 12345678", "+395512345678"),  # VoIP: an ordinary business line
        ("", None),
    ],
)
def test_a_dialable_italian_number(raw, expected):
    assert dialable_phone(raw) == expected


def test_the_import_and_the_desk_share_one_email_check():
    from app.imports import records

    assert records.is_email is is_email
    assert is_email("a.b@ditta.it") and not is_email("a.b@ditta.c0m")


def test_vat_problem_names_the_import_reason():
    assert vat_problem("1234567") == "vat_wrong_length"
    assert vat_problem("11111111111") == "vat_office_code_invalid"
    assert vat_problem("12345670158") == "vat_check_digit_wrong"
    assert vat_problem("12345670157") is None
