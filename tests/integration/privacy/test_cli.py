"""``flask privacy export|anonymise|erase-contact|retention``: audited, with no user."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from pypdf import PdfReader

from app.accounts.models import Account, Contact
from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from tests import factories
from tests.integration.privacy.conftest import PERSONAL


def audit(session, action: str) -> list[AuditEntry]:
    return session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_export_writes_json_and_pdf(runner, session, seeded, tmp_path):
    out, pdf = tmp_path / "out.json", tmp_path / "out.pdf"
    result = runner.invoke(
        args=["privacy", "export", seeded.account.key, "--json", str(out), "--pdf", str(pdf),
              "--locale", "en"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["account"]["vat_number"] == PERSONAL["vat"]
    assert PERSONAL["name"] in PdfReader(pdf).pages[0].extract_text()
    [entry] = audit(session, "privacy.export")
    assert entry.user_id is None and entry.details == {
        "key": seeded.account.key, "form": "json+pdf", "via": "shell"
    }  # fmt: skip
    missing = runner.invoke(args=["privacy", "export", seeded.account.key])
    assert missing.exit_code != 0 and "--json" in missing.output
    unknown = runner.invoke(args=["privacy", "export", "QNOPE", "--json", str(out)])
    assert unknown.exit_code == 1 and "Nessun account ha la chiave QNOPE" in unknown.output


def test_anonymise_asks_then_reports(runner, session, seeded):
    key = seeded.account.key
    declined = runner.invoke(args=["privacy", "anonymise", key, "--reason", "r"], input="n\n")
    assert declined.exit_code == 1
    session.expire_all()
    assert session.get(Account, seeded.account.id).anonymised_at is None
    done = runner.invoke(args=["privacy", "anonymise", key, "--reason", "PEC 3/11"], input="y\n")
    assert done.exit_code == 0, done.output
    assert f"Anonymised {key}" in done.output and "contacts 1" in done.output
    again = runner.invoke(args=["privacy", "anonymise", key, "--reason", "PEC 3/11", "--yes"])
    assert "already anonymised" in again.output
    [entry] = audit(session, "privacy.anonymise")
    assert entry.user_id is None and entry.details["via"] == "shell"


def test_erase_contact(runner, session, seeded):
    contact_id = seeded.contact.id
    result = runner.invoke(args=["privacy", "erase-contact", str(contact_id), "--reason", "r"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.get(Contact, contact_id) is None
    assert (
        runner.invoke(args=["privacy", "erase-contact", "999999", "--reason", "r"]).exit_code == 1
    )


def test_retention_command(runner, session):
    old = datetime(2020, 1, 1, tzinfo=UTC)
    account = factories.account(session, status=AccountStatus.READY, updated_at=old)
    dry = runner.invoke(args=["privacy", "retention", "--dry-run"])
    assert dry.exit_code == 0 and "none changed" in dry.output
    session.expire_all()
    assert session.get(Account, account.id).anonymised_at is None
    result = runner.invoke(args=["privacy", "retention"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 1 account(s)" in result.output
    session.expire_all()
    assert session.get(Account, account.id).anonymised_at is not None
    [entry] = audit(session, "privacy.retention")
    assert entry.details["via"] == "shell" and entry.details["anonymised"] == 1


def test_cron_needs_redis(runner):
    result = runner.invoke(args=["privacy", "cron"])
    assert result.exit_code == 1 and "REDIS_URL is not set" in result.output
