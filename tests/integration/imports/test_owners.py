"""The salesperson who follows a customer, from the source file's VENDITORE column."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, AccountFlag, AccountSource
from app.accounts.status import AccountStatus
from app.imports.models import ImportBatch
from tests import factories

HEADER = ["RAGIONE SOCIALE", "COMUNE", "PROV", "P.IVA", "COD. VENDITORE"]
ROSSI = ["Autotrasporti Rossi SRL", "Perugia", "PG", "00743110157"]
BIANCHI = ["Bianchi Mario & C. snc", "Milano", "MI", "01234560124"]


@pytest.fixture
def sellers(session) -> dict[str, int]:
    dealer = factories.dealer(session, factories.zone(session))
    active = factories.salesperson(session, dealer, "MI-V01")
    retired = factories.salesperson(session, dealer, "MI-V09")
    retired.active = False
    session.flush()
    return {"MI-V01": active.id, "MI-V09": retired.id}


def by_name(session) -> dict[str, Account]:
    return {a.company_name: a for a in session.scalars(sa.select(Account))}


def flags(session, account: Account) -> list[tuple[str, str | None, str]]:
    query = sa.select(AccountFlag.field, AccountFlag.value, AccountFlag.reason).where(
        AccountFlag.account_id == account.id
    )
    return [tuple(row) for row in session.execute(query)]


def test_the_venditore_column_is_recognised(session, write_csv, do_import, sellers) -> None:
    batch, _ = do_import(write_csv([HEADER, [*ROSSI, "MI-V01"]]))
    assert batch.column_mapping["COD. VENDITORE"] == "salesperson"


def test_a_known_code_sets_the_owner_whatever_its_case(
    session, write_csv, do_import, sellers
) -> None:
    _, report = do_import(write_csv([HEADER, [*ROSSI, "MI-V01"], [*BIANCHI, "  mi-v01 "]]))
    accounts = by_name(session)
    assert {a.salesperson_id for a in accounts.values()} == {sellers["MI-V01"]}
    assert report.flags_raised == 0
    assert all(a.status == AccountStatus.READY for a in accounts.values())
    source = session.scalars(sa.select(AccountSource).where(
        AccountSource.account_id == accounts["AUTOTRASPORTI ROSSI"].id)).one()  # fmt: skip
    assert "salesperson_id" in source.used_fields  # the row that supplied the owner


@pytest.mark.parametrize(
    ("code", "reason"), [("XX-V99", "unknown_salesperson"), ("mi-v09", "inactive_salesperson")]
)
def test_an_unknown_or_inactive_code_is_flagged_and_sets_no_owner(
    session, write_csv, do_import, sellers, code, reason
) -> None:
    _, report = do_import(write_csv([HEADER, [*ROSSI, code]]))
    rossi = by_name(session)["AUTOTRASPORTI ROSSI"]
    assert rossi.salesperson_id is None
    assert flags(session, rossi) == [("salesperson", code, reason)]
    assert rossi.status == AccountStatus.TO_REVIEW
    assert report.flags_by_reason == {reason: 1}


def test_rows_of_one_account_give_the_last_clean_owner(
    session, write_csv, do_import, sellers
) -> None:
    other = factories.salesperson(session, factories.dealer(session, factories.zone(
        session, "SUD", "Sud"), "D-NA"), "NA-V01")  # fmt: skip
    rows = [[*ROSSI, "MI-V01"], [*ROSSI[:3], "IT00743110157", "NA-V01"],
            [*ROSSI[:3], "743110157", "XX-V99"]]  # fmt: skip
    _, report = do_import(write_csv([HEADER, *rows]))
    rossi = by_name(session)["AUTOTRASPORTI ROSSI"]
    assert report.accounts_created == 1
    assert rossi.salesperson_id == other.id  # the last row with a known code
    assert flags(session, rossi) == []  # the unknown code's doubt: another row answered it


def test_a_stored_account_keeps_its_owner_and_one_without_gets_it(
    session, write_csv, do_import, sellers
) -> None:
    do_import(write_csv([HEADER[:4], ROSSI, BIANCHI]))
    accounts = by_name(session)
    kept = factories.salesperson(session, factories.dealer(session, factories.zone(
        session, "SUD", "Sud"), "D-NA"), "NA-V01")  # fmt: skip
    accounts["AUTOTRASPORTI ROSSI"].salesperson_id = kept.id
    session.flush()
    warranty = write_csv(
        [["CLIENTE", "PARTITA IVA", "TELEFONO", "VENDITORE"],
         ["Autotrasp. Rossi", "00743110157", "", "MI-V01"],
         ["BIANCHI MARIO & C.", "1234560124", "", "Mi-V01"]],
        name="garanzie.csv",
    )  # fmt: skip
    _, report = do_import(warranty)
    assert (report.accounts_created, report.accounts_updated) == (0, 2)
    session.expire_all()
    accounts = by_name(session)
    assert accounts["AUTOTRASPORTI ROSSI"].salesperson_id == kept.id
    assert accounts["BIANCHI MARIO & C."].salesperson_id == sellers["MI-V01"]
    batch = session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    sources = session.scalars(sa.select(AccountSource).where(
        AccountSource.import_batch_id == batch.id)).all()  # fmt: skip
    used = {s.account_id: s.used_fields for s in sources}
    assert "salesperson_id" not in used[accounts["AUTOTRASPORTI ROSSI"].id]
    assert "salesperson_id" in used[accounts["BIANCHI MARIO & C."].id]


def test_an_unknown_code_shows_on_the_account_doubts(
    client, session, write_csv, do_import, sellers, users, auth
) -> None:
    do_import(write_csv([HEADER, [*ROSSI, "XX-V99"]]))
    rossi = by_name(session)["AUTOTRASPORTI ROSSI"]
    session.commit()
    auth.login("staff")
    page = client.get("/workspace/doubts?reason=unknown_salesperson").get_data(as_text=True)
    assert "Autotrasporti Rossi" in page  # the name as people read it
    page = client.get(f"/workspace/doubts/{rossi.id}").get_data(as_text=True)
    assert "XX-V99" in page and "codice venditore non trovato" in page
