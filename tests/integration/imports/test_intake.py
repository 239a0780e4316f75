"""Accounts sent by an integration: the import's cleaning, matching and writing, per record."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.accounts.models import Account, AccountSource
from app.accounts.status import AccountStatus
from app.donotcall.models import DncEntry, DncSource
from app.imports.intake import MAX_RECORDS, IntakeRefused, upsert_accounts
from app.imports.intake_checks import MAX_VALUE_CHARS
from app.imports.models import BatchStatus, ImportBatch, ImportRejection, SourceKind
from app.imports.services import recent_batches

ROSSI = {
    "external_id": "HS-1",
    "company_name": "autotrasporti rossi s.r.l.",
    "street": "V. Roma 12",
    "postcode": "6121",
    "municipality": "PERUGIA",
    "vat_number": "743110157",
    "phone": "075 1234567",
}


@pytest.fixture
def send(app, session, reference):
    def run(records, source="hubspot", locale="en", **kwargs):
        with app.test_request_context(), force_locale(locale):
            return upsert_accounts(session, records, source=source, reference=reference, **kwargs)

    return run


def accounts(session) -> list[Account]:
    return list(session.scalars(sa.select(Account).order_by(Account.id)))


def test_a_record_becomes_a_clean_account_with_its_report(session, send) -> None:
    report = send([ROSSI])
    (rossi,) = accounts(session)
    (result,) = report.records
    assert (result.index, result.external_id, result.action) == (0, "HS-1", "created")
    assert result.account_key == rossi.key
    assert (rossi.company_name, rossi.legal_form, rossi.street, rossi.house_number) == (
        "AUTOTRASPORTI ROSSI", "SRL", "VIA ROMA", "12")  # fmt: skip
    assert (rossi.postcode, rossi.province, rossi.istat_code, rossi.vat_number) == (
        "06121", "PG", "054039", "00743110157")  # fmt: skip
    assert [p.e164 for p in rossi.phones] == ["+390751234567"]
    codes = {m.code for m in result.messages}
    assert {"postcode_leading_zeros_restored", "vat_leading_zeros_restored"} <= codes
    assert report.totals == {"records": 1, "created": 1, "updated": 0, "merged": 0,
                             "held_for_review": 0, "rejected": 0}  # fmt: skip
    batch = session.get(ImportBatch, report.batch_id)
    assert (batch.source_kind, batch.filename, batch.status) == (
        SourceKind.API, "api:hubspot", BatchStatus.DONE)  # fmt: skip
    assert batch.report["accounts_created"] == 1 and batch in recent_batches(session)
    source = session.scalars(sa.select(AccountSource)).one()
    assert (source.external_id, source.data["external_id"], source.row_number) == (
        "HS-1",
        "HS-1",
        1,
    )


def test_the_same_record_sent_again_updates_its_account(session, send) -> None:
    first = send([ROSSI])
    again = send([ROSSI])
    assert len(accounts(session)) == 1
    (result,) = again.records
    assert result.action == "updated" and result.account_key == first.records[0].account_key
    assert "unchanged" in {m.code for m in result.messages}


def test_a_known_external_id_updates_its_account_whatever_it_now_says(session, send) -> None:
    """Nothing in this record would let matching find the account: its id does."""
    send([ROSSI])
    changed = {"external_id": "HS-1", "company_name": "Logistica Umbra", "phone": "075 7654321"}
    report = send([changed])
    (rossi,) = accounts(session)
    assert report.records[0].action == "updated" and report.records[0].account_key == rossi.key
    assert rossi.company_name == "AUTOTRASPORTI ROSSI"  # kept, never silently overwritten
    assert sorted(p.e164 for p in rossi.phones) == ["+390751234567", "+390757654321"]
    # The same id from another integration is another record.
    other = send([{"external_id": "HS-1", "company_name": "Logistica Umbra"}], source="espocrm")
    assert other.records[0].action == "created" and len(accounts(session)) == 2


def test_a_record_with_a_stored_vat_number_updates_that_account(session, send) -> None:
    send([ROSSI], source="crm")
    report = send([{"external_id": "77", "company_name": "Autotrasp. Rossi",
                    "vat_number": "IT00743110157", "email": "info@rossi.it"}])  # fmt: skip
    (rossi,) = accounts(session)
    assert report.records[0].action == "updated" and report.records[0].account_key == rossi.key
    assert rossi.email == "info@rossi.it" and rossi.company_name == "AUTOTRASPORTI ROSSI"


def test_a_record_another_integration_sent_as_it_is_keeps_this_ones_id(session, send) -> None:
    send([ROSSI], source="crm")
    assert send([ROSSI]).records[0].action == "updated"  # the same company, found
    changed = {**ROSSI, "company_name": "Logistica Umbra", "vat_number": "", "phone": ""}
    report = send([{**changed, "street": "", "municipality": "", "postcode": ""}])
    assert report.records[0].action == "updated"  # by its id in this integration
    assert len(accounts(session)) == 1


def test_a_duplicate_within_the_request_is_merged(session, send) -> None:
    again = {**ROSSI, "external_id": "HS-2", "company_name": "AUTOTRASPORTI ROSSI SRL",
             "phone": "", "email": "info@rossi.it"}  # fmt: skip
    report = send([ROSSI, again])
    (rossi,) = accounts(session)
    assert [r.action for r in report.records] == ["created", "merged"]
    assert {r.account_key for r in report.records} == {rossi.key}
    assert rossi.email == "info@rossi.it"
    assert report.totals["merged"] == 1


def test_a_possible_duplicate_is_held_for_review(session, send) -> None:
    verdi = {"company_name": "Trasporti Verdi Luigi", "postcode": "20121",
             "municipality": "Milano", "province": "MI"}  # fmt: skip
    report = send([verdi, {**verdi, "company_name": "TRASPORTI VERDI LUIGI"}])
    assert [r.action for r in report.records] == ["held_for_review", "held_for_review"]
    assert len({r.account_key for r in report.records}) == 2


def test_bad_records_are_rejected_with_their_reasons_and_the_rest_lands(session, send) -> None:
    records = [
        "Rossi SRL",
        {"company_name": "Bianchi SRL", "colour": "red", "size": "L"},
        {"street": "Via Po 1", "municipality": "Torino"},
        {"company_name": ["Verdi"]},
        {"company_name": "N" * (MAX_VALUE_CHARS + 1)},
        {"company_name": "Neri SRL", "external_id": "A"},
        {"company_name": "Neri Trasporti", "external_id": "A"},
        ROSSI,
    ]
    report = send(records)
    actions = [r.action for r in report.records]
    assert actions == ["rejected"] * 5 + ["created", "rejected", "created"]
    codes = [[m.code for m in r.messages] for r in report.records]
    assert codes[:5] == [["not_an_object"], ["unknown_field"], ["company_name_missing"],
                         ["value_not_text"], ["value_too_long"]]  # fmt: skip
    assert codes[6] == ["external_id_repeated"]
    unknown = report.records[1].messages[0]
    assert "colour" in unknown.text and "size" in unknown.text
    assert report.totals["rejected"] == 6 and report.totals["created"] == 2
    assert [a.company_name for a in accounts(session)] == ["NERI", "AUTOTRASPORTI ROSSI"]
    rejected = session.scalars(sa.select(ImportRejection).order_by(ImportRejection.row_number))
    assert [(r.row_number, r.reason) for r in rejected] == [
        (1, "not_an_object"), (2, "unknown_field"), (3, "company_name_missing"),
        (4, "value_not_text"), (5, f"value_too_long:company_name:{MAX_VALUE_CHARS}"),
        (7, "external_id_repeated")]  # fmt: skip
    batch = session.get(ImportBatch, report.batch_id)
    assert (batch.rows_read, batch.rows_rejected) == (8, 6)


def test_messages_are_in_the_callers_language(send) -> None:
    bad = [{"company_name": "Bianchi SRL", "colour": "red"}]
    italian = send(bad, locale="it").records[0].messages[0].text
    english = send(bad, locale="en").records[0].messages[0].text
    assert english.startswith("Unknown field") and italian.startswith("Campo sconosciuto")


def test_too_many_records_or_not_a_list_is_refused_whole(session, send) -> None:
    with pytest.raises(IntakeRefused, match=f"{MAX_RECORDS:,}"):
        send([{"company_name": "X"}] * (MAX_RECORDS + 1))
    with pytest.raises(IntakeRefused):
        send({"company_name": "X"})
    with pytest.raises(IntakeRefused, match="at least one"):
        send([])
    with pytest.raises(IntakeRefused):
        send([ROSSI], source=" ")
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_province_and_istat_code_are_cleaned_as_the_import_cleans_them(session, send) -> None:
    report = send([
        {"company_name": "Verdi SNC", "municipality": "Cinisello B.", "postcode": "20092",
         "province": "Milano", "phone": "02 6123456"},
        {"company_name": "Neri SAS", "municipality": "Castro", "phone": "0823 123456"},
    ])  # fmt: skip
    verdi, neri = accounts(session)
    assert (verdi.municipality, verdi.istat_code, verdi.province) == (
        "Cinisello Balsamo", "015077", "MI")  # fmt: skip
    assert {"province_name_to_code", "municipality_matched_shortened"} <= {
        m.code for m in report.records[0].messages}  # fmt: skip
    assert neri.istat_code is None and neri.status == AccountStatus.TO_REVIEW
    doubt = next(m for m in report.records[1].messages if m.code == "municipality_ambiguous")
    assert (doubt.kind, doubt.field) == ("doubt", "municipality")


def test_the_do_not_call_list_applies_to_what_an_integration_sends(session, send) -> None:
    session.add(DncEntry(source=DncSource.STAFF, vat_number="00743110157", reason="opposed"))
    session.flush()
    send([ROSSI])
    (rossi,) = accounts(session)
    assert rossi.do_not_call


def test_the_batch_is_shown_to_staff_like_any_import(client, session, send, users, auth) -> None:
    report = send([ROSSI, "not a record"])
    session.commit()
    auth.login("staff")
    assert "api:hubspot" in client.get("/imports/").get_data(as_text=True)
    page = client.get(f"/imports/{report.batch_id}").get_data(as_text=True)
    assert 'data-testid="import-report"' in page
    rejected = client.get(f"/imports/{report.batch_id}/rejected.csv").get_data(as_text=True)
    assert "not a record" in rejected
