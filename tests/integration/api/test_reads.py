"""The read endpoints, each with the data it serves, its pages and its scope."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import Account, AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.distribution.models import ExportRun, ExportStatus, Wave, WaveAccount, WaveStatus
from tests import factories

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def pages(client, url: str, headers: dict, **query) -> list[list[dict]]:
    """Every page of a list, following next_cursor."""
    found, cursor = [], None
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        response = client.get(url, headers=headers, query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        found.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def test_accounts_changed_since_page_by_page_in_a_stable_order(client, session, bearer):
    made = []
    for n in range(5):
        account = factories.account(session, vat_number=f"0000000000{n}")
        account.updated_at = T0 + timedelta(minutes=n % 3)  # ties on the time: id decides
        made.append(account)
    session.add(AccountPhone(account_id=made[0].id, raw="02 1234567", e164="+39021234567",
                             kind=PhoneKind.FIXED))  # fmt: skip
    factories.account(session, practice=True, updated_at=T0)  # invented: never served
    session.flush()
    since = (T0 - timedelta(seconds=1)).isoformat()
    got = pages(client, "/api/v1/accounts", bearer, changed_since=since, limit=2)
    assert [len(p) for p in got] == [2, 2, 1]
    order = sorted(made, key=lambda a: (a.updated_at, a.id))
    assert [a["key"] for p in got for a in p] == [a.key for a in order]
    first = next(a for p in got for a in p if a["key"] == made[0].key)
    assert first["phones"] == [{"number": "+39021234567", "raw": "02 1234567", "kind": "fixed"}]
    later = (T0 + timedelta(minutes=2)).isoformat()
    assert {a["key"] for p in pages(client, "/api/v1/accounts", bearer, changed_since=later)
            for a in p} == {made[2].key}  # fmt: skip


def test_account_by_key_by_vat_and_merged(client, session, bearer):
    kept = factories.account(session, vat_number="01234567890", status=AccountStatus.READY)
    gone = factories.account(session, vat_number="01234567890", merged_into_id=kept.id)
    response = client.get(f"/api/v1/accounts/{gone.key}", headers=bearer)
    assert response.status_code == 200
    assert response.get_json()["merged_into"] == kept.key
    found = client.get("/api/v1/accounts?vat_number=IT01234567890", headers=bearer).get_json()
    assert {a["key"] for a in found["items"]} == {kept.key, gone.key}
    assert client.get("/api/v1/accounts/NOPE", headers=bearer).status_code == 404


def test_campaigns_carry_the_boards_figures(client, session, bearer, users):
    campaign = factories.campaign(session, code="FLEET26")
    factories.qualified(session, campaign, users["agent"])
    factories.campaign(session, code="OTHER")
    session.flush()
    body = client.get("/api/v1/campaigns/FLEET26", headers=bearer).get_json()
    # The board's own row (app.board.services.campaigns_now), not a recomputation.
    from app.board.services import campaigns_now
    from app.extensions import db

    with client.application.test_request_context():
        board = next(r for r in campaigns_now(db.session)["campaigns"] if r["code"] == "FLEET26")
    for name in ("base", "final", "qualified", "attempts", "redemption", "contact_rate"):
        assert body[name] == board[name], name
    listed = pages(client, "/api/v1/campaigns", bearer, limit=1)
    assert {c["code"] for p in listed for c in p} >= {"FLEET26", "OTHER"}


def test_calls_with_their_answers_changed_since(client, session, bearer, users):
    campaign = factories.campaign(session)
    entry = factories.queue_entry(session, campaign)
    early = factories.call(session, entry, users["agent"], "no_answer", T0, T0)
    late = factories.call(session, entry, users["agent"], "qualified", T0 + timedelta(hours=1),
                          T0 + timedelta(hours=1, minutes=4))  # fmt: skip
    late.answers = {"fleet_size": 12}
    factories.call(session, entry, users["agent"], None, T0, None)  # still running: not served
    session.flush()
    all_calls = [c for p in pages(client, "/api/v1/calls", bearer) for c in p]
    assert [c["id"] for c in all_calls] == [early.id, late.id]
    since = (T0 + timedelta(minutes=30)).isoformat()
    body = client.get("/api/v1/calls", headers=bearer, query_string={"changed_since": since})
    (call,) = body.get_json()["items"]
    assert call["answers"] == {"fleet_size": 12} and call["campaign"] == campaign.code
    assert call["account"] == session.get(Account, entry.account_id).key


def _wave(session, users, export_dir):
    zone = factories.zone(session)
    person = factories.salesperson(session, factories.dealer(session, zone))
    wave = Wave(label="Novembre", status=WaveStatus.CONFIRMED, created_by_id=users["staff"].id)
    session.add(wave)
    session.flush()
    accounts = [factories.account(session, status=AccountStatus.DISTRIBUTED) for _ in range(3)]
    for n, account in enumerate(accounts):
        session.add(WaveAccount(wave_id=wave.id, account_id=account.id, salesperson_id=person.id,
                                horizon="3", source="rule", position=n))  # fmt: skip
    folder = export_dir / "wave-1"
    (folder / "salespeople").mkdir(parents=True)
    (folder / "wave.zip").write_bytes(b"PK whole")
    (folder / "salespeople" / "mi.zip").write_bytes(b"PK one")
    keys = [a.key for a in accounts]
    whole = {"name": "wave.zip", "bytes": 8, "sha256": hashlib.sha256(b"PK whole").hexdigest()}
    one = {"salesperson_id": person.id, "code": person.code, "account_keys": keys,
           "zip": {"name": "mi.zip", "bytes": 6}}  # fmt: skip
    manifest = {"zip": whole, "salespeople": [one]}
    run = ExportRun(wave_id=wave.id, status=ExportStatus.DONE, folder="wave-1", manifest=manifest,
                    finished_at=T0)  # fmt: skip
    session.add(run)
    session.flush()
    return wave, person, accounts, run


def test_waves_their_accounts_and_export_files(app, client, session, bearer, users, tmp_path,
                                               monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path))
    wave, person, accounts, _run = _wave(session, users, tmp_path)
    listed = client.get("/api/v1/waves", headers=bearer).get_json()["items"]
    assert [(w["id"], w["accounts"], w["status"]) for w in listed] == [(wave.id, 3, "confirmed")]
    lines = [x for p in pages(client, f"/api/v1/waves/{wave.id}/accounts", bearer, limit=2)
             for x in p]  # fmt: skip
    assert [(x["account"], x["salesperson"]) for x in lines] == [
        (a.key, person.code) for a in accounts
    ]
    exports = client.get(f"/api/v1/waves/{wave.id}/exports", headers=bearer).get_json()["items"]
    files = exports[0]["files"]
    assert [f["name"] for f in files] == ["wave.zip", "mi.zip"]
    download = client.get(files[1]["url"], headers=bearer)
    assert download.status_code == 200 and download.data == b"PK one"
    download.close()
    audited = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "distribution.download")
    ).all()
    assert audited[-1].details["accounts"] == [a.key for a in accounts]
    assert client.get("/api/v1/waves/999999/accounts", headers=bearer).status_code == 404
    wave.status = WaveStatus.CANCELLED  # its accounts went back: its files must not go out
    session.flush()
    assert client.get(files[0]["url"], headers=bearer).status_code == 404


def test_each_endpoint_needs_its_own_scope(client, keys):
    needs = {
        "/api/v1/accounts": "accounts:read",
        "/api/v1/campaigns": "campaigns:read",
        "/api/v1/calls": "calls:read",
        "/api/v1/waves": "distribution:read",
    }
    for url, scope in needs.items():
        others = [s for s in set(needs.values()) if s != scope]
        _key, token = keys.make(*others)
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403, url
        assert response.get_json(force=True)["scope"] == scope
