"""``results:write``: what a CRM says happened to a handed-off account (docs/api.md)."""

from __future__ import annotations

import sqlalchemy as sa

from app.api.services import create_key
from app.results.models import AccountResult


def key(session, *scopes):
    _key, token = create_key(session, name="Siebel", scopes=list(scopes), actor_id=None)
    session.flush()
    return {"Authorization": f"Bearer {token}"}


def test_a_sale_is_recorded_by_account_key_once_per_reference(client, session, handed):
    headers = key(session, "results:write")
    alfa = handed.milano[0]
    body = {"account_key": alfa.key, "outcome": "sold", "occurred_on": "2026-11-02",
            "vehicles": 3, "value": "184000.50", "external_ref": "OPP-77"}  # fmt: skip
    sent = client.post("/api/v1/results", json=body, headers=headers)
    assert sent.status_code == 201, sent.json
    assert sent.json["source"] == "api:Siebel" and sent.json["value"] == "184000.50"
    again = client.post("/api/v1/results", json=body, headers=headers)
    assert again.json["id"] == sent.json["id"]
    assert session.scalar(sa.select(sa.func.count(AccountResult.id))) == 1


def test_a_result_by_vat_number_and_the_refusals_as_problems(client, session, handed):
    headers = {**key(session, "results:write"), "Accept-Language": "en"}
    visit = {"vat_number": "01234567897", "outcome": "visited", "occurred_on": "2026-11-03"}
    by_vat = client.post("/api/v1/results", json=visit, headers=headers)
    assert by_vat.status_code == 201 and by_vat.json["account_key"] == handed.milano[0].key
    no_date = client.post("/api/v1/results", json={"account_key": handed.milano[0].key,
                          "outcome": "sold", "vehicles": 2}, headers=headers)  # fmt: skip
    assert no_date.status_code == 422 and no_date.mimetype == "application/problem+json"
    assert no_date.json["errors"]
    unknown = client.post("/api/v1/results", json={"account_key": "QX-NOPE", "outcome": "lost"},
                          headers=headers)  # fmt: skip
    assert unknown.status_code == 404
    nothing = client.post("/api/v1/results", json={"outcome": "lost"}, headers=headers)
    assert nothing.status_code == 422


def test_recording_needs_its_scope(client, session, handed):
    headers = key(session, "accounts:read")
    sent = client.post("/api/v1/results", json={"account_key": handed.milano[0].key,
                       "outcome": "visited"}, headers=headers)  # fmt: skip
    assert sent.status_code == 403
