"""``accounts:write``: accounts through the import's cleaning and matching, by key, with
``Idempotency-Key`` (docs/api.md)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Account
from app.imports.models import ImportBatch
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities

ROSSI = {"external_id": "CRM-1", "company_name": "autotrasporti rossi srl",
         "street": "via roma 12", "postcode": "24121", "municipality": "BERGAMO",
         "province": "bg", "vat_number": "IT 00743110157", "phone": "035 123456"}  # fmt: skip


@pytest.fixture
def municipalities(session):
    rows = [m for m in bundled_municipalities() if m.province_code in ("BG", "MI")]
    load_municipalities(session, rows, BUNDLED_REFERENCE_DATE)
    session.flush()


@pytest.fixture
def writer(keys):
    _key, token = keys.make("accounts:write", "accounts:read", name="CRM Lombardia")
    return {"Authorization": f"Bearer {token}"}


def test_accounts_are_cleaned_and_created_then_updated_not_duplicated(
    client, session, municipalities, writer
):
    sent = client.post("/api/v1/accounts", json={"records": [ROSSI]}, headers=writer)
    assert sent.status_code == 200, sent.json
    report = sent.json
    assert report["totals"]["created"] == 1 and report["source"] == "CRM Lombardia"
    [record] = report["records"]
    assert (record["index"], record["external_id"], record["action"]) == (0, "CRM-1", "created")
    account = session.scalars(sa.select(Account).where(Account.key == record["account_key"])).one()
    assert (account.vat_number, account.province, account.istat_code) == (
        "00743110157", "BG", "016024",
    )  # fmt: skip
    again = client.post("/api/v1/accounts", json={"records": [{**ROSSI, "email": "info@rossi.it"}]},
                        headers=writer)  # fmt: skip
    assert again.json["records"][0]["action"] == "updated"
    assert again.json["records"][0]["account_key"] == record["account_key"]
    assert session.scalar(sa.select(sa.func.count(Account.id))) == 1


def test_a_retried_request_with_its_idempotency_key_creates_nothing_twice(
    client, session, municipalities, writer
):
    headers = {**writer, "Idempotency-Key": "lot-2026-12-06-1"}
    first = client.post("/api/v1/accounts", json={"records": [ROSSI]}, headers=headers)
    retried = client.post("/api/v1/accounts", json={"records": [ROSSI]}, headers=headers)
    assert first.status_code == retried.status_code == 200
    assert retried.json == first.json
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 1
    other = client.post("/api/v1/accounts", json={"records": [{**ROSSI, "external_id": "X"}]},
                        headers=headers)  # fmt: skip
    assert other.status_code == 422 and other.mimetype == "application/problem+json"


def test_bad_records_are_refused_one_by_one_and_the_good_ones_land(client, municipalities, writer):
    records = [ROSSI, {"external_id": "CRM-2", "colour": "blue"}, {"external_id": "CRM-3"}]
    sent = client.post("/api/v1/accounts", json={"records": records},
                       headers={**writer, "Accept-Language": "it"})  # fmt: skip
    actions = [r["action"] for r in sent.json["records"]]
    assert actions == ["created", "rejected", "rejected"]
    assert "colour" in sent.json["records"][1]["messages"][0]["text"]


def test_a_call_without_records_or_beyond_the_limit_is_a_problem(client, municipalities, writer):
    empty = client.post("/api/v1/accounts", json={"records": []}, headers=writer)
    assert empty.status_code == 422 and empty.mimetype == "application/problem+json"
    many = client.post("/api/v1/accounts", json={"records": [ROSSI] * 5_001}, headers=writer)
    assert many.status_code == 422


def test_writing_needs_its_scope(client, municipalities, bearer):
    refused = client.post("/api/v1/accounts", json={"records": [ROSSI]}, headers=bearer)
    assert refused.status_code == 403 and refused.json["scope"] == "accounts:write"


def test_an_empty_municipality_list_is_a_problem_not_a_crash(client, writer):
    sent = client.post("/api/v1/accounts", json={"records": [ROSSI]}, headers=writer)
    assert sent.status_code == 422 and "load-municipalities" in sent.json["detail"]


def test_an_account_is_found_by_the_external_id_it_was_sent_with(client, municipalities, writer):
    sent = client.post("/api/v1/accounts", json={"records": [ROSSI]}, headers=writer)
    key = sent.json["records"][0]["account_key"]
    found = client.get("/api/v1/accounts?external_id=CRM-1", headers=writer)
    assert [a["key"] for a in found.json["items"]] == [key]
    assert client.get("/api/v1/accounts?external_id=CRM-9", headers=writer).json["items"] == []
