"""What the state log costs the desk, in statements the database receives: a draft save
touches no period, a lease renewal one (the heartbeat), a moment two (end one period, open
the next), and the claim adds the sweep of lapsed desks."""

from __future__ import annotations

from tests.integration.desk.conftest import queued_account
from tests.integration.desk.test_desk_views import page_tokens, start
from tests.statements import Statements


def test_the_state_log_costs_the_desk_little(client, auth, users, session, campaign, office_hours):
    queued_account(session, campaign)
    queued_account(session, campaign, "Trasporti Due SRL", phone="0612345678")
    url = start(client, auth, campaign)
    csrf, token, _ = page_tokens(client, url)
    connection = session.connection()
    headers = {"X-CSRFToken": csrf}
    with Statements(connection) as draft:
        saved = client.post(url + "/draft", json={"fields": {"a.contact_name": "Ada"}},
                            headers=headers)  # fmt: skip
    assert saved.status_code == 200
    assert draft.on("agent_states") == []  # a draft save writes nothing to the log
    with Statements(connection) as lease:
        assert client.post(url + "/lease", headers=headers).status_code == 200
    assert lease.on("agent_states") == ["UPDATE"]  # the heartbeat
    with Statements(connection) as dial:
        assert client.post(url + "/dial", headers=headers).status_code == 200
    assert dial.on("agent_states") == ["UPDATE", "INSERT"]
    with Statements(connection) as outcome:
        client.post(url + "/outcome", data={"csrf_token": csrf, "client_token": token,
                                            "outcome": "busy"})  # fmt: skip
    # The next account was claimed with it: the sweep of lapsed desks (one statement on
    # PostgreSQL, an UPDATE and, only when a desk lapsed, an INSERT on SQLite), then the
    # change.
    sweep = ["WITH"] if connection.dialect.name == "postgresql" else ["UPDATE"]
    assert outcome.on("agent_states") == [*sweep, "UPDATE", "INSERT"]
