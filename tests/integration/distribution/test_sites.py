"""A company with several sites: the wave routes it by the site the call qualified, and the
files give that site's address and list the others (docs/exports.md, "Sites")."""

from __future__ import annotations

import csv
import io
import zipfile

import sqlalchemy as sa
from openpyxl import load_workbook

from app.accounts.models import AccountPhone, AccountSite, PhoneKind
from app.desk.models import CallAttempt
from app.distribution import exporting, services
from app.distribution.models import ExportStatus, WaveAccount
from tests.integration.distribution.conftest import run_jobs

MILANO = {"street": "VIALE MECENATE", "house_number": "76", "postcode": "20138",
          "municipality": "Milano", "province": "MI", "istat_code": "015146"}  # fmt: skip
TORINO = {"street": "CORSO FRANCIA", "house_number": "10", "postcode": "10121",
          "municipality": "Torino", "province": "TO", "istat_code": "001272"}  # fmt: skip


def with_sites(session, network, qualified_at: str | None, **kw):
    """A company whose head office is in Milan and another site in Turin; its qualifying
    call qualified ``qualified_at`` ("head", "turin" or None, as calls before sites)."""
    account = network.qualified(session, **MILANO, **kw)
    head = AccountSite(account_id=account.id, position=0, head_office=True, **MILANO)
    turin = AccountSite(account_id=account.id, position=1, **TORINO)
    session.add_all([head, turin])
    session.flush()
    call = session.scalars(sa.select(CallAttempt).where(CallAttempt.account_id == account.id)).one()
    call.site_id = {"head": head.id, "turin": turin.id, None: None}[qualified_at]
    session.flush()
    return account, head, turin


def salesperson_of(session, account) -> int:
    return session.scalar(
        sa.select(WaveAccount.salesperson_id).where(WaveAccount.account_id == account.id)
    )


def test_a_site_in_another_salespersons_territory_goes_to_that_salesperson(session, network):
    branch, *_ = with_sites(session, network, "turin")
    head_office, *_ = with_sites(session, network, "head")
    before_sites, *_ = with_sites(session, network, None)
    found = {c.account_id: c for c in services.candidates(session)}
    assert (found[branch.id].postcode, found[branch.id].head_office) == ("10121", False)
    assert (found[head_office.id].province, found[head_office.id].head_office) == ("MI", True)
    services.create_wave(session, "Dicembre", 50, by=None)
    assert salesperson_of(session, branch) == network.torino.id  # Turin's rule
    milano = {p.id for p in network.milano}
    assert salesperson_of(session, head_office) in milano  # Milan's pool
    assert salesperson_of(session, before_sites) in milano  # no site chosen: head office


def test_the_owner_keeps_the_head_office_not_a_site_in_anothers_territory(session, network):
    owner = network.milano[0]
    branch, *_ = with_sites(session, network, "turin", salesperson_id=owner.id)
    head_office, *_ = with_sites(session, network, "head", salesperson_id=owner.id)
    services.create_wave(session, "Dicembre", 50, by=None)
    assert salesperson_of(session, branch) == network.torino.id
    assert salesperson_of(session, head_office) == owner.id


def _member(folder, person, suffix: str) -> bytes:
    with zipfile.ZipFile(folder / "salespeople" / person["zip"]["name"]) as one:
        [name] = [n for n in one.namelist() if n.endswith(suffix) and "/crm/" not in n]
        return one.read(name)


def test_the_files_give_the_qualified_sites_address_and_list_the_others(
    app, session, network, exports, pdf_text
):
    account, head, turin = with_sites(
        session, network, "turin", company_name="LOGISTICA SABAUDA", legal_form="SRL"
    )
    session.add_all([
        AccountPhone(account_id=account.id, position=0, raw="02 5801234", e164="+39025801234",
                     kind=PhoneKind.FIXED, site_id=head.id),
        AccountPhone(account_id=account.id, position=1, raw="011 1234567",
                     e164="+390111234567", kind=PhoneKind.FIXED, site_id=turin.id),
    ])  # fmt: skip
    wave = services.create_wave(session, "Dicembre 2026", 50, by=None)
    services.confirm_wave(session, wave, by=None)
    with app.test_request_context():
        run = exporting.start_export(session, wave, by=None)
    session.commit()
    run_jobs(app, session)
    session.refresh(run)
    assert run.status == ExportStatus.DONE, run.message
    folder = exports / run.folder
    [person] = run.manifest["salespeople"]
    assert person["code"] == "TO-V01"
    book = load_workbook(io.BytesIO(_member(folder, person, ".xlsx")))
    header, row = list(book.active.iter_rows(values_only=True))
    row = dict(zip(header, row, strict=True))
    assert (row["Indirizzo"], row["Numero civico"], row["CAP"], row["Comune"]) == (
        "Corso Francia", "10", "10121", "Torino")  # fmt: skip
    assert row["Sede"] == "Altra sede"
    assert row["Altre sedi"] == (
        "Sede principale: Viale Mecenate 76, 20138 Milano (MI), tel. 02 580 1234"
    )
    assert row["Telefoni"] == "011 123 4567, 02 580 1234"  # the site's own number first
    body = _member(folder, person, ".csv").decode("utf-8").lstrip("\ufeff")
    [line] = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert (line["Comune"], line["Sede"], line["Altre sedi"]) == (
        "Torino", "Altra sede", row["Altre sedi"])  # fmt: skip
    pdf = folder / "check.pdf"
    pdf.write_bytes(_member(folder, person, ".pdf"))
    text = " ".join(pdf_text(pdf).split())
    assert "Corso Francia 10, 10121 Torino (TO)" in text and "Altra sede" in text
    assert "Sede principale: Viale Mecenate 76, 20138 Milano (MI)" in text
    crm = {}
    with zipfile.ZipFile(folder / "salespeople" / person["zip"]["name"]) as one:
        for name in one.namelist():
            if "/crm/" in name:
                crm[name.rsplit("/", 1)[1]] = one.read(name).decode("utf-8")
    [eim] = list(csv.DictReader(io.StringIO(crm["EIM_ACCOUNT.csv"])))
    assert (eim["ADDR_ADDR"], eim["ADDR_CITY"], eim["LOC"], eim["MAIN_PH_NUM"]) == (
        "CORSO FRANCIA 10", "Torino", "Torino", "+390111234567")  # fmt: skip
    assert eim["X_SITE_TYPE"] == "other_site"
    assert eim["X_OTHER_SITES"] == "VIALE MECENATE 76, 20138 Milano (MI), +39025801234"
