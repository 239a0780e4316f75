"""A practice copy keeps what the script talks about and nothing that identifies the company."""

from __future__ import annotations

import random
from datetime import date

import pytest
from stdnum.it import iva

from app.accounts.models import Account, AccountPhone, FleetLine, PhoneKind, TonnageClass
from app.accounts.status import AccountStatus
from app.campaigns.practice import Place, invent_copy

PLACES = [
    Place("Bergamo", "016024", ("24121", "24122")),
    Place("Treviglio", "016219", ("24047",)),
    Place("Seriate", "016193", ("24068",)),
]

# Every value of an account that could lead back to the company, or to a person in it.
PERSONAL = ("key", "company_name", "legal_form", "street", "house_number", "postcode",
            "municipality", "istat_code", "vat_number", "tax_code", "email", "notes",
            "last_purchase_on")  # fmt: skip


def original(**kw) -> Account:
    values = {
        "key": "Q0000000001",
        "company_name": "Autotrasporti Rossi S.R.L.",
        "legal_form": "S.R.L.",
        "street": "Via Roma",
        "house_number": "12",
        "postcode": "24121",
        "municipality": "Bergamo",
        "province": "BG",
        "istat_code": "016024",
        "vat_number": "01234560165",
        "tax_code": "RSSMRA70A01A794Z",
        "email": "info@autotrasportirossi.it",
        "notes": "Chiedere di Mario, il titolare",
        "last_purchase_on": date(2024, 5, 2),
        "tonnage_class": TonnageClass.EXTRA_HEAVY,
        "zone_id": 3,
        "dealer_id": 7,
        "status": AccountStatus.QUALIFIED,
    }
    account = Account(**{**values, **kw})
    account.phones = [
        AccountPhone(position=0, raw="035 123456", e164="+39035123456", kind=PhoneKind.FIXED),
        AccountPhone(position=1, raw="3471234567", e164="+393471234567", kind=PhoneKind.MOBILE),
    ]
    account.fleet = [
        FleetLine(brand="IVECO", vehicle_count=12, tonnage_class=TonnageClass.EXTRA_HEAVY),
        FleetLine(brand="Volvo", vehicle_count=3, tonnage_class=None),
    ]
    return account


@pytest.mark.parametrize("seed", range(40))
def test_no_personal_value_survives(seed):
    source = original()
    copy = invent_copy(random.Random(seed), source, PLACES)
    for name in PERSONAL:
        mine, theirs = getattr(copy, name), getattr(source, name)
        assert mine != theirs or mine is None, name
        if isinstance(mine, str) and isinstance(theirs, str):
            assert mine.casefold().replace(" ", "") != theirs.casefold().replace(" ", ""), name
    old_numbers = {p.e164 for p in source.phones} | {p.raw for p in source.phones}
    assert copy.phones and not {p.e164 for p in copy.phones} & old_numbers
    assert not {p.raw for p in copy.phones} & old_numbers
    assert not copy.contacts and not copy.sources and not copy.opportunities
    assert copy.municipality in {"Treviglio", "Seriate"}  # another comune of the province


def test_what_the_script_talks_about_is_kept():
    source = original()
    copy = invent_copy(random.Random(1), source, PLACES)
    assert copy.practice is True and copy.status == AccountStatus.READY
    assert (copy.province, copy.zone_id, copy.dealer_id) == ("BG", 3, 7)
    assert copy.tonnage_class == TonnageClass.EXTRA_HEAVY
    assert [(f.brand, f.vehicle_count, f.tonnage_class) for f in copy.fleet] == [
        ("IVECO", 12, TonnageClass.EXTRA_HEAVY),
        ("Volvo", 3, None),
    ]
    assert iva.is_valid(copy.vat_number)
    assert len(copy.phones) == 2 and all(p.e164 for p in copy.phones)
    assert copy.phones[0].kind == PhoneKind.FIXED and copy.phones[0].e164.startswith("+3903")
    assert copy.email.startswith("info@") and copy.email.endswith(".it")


def test_without_a_place_elsewhere_the_address_is_left_empty():
    source = original(province=None)
    copy = invent_copy(random.Random(2), source, [Place("Bergamo", "016024", ("24121",))])
    assert (copy.municipality, copy.postcode, copy.istat_code) == (None, None, None)
    assert copy.street and copy.street != source.street
    assert iva.is_valid(copy.vat_number)
    assert copy.phones[0].kind == PhoneKind.MOBILE  # no province: no area code to use


def test_an_account_without_email_or_phones_gets_a_number_but_no_email():
    source = original()
    source.email, source.phones = None, []
    copy = invent_copy(random.Random(3), source, PLACES)
    assert copy.email is None
    assert len(copy.phones) == 1
