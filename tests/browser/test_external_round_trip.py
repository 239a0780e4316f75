"""The round trip with the outside data company, as staff do it: a segment's file out as
CSV, the company's corrections back (a street, a phone, an ERRATO, a CESSATA on an account
waiting in a campaign queue, a company it found), applied by a job whose progress the page
follows, and the report (issue 27, docs/imports.md "The external company's file back")."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import Account, AccountFlag, AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.campaigns.queueing import enqueue_accounts
from app.extensions import db
from app.external.applying import REASON
from app.imports.models import FieldChange
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.test_import import reference  # noqa: F401 - the municipalities, loaded
from tests.browser.test_injection import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def zone_world(live_app) -> dict[str, object]:
    """Four companies of Milan in a zone of their own (so the segment holds them only),
    one of them waiting in a campaign's queue."""
    tag = uuid.uuid4().hex[:6].upper()
    with live_app.app_context():
        s = db.session
        zone = factories.zone(s, code=f"RT{tag}", name=f"Zona RT {tag}")
        names = {"rossi": "VIA TORINO", "bianchi": "VIA PADOVA", "verdi": "VIA LARGA",
                 "neri": "VIA DANTE"}  # fmt: skip
        accounts = {}
        for n, (name, street) in enumerate(names.items()):
            account = factories.account(
                s, company_name=f"TRASPORTI {name.upper()} {tag}", legal_form="SRL",
                street=street, house_number=str(n + 1), postcode="20121", municipality="Milano",
                province="MI", istat_code="015146", zone_id=zone.id, status=AccountStatus.READY,
            )  # fmt: skip
            number = f"027202{tag_digits(tag)}{n}"
            account.phones.append(AccountPhone(raw=number, e164=f"+39{number}",
                                               kind=PhoneKind.FIXED, position=0))  # fmt: skip
            accounts[name] = account
        s.flush()
        campaign = factories.campaign(s, code=f"RT{tag}", name=f"Ritorno {tag}")
        enqueue_accounts(s, campaign, [accounts["neri"].id])
        s.commit()
        return {"tag": tag, "zone": zone.name, "campaign": campaign.code,
                "keys": {name: a.key for name, a in accounts.items()}}  # fmt: skip


def tag_digits(tag: str) -> str:
    """Three digits from the tag: each run's phone numbers are its own."""
    return f"{int(tag, 16) % 1000:03d}"


def company_edits(exported: bytes, world: dict[str, object]) -> bytes:
    """The file as the company sends it back: read, corrected, written as it came."""
    text = exported.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    header = list(rows[0])
    keys = world["keys"]
    by_key = {r["KEY"]: r for r in rows}
    assert set(by_key) == set(keys.values())  # the segment: the zone's four companies
    by_key[keys["rossi"]].update(INDIRIZZO="Via Melchiorre Gioia", ESITO="MODIFICATO")
    by_key[keys["bianchi"]].update(TELEFONO="02 4547 1234", ESITO="MODIFICATO")
    by_key[keys["verdi"]].update(ESITO="ERRATO", NOTE="Ragione sociale cambiata nel 2025")
    by_key[keys["neri"]].update(ESITO="CESSATA")
    new = dict.fromkeys(header, "")
    new.update(RAGIONE_SOCIALE=f"NUOVA LOGISTICA {world['tag']}", FORMA_GIURIDICA="SRL",
               INDIRIZZO="Via Roma", CIVICO="1", CAP="20121", COMUNE="Milano",
               PROVINCIA="MI", TELEFONO="02 4547 9876")  # fmt: skip
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows([*rows, new])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def test_staff_send_a_segment_out_and_apply_the_company_s_file(
    page,
    live_app,
    reference,  # noqa: F811
    zone_world,
    tmp_path,
) -> None:
    sign_in(page, "staff")
    page.goto("/external/")
    page.get_by_label("Zone", exact=True).select_option(label=zone_world["zone"])
    page.get_by_label("Stato", exact=True).select_option(["ready", "queued"])
    page.get_by_role("button", name="Conta").click()
    expect(page.get_by_test_id("external-count")).to_contain_text("4")

    page.get_by_label("Formato").select_option("csv")
    with page.expect_download() as download:
        page.get_by_role("button", name="Esporta il file per la società esterna").click()
    exported = tmp_path / "normalizzazione.csv"
    download.value.save_as(exported)
    back = tmp_path / f"ritorno-{zone_world['tag']}.csv"
    back.write_bytes(company_edits(exported.read_bytes(), zone_world))

    page.get_by_label("Il file della società esterna (CSV o XLSX)").set_input_files(str(back))
    page.get_by_role("button", name="Importa le correzioni").click()
    page.wait_for_url("**/external/*")
    changed = page.get_by_test_id("changed-by-field")
    expect(changed).to_be_visible(timeout=60_000)  # the job ended and the page reloaded
    expect(page.get_by_test_id("return-progress")).to_have_count(0)
    screenshot(page, "external-round-trip-report")

    keys = zone_world["keys"]
    expect(changed.locator("tr", has_text="Indirizzo")).to_contain_text("1")
    expect(changed.locator("tr", has_text="Telefono")).to_contain_text("1")
    expect(changed.locator("tr", has_text="Stato")).to_contain_text("1")
    expect(page.get_by_test_id("doubts")).to_contain_text(keys["verdi"])
    expect(page.get_by_test_id("doubts")).to_contain_text("Ragione sociale cambiata nel 2025")
    closed = page.get_by_test_id("closed")
    expect(closed).to_contain_text(keys["neri"])
    expect(closed).to_contain_text(f"tolto dalla coda della campagna {zone_world['campaign']}")
    expect(page.get_by_test_id("new-accounts")).to_contain_text("account creati: 1")

    with live_app.app_context():
        s = db.session
        found = s.execute(
            sa.select(Account.key, FieldChange.field, FieldChange.after)
            .join(Account, Account.id == FieldChange.account_id)
            .where(FieldChange.reason == REASON, Account.key.in_(keys.values()))
        ).all()  # fmt: skip
        assert sorted(tuple(r) for r in found) == sorted([
            (keys["rossi"], "street", "VIA MELCHIORRE GIOIA"),
            (keys["bianchi"], "phone", "+390245471234"),
            (keys["neri"], "status", "invalid"),
        ])  # fmt: skip
        neri = s.scalars(sa.select(Account).where(Account.key == keys["neri"])).one()
        assert neri.status == AccountStatus.INVALID
        doubt = s.scalars(
            sa.select(AccountFlag)
            .join(Account)
            .where(Account.key == keys["verdi"], AccountFlag.reason == "external_wrong")
        ).one()
        assert doubt.value == "Ragione sociale cambiata nel 2025"
        created = s.scalar(sa.select(sa.func.count(Account.id)).where(
            Account.company_name.like(f"NUOVA LOGISTICA {zone_world['tag']}%")))  # fmt: skip
        assert created == 1
