"""What the state log costs the desk, in statements the database receives: a draft save
touches no period, a lease renewal one (the heartbeat); a moment one on PostgreSQL (one
period ended and the next opened, the claim's sweep of lapsed desks in the same
statement), and on SQLite two (end, open), the claim adding the sweep before them."""

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
    on_postgres = connection.dialect.name == "postgresql"
    change = ["WITH"] if on_postgres else ["UPDATE", "INSERT"]
    assert dial.on("agent_states") == change
    with Statements(connection) as outcome:
        client.post(url + "/outcome", data={"csrf_token": csrf, "client_token": token,
                                            "outcome": "busy"})  # fmt: skip
    # The next account was claimed with it: the sweep of lapsed desks too (in the change's
    # statement on PostgreSQL; on SQLite an UPDATE first and, only when a desk lapsed, an
    # INSERT).
    sweep = [] if on_postgres else ["UPDATE"]
    assert outcome.on("agent_states") == [*sweep, *change]
    written = [s for s in outcome.seen if "agent_states" in s]
    assert ("lapsed AS" in written[0]) == on_postgres  # the sweep, in the change's statement
