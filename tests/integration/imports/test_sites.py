"""A company at several addresses: one account, one site per address, the head office kept
(docs/imports.md, "Sites")."""

from __future__ import annotations

import sqlalchemy as sa

from app.accounts.models import Account, AccountFlag, AccountPhone, AccountSite, AccountSource
from app.imports.models import SourceKind

HEADER = ["CODICE", "RAGIONE SOCIALE", "INDIRIZZO", "CAP", "COMUNE", "PROV", "P.IVA", "TELEFONO"]
VAT = "00743110157"
ROMA = ["C1", "Autotrasporti Rossi S.r.l.", "Via Roma 12", "06121", "Perugia", "PG", VAT,
        "075 1234567"]  # fmt: skip
MECENATE = ["C2", "AUTOTRASPORTI ROSSI SRL", "Viale Mecenate 76", "20138", "Milano", "MI", VAT,
            "02 5801234"]  # fmt: skip
SETTEVALLI = ["C3", "Autotrasporti Rossi srl", "Via Settevalli 5", "06129", "Perugia", "PG",
              VAT, "075 5001122"]  # fmt: skip
# The head office again, another source's spelling and another number of it.
ROMA_AGAIN = ["C4", "AUTOTRASPORTI ROSSI", "V. Roma 12", "6121", "PERUGIA", "", VAT,
              "333 1234567"]  # fmt: skip


def the_account(session) -> Account:
    return session.scalars(sa.select(Account)).one()


def sites_of(session, account: Account) -> list[AccountSite]:
    return list(
        session.scalars(
            sa.select(AccountSite)
            .where(AccountSite.account_id == account.id)
            .order_by(AccountSite.position)
        )
    )


def place(site) -> tuple:
    return (site.street, site.house_number, site.postcode, site.municipality, site.province,
            site.istat_code)  # fmt: skip


def phones_by_site(session, account: Account) -> dict[int | None, set[str]]:
    found: dict[int | None, set[str]] = {}
    for phone in session.scalars(
        sa.select(AccountPhone).where(AccountPhone.account_id == account.id)
    ):
        found.setdefault(phone.site_id, set()).add(phone.e164)
    return found


def test_one_vat_at_three_addresses_is_one_account_with_three_sites(
    session, write_csv, do_import
) -> None:
    _, report = do_import(write_csv([HEADER, ROMA, MECENATE, ROMA_AGAIN, SETTEVALLI]))
    assert report.accounts_created == 1
    account = the_account(session)
    sites = sites_of(session, account)
    assert [place(s) for s in sites] == [
        ("VIA ROMA", "12", "06121", "Perugia", "PG", "054039"),
        ("VIALE MECENATE", "76", "20138", "Milano", "MI", "015146"),
        ("VIA SETTEVALLI", "5", "06129", "Perugia", "PG", "054039"),
    ]
    # The first address seen is the head office, and the account's address is its own:
    # not the last row's (Via Settevalli), as it was.
    assert [s.head_office for s in sites] == [True, False, False]
    assert place(account) == place(sites[0])
    # Each number belongs to the site whose row brought it; the head office's second row
    # added a number, not a site.
    assert phones_by_site(session, account) == {
        sites[0].id: {"+390751234567", "+393331234567"},
        sites[1].id: {"+39025801234"},
        sites[2].id: {"+390755001122"},
    }
    # Provenance: each site's source rows.
    rows = {s.row_number: s.site_id for s in account.sources}
    assert rows == {2: sites[0].id, 3: sites[1].id, 4: sites[0].id, 5: sites[2].id}


