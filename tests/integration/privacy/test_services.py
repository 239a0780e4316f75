"""Reports hold everything; anonymising removes every personal value and keeps the board."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.accounts.models import Account, Contact
from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.campaigns.models import QueueEntry, QueueState
from app.columns import utcnow
from app.desk.models import CallAttempt
from app.donotcall.models import DncEntry
from app.imports.models import ImportRejection
from app.privacy import services
from app.privacy.documents import render_pdf, to_json
from app.privacy.report import subject_report
from app.scripting.services import load_script
from tests.integration.privacy.conftest import PERSONAL, board_figures, dump

ROOT = Path(__file__).resolve().parents[3]


def test_find_subjects_by_every_identifier(session, seeded):
    key = seeded.account.key
    queries = [
        key,
        key.lower(),
        "IT01114601006",
        PERSONAL["tax_code"].lower(),
        "02/87654321",
        "+39 02 8765 4321",
        PERSONAL["email"].upper(),
        "bianchi",
    ]
    for query in queries:
        found = services.find_subjects(session, query)
        assert seeded.account.id in {s.account.id for s in found if s.kind == "account"}, query
    people = services.find_subjects(session, "347 111 2233")
    assert [(s.kind, s.contact.id) for s in people] == [("contact", seeded.contact.id)]
    assert services.find_subjects(session, "verdesca")[0].contact.id == seeded.contact.id
    assert services.find_subjects(session, "nessuno al mondo") == []
    assert services.find_subjects(session, "%") == []


def test_report_holds_everything(session, seeded):
    report = subject_report(session, seeded.account)
    assert report["account"]["company_name"] == PERSONAL["name"]
    assert report["account"]["vat_number"] == PERSONAL["vat"]
    assert report["phones"][0]["raw"] == PERSONAL["phone_raw"]
    assert [(s["street"], s["head_office"]) for s in report["sites"]] == [
        (PERSONAL["street"], True),
        (PERSONAL["site_street"], False),
    ]
    assert report["sources"][0]["data"]["Telefono"] == PERSONAL["phone_raw"]
    assert report["sources"][0]["file"] == "clienti.xlsx"
    assert report["contacts"][0]["full_name"] == PERSONAL["contact"]
    assert report["fleet"][0]["vehicle_count"] == 14
    assert PERSONAL["contact"] in report["opportunities"][0]["notes"]
    call = report["calls"][0]
    assert call["answers"]["referral_phone"] == PERSONAL["contact_phone"]
    assert PERSONAL["contact"] in call["notes"] and call["outcome"] == "qualified"
    assert PERSONAL["contact"] in call["quality_check"]["note"]
    assert report["drafts"][0]["notes"] == PERSONAL["contact_email"]
    assert len(report["queue_entries"]) == 2
    assert report["field_changes"][0]["before"] == PERSONAL["name"].upper()
    assert report["flags"][0]["value"].startswith(PERSONAL["street"])
    assert report["merged_accounts"][0]["key"] == seeded.merged.key
    assert report["wave_assignments"][0]["wave"] == "Ondata ottobre"
    assert report["do_not_call"][0]["e164"] == PERSONAL["phone"]
    assert [r["row_number"] for r in report["import_rejections"]] == [9]  # not row 10
    assert "test.account_touched" in {e["action"] for e in report["audit"]}


def test_json_is_valid_sorted_and_dated_in_iso(session, seeded):
    body = to_json(subject_report(session, seeded.account))
    data = json.loads(body)
    assert list(data) == sorted(data)
    assert data["calls"][0]["started_at"] == "2026-09-14T09:00:00+00:00"
    assert data["account"]["status"] == "qualified"
    assert body == to_json(json.loads(body))  # stable: plain values come back unchanged


def test_pdf_names_the_company_and_its_sections(session, seeded, tmp_path, app):
    with app.app_context():
        pdf = render_pdf(subject_report(session, seeded.account), locale="en")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    for expected in (
        PERSONAL["name"],
        "Phone numbers",
        "Contact people",
        "Calls",
        "Imported source rows",
        "Do-not-call list",
        PERSONAL["contact"],
    ):
        assert expected in text, expected


def test_coded_answers_come_with_their_labels(session, seeded, tmp_path, app):
    """The desk stores choice codes: the report gives the label its call's script reads."""
    script = load_script(session, ROOT / "call_scripts" / "fleet_qualification.toml")
    session.get(CallAttempt, seeded.call_id).call_script_id = script.id
    opportunity = seeded.account.opportunities[0]
    opportunity.vehicle_kind = "tractor_unit"
    session.flush()
    with app.test_request_context(headers={"Accept-Language": "it"}):
        report = subject_report(session, seeded.account)
        pdf = render_pdf(report, locale="it")
    [shown] = report["opportunities"]
    assert (shown["vehicle_kind"], shown["vehicle_kind_label"]) == (
        "tractor_unit",
        "Trattore stradale",
    )
    assert shown["horizon_label"] == "entro 6 mesi"
    assert report["contacts"][0]["job_title_label"] == "Acquisti"  # text, not a choice
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Trattore stradale" in text


