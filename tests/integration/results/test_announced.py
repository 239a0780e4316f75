"""``result.recorded``: a result reaches the subscribed systems, once, after its commit
(docs/webhooks.md)."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from app.results.services import record_result
from tests.integration.webhooks.conftest import run_jobs, subscribe

pytestmark = pytest.mark.usefixtures("webhook_settings")


def test_a_result_is_sent_to_subscribers_with_keys_and_figures_only(app, session, handed, receiver):
    subscribe(session, receiver, events=["result.recorded"])
    alfa = handed.milano[0]
    with app.test_request_context(), force_locale("en"):
        result = record_result(session, alfa, outcome="sold", occurred_on=date(2026, 11, 2),
                               vehicles=3, value="184000.5", source="staff",
                               today=date(2026, 11, 20))  # fmt: skip
        again = record_result(session, alfa, outcome="sold", occurred_on=date(2026, 11, 2),
                              source="staff", external_ref="CRM-1", vehicles=3,
                              today=date(2026, 11, 20))  # fmt: skip
        record_result(
            session,
            alfa,
            outcome="sold",
            occurred_on=date(2026, 11, 2),
            source="staff",
            external_ref="CRM-1",
            vehicles=3,
            today=date(2026, 11, 20),
        )  # fmt: skip  (known: nothing new)
    session.commit()
    run_jobs(app, session)
    sent = [r.json for r in receiver.requests]
    assert [s["event"] for s in sent] == ["result.recorded", "result.recorded"]
    assert sent[0]["data"] == {
        "result_id": result.id, "account_key": alfa.key, "outcome": "sold",
        "occurred_on": "2026-11-02", "vehicles": 3, "value": "184000.50", "source": "staff",
        "wave_id": handed.wave.id, "salesperson_id": result.salesperson_id,
    }  # fmt: skip
    assert sent[1]["data"]["result_id"] == again.id
    assert b"Alfa" not in b"".join(r.body for r in receiver.requests)


def test_a_result_rolled_back_sends_nothing(app, session, handed, receiver):
    subscribe(session, receiver, events=["result.recorded"])
    session.commit()
    with app.test_request_context(), force_locale("en"):
        record_result(session, handed.milano[0], outcome="visited", source="staff",
                      occurred_on=date(2026, 11, 2), today=date(2026, 11, 20))  # fmt: skip
    session.rollback()
    run_jobs(app, session)
    assert receiver.requests == []
