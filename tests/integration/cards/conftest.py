"""A paper cards' world: the bundled municipality reference, two staff members (one types,
one validates), and accounts already in the base that a card may look like."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from stdnum import luhn

from app.accounts.models import AccountPhone, PhoneKind
from app.accounts.normalise.phone import read_phone
from app.accounts.status import AccountStatus
from app.security import Role
from tests import factories
from tests.integration.imports.conftest import reference  # noqa: F401 - the bundled list


def vat(company: str) -> str:
    """A valid Italian VAT number (office 016) for a seven-digit company number."""
    base = company.zfill(7) + "016"
    return base + luhn.calc_check_digit(base)


@pytest.fixture
def typist(session):
    return factories.user(session, Role.STAFF, username="segreteria", full_name="Sara Segreteria")


@pytest.fixture
def checker(session):
    return factories.user(session, Role.STAFF, username="controllo", full_name="Carlo Controllo")


@pytest.fixture
def rossi(session):
    return make_rossi(session)


def make_rossi(session):
    """ROSSI TRASPORTI SRL of Bergamo, in the base: a VAT number, a landline."""
    account = factories.account(
        session, company_name="ROSSI TRASPORTI", legal_form="SRL", street="VIA BORGO PALAZZO",
        house_number="12", postcode="24125", municipality="Bergamo", province="BG",
        istat_code="016024", vat_number=vat("1234567"), status=AccountStatus.READY,
    )  # fmt: skip
    account.phones.append(AccountPhone(raw="035 224466", e164=read_phone("035 224466", "BG").e164,
                                       kind=PhoneKind.FIXED, position=0))  # fmt: skip
    session.flush()
    return account


@pytest.fixture
def verdi(session):
    """Another company, elsewhere: never listed for a Bergamo card."""
    return factories.account(
        session, company_name="VERDI LOGISTICA", legal_form="SPA", postcode="00184",
        municipality="Roma", province="RM", istat_code="058091", vat_number=vat("7654321"),
        status=AccountStatus.READY,
    )  # fmt: skip


@pytest.fixture
def english(app):
    """Services speak the reader's language: English here."""
    with app.test_request_context(), force_locale("en"):
        yield