def test_contact_report_is_about_the_person(session, seeded):
    report = subject_report(session, seeded.contact)
    assert report["contact"]["email"] == PERSONAL["contact_email"]
    assert [c["id"] for c in report["calls"]] == [seeded.call_id]
    assert "phones" not in report and "sources" not in report


def test_anonymise_removes_every_personal_value_and_keeps_the_board(session, seeded):
    before = board_figures(session)
    account = seeded.account
    removed = services.anonymise_account(session, account, by=None, reason="richiesta 12/11")
    session.expire_all()
    text = dump(session)
    for name, value in PERSONAL.items():
        hits = [line for line in text.splitlines() if value in line]
        if name == "phone":  # the opposition is honoured: the do-not-call list keeps it
            assert all(line.startswith("dnc_entries:") for line in hits), hits
        else:
            assert hits == [], (name, hits)
    assert board_figures(session) == before
    account = session.get(Account, account.id)
    assert account.company_name == f"Anonimizzato {account.key}"
    assert account.anonymised_at is not None
    assert (account.zone_id, account.province, account.municipality) != (None, None, None)
    assert account.status.value == "qualified" and account.fleet[0].vehicle_count == 14
    call = session.get(CallAttempt, seeded.call_id)
    assert call.outcome == "qualified" and call.answers == {} and call.notes is None
    assert call.horizon_months == 6 and call.agent_id == seeded.agent_id
    assert session.scalar(sa.select(sa.func.count(DncEntry.id))) == 1
    assert session.get(Account, seeded.merged.id).anonymised_at is not None
    assert removed.counts["phones"] == 1 and removed.counts["contacts"] == 1
    other = session.scalar(sa.select(ImportRejection).where(ImportRejection.row_number == 10))
    assert other.data["Mail"] == "altro@example.it"  # another company's row is left alone
    states = set(
        session.scalars(sa.select(QueueEntry.state).where(QueueEntry.account_id == account.id))
    )
    assert states == {QueueState.DONE}


def test_anonymise_is_idempotent_and_audited_without_personal_data(session, seeded, users):
    account = seeded.account
    services.anonymise_account(session, account, by=users["staff"].id, reason="ticket 7")
    again = services.anonymise_account(session, account, by=users["staff"].id, reason="ticket 7")
    assert not again.anything
    entries = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "privacy.anonymise")
    ).all()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.user_id, entry.object_id) == (users["staff"].id, str(account.id))
    assert entry.details["reason"] == "ticket 7" and "company_name" in entry.details["fields"]
    assert all(v not in json.dumps(entry.details) for v in PERSONAL.values())