def test_a_later_file_adds_a_site_to_the_stored_account_and_keeps_its_address(
    session, write_csv, do_import
) -> None:
    do_import(write_csv([HEADER, ROMA]))
    account = the_account(session)
    before = place(account)
    warranty = write_csv(
        [["CLIENTE", "PARTITA IVA", "INDIRIZZO", "COMUNE", "PROV", "TEL", "MARCA", "N. VEICOLI"],
         ["Autotrasporti Rossi", VAT, "Viale Mecenate 76", "Milano", "MI", "02 5801234",
          "Iveco", "12"],
         ["Autotrasporti Rossi", VAT, "Via Roma 12", "Perugia", "PG", "", "Volvo", "3"]],
        name="garanzie.csv",
    )  # fmt: skip
    _, report = do_import(warranty, SourceKind.WARRANTY)
    assert (report.accounts_created, report.accounts_updated) == (0, 1)
    session.refresh(account)
    assert place(account) == before  # not overwritten by the other site
    sites = sites_of(session, account)
    assert [(s.municipality, s.head_office) for s in sites] == [
        ("Perugia", True), ("Milano", False)]  # fmt: skip
    assert sites[1].street == "VIALE MECENATE" and sites[1].istat_code == "015146"
    assert phones_by_site(session, account)[sites[1].id] == {"+39025801234"}
    # The same file again adds nothing; a third with the head office's address neither.
    do_import(write_csv([HEADER, ROMA_AGAIN], name="again.csv"))
    assert len(sites_of(session, account)) == 2


def test_a_source_that_names_the_head_office_moves_it_there(session, write_csv, do_import) -> None:
    header = [*HEADER, "TIPO SEDE"]
    rows = [[*ROMA, "Filiale"], [*MECENATE, "Sede legale"], [*SETTEVALLI, ""]]
    do_import(write_csv([header, *rows]))
    account = the_account(session)
    sites = sites_of(session, account)
    assert [(s.municipality, s.street, s.head_office) for s in sites] == [
        ("Perugia", "VIA ROMA", False),
        ("Milano", "VIALE MECENATE", True),
        ("Perugia", "VIA SETTEVALLI", False),
    ]
    assert (account.street, account.municipality, account.istat_code) == (
        "VIALE MECENATE", "Milano", "015146")  # fmt: skip


def test_an_address_without_a_street_fits_the_site_of_its_town(
    session, write_csv, do_import
) -> None:
    town_only = ["C5", "Autotrasporti Rossi", "", "", "Milano", "MI", VAT, "02 5809999"]
    do_import(write_csv([HEADER, ROMA, MECENATE, town_only]))
    account = the_account(session)
    sites = sites_of(session, account)
    assert len(sites) == 2
    assert phones_by_site(session, account)[sites[1].id] == {"+39025801234", "+39025809999"}


def test_a_doubt_on_another_site_stays_open(session, write_csv, do_import) -> None:
    """A branch's municipality nobody can decide is a doubt, although the account's own
    (the head office's) is clean."""
    castro = ["C6", "Autotrasporti Rossi", "Via Mare 1", "", "Castro", "", VAT, ""]
    do_import(write_csv([HEADER, ROMA, castro]))
    account = the_account(session)
    assert account.municipality == "Perugia"
    sites = sites_of(session, account)
    assert [s.municipality for s in sites] == ["Perugia", "Castro"]
    flags = session.scalars(
        sa.select(AccountFlag.reason).where(AccountFlag.account_id == account.id)
    ).all()
    assert "municipality_ambiguous" in flags


def test_sources_without_an_address_belong_to_no_site(session, write_csv, do_import) -> None:
    do_import(write_csv([HEADER, ROMA]))
    financing = write_csv(
        [["CLIENTE", "PARTITA IVA", "TEL"], ["ROSSI", VAT, "075 7777777"]], name="fin.csv"
    )
    do_import(financing, SourceKind.FINANCING)
    account = the_account(session)
    assert len(sites_of(session, account)) == 1
    source = session.scalars(
        sa.select(AccountSource).where(AccountSource.source_kind == "financing")
    ).one()
    assert source.site_id is None
    assert phones_by_site(session, account)[None] == {"+390757777777"}


def test_a_row_giving_only_its_province_still_gives_it(session, write_csv, do_import) -> None:
    only_province = ["C7", "Trasporti Neri", "", "", "", "MI", "", "02 1112223"]
    do_import(write_csv([HEADER, only_province]))
    account = the_account(session)
    assert account.province == "MI" and [s.province for s in sites_of(session, account)] == ["MI"]
