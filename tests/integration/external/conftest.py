"""The external company's world: a few accounts of Milan and Rome, the bundled reference."""

from __future__ import annotations

import csv
import io

import pytest
from python_calamine import CalamineWorkbook

from app.accounts.models import Account, AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.imports.pipeline import Reference
from tests import factories
from tests.integration.imports.conftest import reference  # noqa: F401  # the fixture


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())  # the BOM Italian Excel needs
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(body: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "back.xlsx"
    path.write_bytes(body)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    return [[str(cell) for cell in row] for row in sheet.to_python()]


def company(session, name: str, **values) -> Account:
    phone = values.pop("phone", None)
    defaults = {"status": AccountStatus.READY, "province": "MI", "municipality": "Milano",
                "postcode": "20121", "istat_code": "015146"}  # fmt: skip
    account = factories.account(session, company_name=name, **{**defaults, **values})
    if phone:
        session.add(AccountPhone(account=account, raw=phone[0], e164=phone[1],
                                 kind=PhoneKind.FIXED, position=0))  # fmt: skip
        session.flush()
    return account


@pytest.fixture
def base(session) -> dict[str, Account]:
    """Four companies of Milan to check, one of Rome, one that opposed calls."""
    accounts = {
        "rossi": company(session, "TRASPORTI ROSSI", legal_form="SRL", street="VIA TORINO",
                         house_number="12", vat_number="01234560157",
                         phone=("02 7202 1234", "+390272021234")),
        "bianchi": company(session, "AUTOTRASPORTI BIANCHI", legal_form="SNC",
                           street="VIA PADOVA", house_number="3", email="info@bianchi.it"),
        "verdi": company(session, "VERDI LOGISTICA", legal_form="SPA", street="VIA LARGA",
                         house_number="1"),
        "neri": company(session, "NERI TRASPORTI", legal_form="SAS", street="VIA DANTE",
                        house_number="7"),
        "roma": company(session, "ROMANA TIR", province="RM", municipality="Roma",
                        postcode="00184", istat_code="058091"),
        "blocked": company(session, "MAI CHIAMARE", do_not_call=True),
    }  # fmt: skip
    session.flush()
    return accounts


@pytest.fixture
def ref(reference: Reference) -> Reference:  # noqa: F811
    return reference
