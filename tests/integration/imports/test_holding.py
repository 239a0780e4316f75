"""What holds an imported account for review, and what only waits as a doubt on its value;
and what the desk offers of an account's numbers."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.accounts.models import Account, AccountFlag, FlagStatus, PhoneKind
from app.accounts.phones import dialled_phone
from app.accounts.status import AccountStatus
from app.imports import doubts
from app.imports.models import SourceKind

HEADER = ["CODICE", "RAGIONE SOCIALE", "INDIRIZZO", "CAP", "COMUNE", "PROV", "P.IVA", "TELEFONO"]


def row(code: str, phone: str, *, vat: str = "", municipality: str = "Milano",
        province: str = "MI") -> list[str]:  # fmt: skip
    return [code, f"Trasporti {code} SRL", "Via Roma 1", "", municipality, province, vat, phone]


def account_of(session, code: str) -> Account:
    return session.scalars(
        sa.select(Account).where(Account.company_name == f"TRASPORTI {code}")
    ).one()


def open_reasons(session, account: Account) -> set[str]:
    return set(
        session.scalars(
            sa.select(AccountFlag.reason).where(
                AccountFlag.account_id == account.id, AccountFlag.status == FlagStatus.OPEN
            )
        )
    )


def test_a_bad_number_beside_a_good_one_waits_as_a_doubt_and_the_account_is_ready(
    session, write_csv, do_import
) -> None:
    # 0522 is Reggio Emilia's area: for a Milan company "522417133" is only a doubt.
    do_import(write_csv([HEADER, row("A1", "02 7654321 / 522417133")]))
    account = account_of(session, "A1")
    assert account.status == AccountStatus.READY
    assert open_reasons(session, account) == {"phone_invalid"}


def test_an_account_whose_only_number_is_bad_is_held(session, write_csv, do_import) -> None:
    do_import(write_csv([HEADER, row("A2", "522417133")]))
    account = account_of(session, "A2")
    assert account.status == AccountStatus.TO_REVIEW
    assert open_reasons(session, account) == {"phone_invalid"}


def test_an_account_whose_only_number_is_premium_is_held(session, write_csv, do_import) -> None:
    do_import(write_csv([HEADER, row("A3", "899411734")]))
    account = account_of(session, "A3")
    assert account.status == AccountStatus.TO_REVIEW
    assert [(p.e164, p.kind) for p in account.phones] == [("+39899411734", PhoneKind.SPECIAL)]
    assert open_reasons(session, account) == {"phone_not_callable"}


def test_a_wrong_vat_check_digit_does_not_hold_a_callable_account(
    session, write_csv, do_import
) -> None:
    do_import(write_csv([HEADER, row("A4", "02 7654321", vat="00743110158")]))
    account = account_of(session, "A4")
    assert account.status == AccountStatus.READY
    assert open_reasons(session, account) == {"vat_check_digit_wrong"}


def test_a_municipality_nothing_decides_still_holds_the_account(
    session, write_csv, do_import
) -> None:
    # Castro is in Bergamo's province and in Lecce's: which salesperson, which zone?
    do_import(write_csv([HEADER, row("A5", "02 7654321", municipality="Castro", province="")]))
    account = account_of(session, "A5")
    assert account.status == AccountStatus.TO_REVIEW
    assert open_reasons(session, account) == {"municipality_ambiguous"}


def test_a_later_file_with_a_callable_number_releases_a_held_account(
    session, write_csv, do_import
) -> None:
    do_import(write_csv([HEADER, row("A6", "522417133", vat="00743110157")]))
    assert account_of(session, "A6").status == AccountStatus.TO_REVIEW
    warranty = write_csv(
        [["CLIENTE", "PARTITA IVA", "TEL"], ["Trasporti A6", "00743110157", "02 7654321"]],
        name="garanzie.csv",
    )
    do_import(warranty, SourceKind.WARRANTY)
    account = account_of(session, "A6")
    assert account.status == AccountStatus.READY  # the bad number still waits, as a doubt
    assert open_reasons(session, account) == {"phone_invalid"}


def test_keeping_the_only_holding_doubt_makes_the_account_ready(
    session, write_csv, do_import, reference, monkeypatch
) -> None:
    monkeypatch.setattr(doubts, "reference", lambda _session: reference)
    do_import(write_csv([HEADER, row("A7", "522417133", vat="00743110158")]))
    account = account_of(session, "A7")
    assert account.status == AccountStatus.TO_REVIEW
    phone_flag = next(f for f in doubts.open_flags(session, account.id) if f.field == "phone")
    outcome = doubts.resolve(session, account, {}, {phone_flag.id}, user_id=None)
    # The VAT doubt is left, on its value: it does not hold the account.
    assert outcome.ready and account.status == AccountStatus.READY
    assert open_reasons(session, account) == {"vat_check_digit_wrong"}


def test_the_desk_never_offers_a_premium_number(
    client, auth, users, session, write_csv, do_import, office_hours
) -> None:
    from app.campaigns.queueing import enqueue_accounts
    from app.scripting.services import load_script
    from config import ROOT
    from tests import factories
    from tests.integration.desk.test_desk_views import start

    do_import(write_csv([HEADER, row("A8", "899411734 / 02 7654321 / 522417133")]))
    account = account_of(session, "A8")
    assert account.status == AccountStatus.READY
    assert dialled_phone(account).e164 == "+39027654321"
    script = load_script(session, ROOT / "call_scripts" / "fleet_qualification.toml")
    campaign = factories.campaign(session, call_script_id=script.id, code="PH", name="Phones")
    enqueue_accounts(session, campaign, [account.id])
    page = client.get(start(client, auth, campaign)).get_data(as_text=True)
    assert re.search(r'href="tel:\+39027654321"', page)
    for written in ("899411734", "+39899411734", "+39 899 411 734", "899 411 734"):
        assert written not in page  # neither to dial nor among the other numbers
    assert "522417133" in page  # a doubtful number is still shown as written, not dialled
