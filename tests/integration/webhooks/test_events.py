"""The events are emitted where the work finishes, in its transaction, with small payloads
(ids, keys, codes, times; no company names, people or phones)."""

from __future__ import annotations

import pytest

from app.distribution import exporting, services
from tests.integration.desk.conftest import queued_account
from tests.integration.desk.test_outcomes import QUALIFYING, outcome, take
from tests.integration.webhooks.conftest import run_jobs, subscribe

pytestmark = pytest.mark.usefixtures("webhook_settings")


def received(receiver) -> dict[str, dict]:
    return {r.json["event"]: r.json["data"] for r in receiver.requests}


def test_a_qualifying_call_emits_call_recorded_and_account_qualified(
    app,
    session,
    receiver,
    campaign,
    agent,
):
    subscribe(session, receiver, events=["call.recorded", "account.qualified"])
    account = queued_account(session, campaign)
    with app.app_context():
        attempt = outcome(session, take(session, campaign, agent), "qualified", QUALIFYING)
    session.commit()
    run_jobs(app, session)
    events = received(receiver)
    assert events["call.recorded"] == {
        "account_key": account.key, "campaign": "DESK", "call_id": attempt.id,
        "outcome": "qualified", "qualified": True, "agent_id": agent.id,
        "started_at": attempt.started_at.isoformat(), "ended_at": attempt.ended_at.isoformat(),
    }  # fmt: skip
    assert events["account.qualified"] == {
        "account_key": account.key, "campaign": "DESK", "call_id": attempt.id,
        "qualified_at": attempt.ended_at.isoformat(),
    }  # fmt: skip
    assert b"Rossi" not in b"".join(r.body for r in receiver.requests)


def test_a_call_that_does_not_qualify_emits_only_call_recorded(
    app,
    session,
    receiver,
    campaign,
    agent,
):
    subscribe(session, receiver, events=["call.recorded", "account.qualified"])
    queued_account(session, campaign)
    with app.app_context():
        outcome(session, take(session, campaign, agent), "busy")
    session.commit()
    run_jobs(app, session)
    assert list(received(receiver)) == ["call.recorded"]
    assert received(receiver)["call.recorded"]["qualified"] is False


def test_an_import_emits_import_finished(app, session, receiver, do_import, write_csv):
    subscribe(session, receiver, events=["import.finished"])
    path = write_csv([["RAGIONE SOCIALE", "COMUNE", "PROVINCIA", "TELEFONO"],
                      ["Rossi SRL", "Milano", "MI", "02 1234567"]])  # fmt: skip
    batch, _report = do_import(path)
    session.commit()
    run_jobs(app, session)
    data = received(receiver)["import.finished"]
    assert data["batch_id"] == batch.id and data["accounts_created"] == 1
    assert data["rows_read"] == 1 and data["source_kind"] == batch.source_kind.value


def test_a_confirmed_wave_and_its_export_emit_their_events(
    app,
    session,
    receiver,
    network,
    exports,
):
    subscribe(session, receiver, events=["wave.confirmed", "export.finished"])
    network.qualified(session, province="MI", company_name="Autotrasporti Nicolò")
    wave = services.create_wave(session, "Novembre 2026", 50, by=None)
    with app.app_context():
        services.confirm_wave(session, wave, by=None)
    session.commit()
    run_jobs(app, session)
    assert received(receiver)["wave.confirmed"]["wave_id"] == wave.id
    assert received(receiver)["wave.confirmed"]["accounts"] == 1
    with app.test_request_context():
        run = exporting.start_export(session, wave, parts=1, by=None)
    session.commit()
    run_jobs(app, session)  # the export's jobs, then the webhook job the last one started
    data = received(receiver)["export.finished"]
    assert data["export_run_id"] == run.id and data["wave_id"] == wave.id
    assert data["accounts"] == 1 and data["salespeople"] == 1