def test_anonymise_needs_a_reason_and_waits_for_a_live_call(session, seeded):
    with pytest.raises(services.PrivacyError, match="Say why"):
        services.anonymise_account(session, seeded.account, by=None, reason="  ")
    entry = session.scalar(sa.select(QueueEntry).where(QueueEntry.account_id == seeded.account.id))
    entry.state, entry.lease_expires_at = QueueState.LEASED, utcnow().replace(year=2100)
    session.flush()
    with pytest.raises(services.PrivacyError, match="on the phone"):
        services.anonymise_account(session, seeded.account, by=None, reason="ticket")
    assert session.get(Account, seeded.account.id).anonymised_at is None


def test_erase_contact_keeps_the_company(session, seeded):
    done = services.erase_contact(session, seeded.contact, by=None, reason="chiesto da lei")
    session.expire_all()
    assert done["rows_scrubbed"] == 2  # the call and the draft
    assert session.get(Contact, seeded.contact.id) is None
    call = session.get(CallAttempt, seeded.call_id)
    assert call.answers["fleet_size"] == 14 and call.answers["referral_name"] == "[…]"
    assert call.notes == "Parlato con […], richiamare"
    assert session.get(Account, seeded.account.id).company_name == PERSONAL["name"]
    entry = session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "privacy.erase_contact")
    )
    assert entry.object_id == str(seeded.contact.id) and PERSONAL["contact"] not in str(
        entry.details
    )


@pytest.mark.parametrize(
    ("value", "expected", "n"),
    [
        ({"a": "Luisa Verdesca", "b": 3}, {"a": "[…]", "b": 3}, 1),
        (["chiamare luisa verdesca", "altro"], ["chiamare […]", "altro"], 1),
        ("nessuno", "nessuno", 0),
        (None, None, 0),
    ],
)
def test_scrub_values(value, expected, n):
    assert services.scrub_values(value, ["Luisa Verdesca"]) == (expected, n)


def test_segments_never_select_an_anonymised_account(session):
    from app.accounts.segments import Segment, account_ids
    from tests import factories

    kept = factories.account(session, status=AccountStatus.READY)
    gone = factories.account(session, status=AccountStatus.READY)
    services.anonymise_account(session, gone, by=None, reason="ticket")
    assert account_ids(session, Segment()) == [kept.id]


def test_anonymise_clears_the_words_of_a_result_and_keeps_the_sale(session, seeded):
    from datetime import date

    from app.results.models import AccountResult

    said = f"Ha firmato {PERSONAL['contact']}, richiamare"
    session.add(
        AccountResult(
            account_id=seeded.account.id,
            outcome="sold",
            occurred_on=date(2026, 11, 2),
            vehicles=2,
            value=1000,
            notes=said,
            source="staff",
            recorded_at=utcnow(),
        )
    )
    session.flush()
    removed = services.anonymise_account(session, seeded.account, by=None, reason="ticket 9")
    session.expire_all()
    result = session.scalars(sa.select(AccountResult)).one()
    assert result.notes is None and (result.outcome, result.vehicles) == ("sold", 2)
    assert removed.counts["result_notes"] == 1


def test_the_subject_report_lists_the_results_after_the_hand_off(session, seeded):
    """A salesperson's or the CRM's words about the company are its data too (right of
    access): the report lists each result with its notes."""
    from datetime import date

    from app.results.models import AccountResult

    said = f"Ha firmato {PERSONAL['contact']}, richiamare"
    session.add(AccountResult(account_id=seeded.account.id, outcome="sold",
                              occurred_on=date(2026, 11, 2), vehicles=2, value=1000, notes=said,
                              source="crm_extract", recorded_at=utcnow()))  # fmt: skip
    session.flush()
    [result] = subject_report(session, seeded.account)["results"]
    assert (result["outcome"], result["vehicles"], result["notes"]) == ("sold", 2, said)
    assert result["source"] == "crm_extract"
