"""An import's own merges: listed on the review page, and a wrongly joined row taken back out."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, AccountPhone, AccountSource, FleetLine
from app.audit.models import AuditEntry
from app.imports.models import DuplicatePair, FieldChange, PairStatus, SourceKind
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from app.workspace.merging import merge_accounts
from app.workspace.separating import SeparateError, recent_joins, separate
from tests import factories
from tests.conftest import csrf_token

HEADER = ["CODICE", "RAGIONE SOCIALE", "INDIRIZZO", "CAP", "COMUNE", "PROV", "P.IVA", "TELEFONO"]
ROSSI = ["C1", "Autotrasporti Rossi srl", "Via Roma 12", "06121", "Perugia", "PG",
         "00743110157", "075 1234567"]  # fmt: skip
# A warranty row that carries Rossi's VAT number by mistake, of a company in Rossi's town:
# the import joins it to Rossi (a VAT number shared by rows that agree on nothing else
# would wait for a person instead).
WRONG = [["TELAIO", "CLIENTE", "PARTITA IVA", "TEL", "MARCA", "N. VEICOLI", "EMAIL", "COMUNE"],
         ["ZCF9", "Bianchi Logistica", "00743110157", "02 7654321", "Volvo", "3",
          "info@bianchi.it", "Perugia"]]  # fmt: skip


@pytest.fixture
def joined(session, write_csv, do_import):
    do_import(write_csv([HEADER, ROSSI]))
    _, report = do_import(write_csv(WRONG, name="garanzie.csv"), SourceKind.WARRANTY)
    assert (report.accounts_created, report.accounts_updated) == (0, 1)
    rossi = session.scalars(sa.select(Account)).one()
    row = session.scalars(
        sa.select(AccountSource).where(AccountSource.source_kind == "warranty")
    ).one()
    return rossi, row


def test_the_rows_an_import_joined_are_listed(session, joined) -> None:
    rossi, row = joined
    [join] = recent_joins(session)
    assert (join.source_id, join.account_id, join.filename) == (row.id, rossi.id, "garanzie.csv")
    assert (join.row_number, join.name) == (2, "Bianchi Logistica")


def test_a_person_merge_is_listed_with_the_merges_not_here(session) -> None:
    one = factories.account(session, company_name="VERDI")
    other = factories.account(session, company_name="VERDI LUIGI")
    for account in (one, other):
        session.add(AccountSource(account_id=account.id, source_kind="demo", data={}))
    session.flush()
    merge_accounts(session, one, other, user_id=None)
    assert recent_joins(session) == []


def test_a_separated_row_becomes_its_own_account(session, joined, reference, users) -> None:
    rossi, row = joined
    assert rossi.email == "info@bianchi.it" and len(rossi.phones) == 2
    new = separate(session, row, user_id=users["staff"].id, reference=reference)
    session.expire_all()
    rossi = session.get(Account, rossi.id)
    # The row's values, phone and fleet line are the new account's ...
    assert (new.company_name, new.vat_number, new.email) == (
        "BIANCHI LOGISTICA", "00743110157", "info@bianchi.it")  # fmt: skip
    assert [p.e164 for p in new.phones] == ["+39027654321"]
    assert [(f.brand, f.vehicle_count) for f in new.fleet] == [("Volvo", 3)]
    assert [s.id for s in new.sources] == [row.id]
    # ... and no longer Rossi's, which keeps what its own row said.
    assert (rossi.company_name, rossi.email, rossi.vat_number) == (
        "AUTOTRASPORTI ROSSI", None, "00743110157")  # fmt: skip
    assert [p.e164 for p in rossi.phones] == ["+390751234567"]
    assert session.scalars(sa.select(FleetLine).where(FleetLine.account_id == rossi.id)).all() == []
    of_row = FieldChange.batch_id == row.import_batch_id
    moved = session.scalars(sa.select(FieldChange.account_id).where(of_row)).all()
    assert set(moved) <= {new.id}
    # Two companies from now on: never proposed again, and the separation is audited.
    pair = session.scalars(sa.select(DuplicatePair)).one()
    assert {pair.account_a_id, pair.account_b_id} == {rossi.id, new.id}
    assert pair.status == PairStatus.REJECTED and pair.decided_by_id == users["staff"].id
    event = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "imports.row_separated")
    ).one()
    assert event.user_id == users["staff"].id
    assert recent_joins(session) == []


def test_a_value_changed_since_the_import_is_kept(session, joined, reference) -> None:
    rossi, row = joined
    rossi.email = "ufficio@rossi.it"  # a person corrected it after the import
    session.flush()
    separate(session, row, user_id=None, reference=reference)
    session.expire_all()
    assert session.get(Account, rossi.id).email == "ufficio@rossi.it"


def test_importing_the_files_again_does_not_join_them_again(
    session, joined, reference, write_csv, do_import
) -> None:
    _rossi, row = joined
    new = separate(session, row, user_id=None, reference=reference)
    _, report = do_import(write_csv(WRONG, name="garanzie.csv"), SourceKind.WARRANTY)
    assert (report.rows_unchanged, report.accounts_created, report.accounts_updated) == (1, 0, 0)
    assert session.scalar(sa.select(sa.func.count(Account.id))) == 2
    assert session.get(AccountSource, row.id).account_id == new.id


def test_an_accounts_only_row_cannot_be_separated(session, write_csv, do_import, reference) -> None:
    do_import(write_csv([HEADER, ROSSI]))
    only = session.scalars(sa.select(AccountSource)).one()
    with pytest.raises(SeparateError, match="only row"):
        separate(session, only, user_id=None, reference=reference)


def test_identical_rows_are_not_separated(session, write_csv, do_import, reference) -> None:
    do_import(write_csv([HEADER, ROSSI, ROSSI]))
    second = session.scalars(sa.select(AccountSource).order_by(AccountSource.id.desc())).first()
    with pytest.raises(SeparateError, match="identical"):
        separate(session, second, user_id=None, reference=reference)
    assert session.scalar(sa.select(sa.func.count(Account.id))) == 1


def test_staff_separate_a_row_from_the_review_page(client, session, joined, users, auth) -> None:
    _rossi, row = joined
    load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    session.commit()
    auth.login("agent")
    token = csrf_token(client, "/desk/")
    denied = client.post(f"/workspace/sources/{row.id}/separate", data={"csrf_token": token})
    assert denied.status_code == 403
    auth.logout()
    auth.login("staff")
    page = client.get("/workspace/review").get_data(as_text=True)
    assert 'data-testid="joins"' in page and "Bianchi Logistica" in page and "garanzie.csv" in page
    assert "Separa questa riga" in page
    no_token = client.post(f"/workspace/sources/{row.id}/separate")
    assert no_token.status_code == 400
    token = csrf_token(client, "/workspace/review")
    response = client.post(f"/workspace/sources/{row.id}/separate", data={"csrf_token": token})
    assert response.status_code == 302
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count(Account.id))) == 2
    page = client.get("/workspace/review").get_data(as_text=True)
    new_key = session.get(AccountSource, row.id).account.key
    assert new_key in page  # the flash names the new account
    assert "Nessuna riga unita da un'importazione" in page
    assert session.scalar(sa.select(sa.func.count(AccountPhone.id))) == 2


def test_a_separated_row_takes_its_site_with_it(
    session, write_csv, do_import, reference, users
) -> None:
    """A row at another address joined by its VAT number (and name) made a site of
    Rossi's; taken out, the site leaves Rossi and the number it brought is the new
    account's own."""
    from app.accounts.models import AccountSite

    elsewhere = ["C2", "Autotrasporti Rossi", "Viale Mecenate 76", "20138", "Milano", "MI",
                 "00743110157", "02 7654321"]  # fmt: skip
    do_import(write_csv([HEADER, ROSSI, elsewhere]))
    rossi = session.scalars(sa.select(Account)).one()
    assert [s.municipality for s in rossi.sites] == ["Perugia", "Milano"]
    row = session.scalars(sa.select(AccountSource).where(AccountSource.row_number == 3)).one()
    new = separate(session, row, user_id=users["staff"].id, reference=reference)
    session.expire_all()
    rossi = session.get(Account, rossi.id)
    assert [s.municipality for s in rossi.sites] == ["Perugia"]
    assert [(p.e164, p.site_id) for p in new.phones] == [("+39027654321", None)]
    assert new.municipality == "Milano"
    assert session.scalar(sa.select(sa.func.count(AccountSite.id))) == 1
