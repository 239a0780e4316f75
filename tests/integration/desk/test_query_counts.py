"""Queries per desk request, counted: the guard that a change adding a query to a hot path
(a draft save every ~4.5 s per agent, a lease every 30 s) fails a test (issue 26).

Each count is today's, measured on PostgreSQL (``scripts/test``): a change that makes one
smaller updates the number here on purpose; one that makes it larger must say why. Every
request is measured warm (one of the same kind went before), as the desk sends them all
day. The queue's prepared statements count one each (``tests/statements.py``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import csrf_token
from tests.integration.desk.conftest import queued_account
from tests.integration.desk.test_desk_views import page_tokens
from tests.integration.desk.test_outcomes import QUALIFYING
from tests.statements import Statements

pytestmark = pytest.mark.usefixtures("office_hours")

# What a request of each kind loads before its own work: flask-login's user (1).
USER = 1
# ``view_call`` (call page): the queue entry held with its campaign, account and script
# version in one statement; the draft, the previous calls, the account's contacts, fleet
# and opportunities (6). Before issue 26: 9 (entry, campaign, script and account each on
# its own). ``open_call`` (outcome) reads the first two (2); the rest when the outcome
# needs it.
VIEW_CALL = 6
OPEN_CALL = 2
# ``held.held`` (draft, check): the entry held, its campaign's lease length and script
# version, in one row; the parsed script is kept per version (1).
HELD = 1


@dataclass
class Desk:
    client: object
    connection: object
    url: str
    csrf: str
    token: str

    def measure(self, method: str, path: str, expect: int = 200, **kwargs) -> Statements:
        with Statements(self.connection) as seen:
            response = self.client.open(self.url + path, method=method, **kwargs)
        assert response.status_code == expect, response.get_data(as_text=True)[:500]
        return seen

    @property
    def json_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf}


def agent_on_a_call(client, auth, session, campaign) -> Desk:
    """An agent signed in, holding the first of four queued accounts on its call screen."""
    for n in range(4):
        queued_account(session, campaign, f"Trasporti {n} SRL", phone=f"021234567{n}")
    auth.login("agent")
    token = csrf_token(client, "/desk/")
    response = client.post(f"/desk/campaigns/{campaign.id}/next", data={"csrf_token": token})
    url = response.headers["Location"]
    csrf, client_token, _ = page_tokens(client, url)
    return Desk(client, session.connection(), url, csrf, client_token)


def assert_queries(seen: Statements, expected: int) -> None:
    assert len(seen.queries) == expected, f"{len(seen.queries)} queries:\n{seen.summary()}"


@pytest.fixture
def desk(client, auth, users, session, campaign) -> Desk:
    return agent_on_a_call(client, auth, session, campaign)


def test_claim_next_account(client, auth, users, session, campaign):
    """The user; the campaign (``load_or_404``); its teams (``may_work``); the claim (one
    prepared statement: abandoned leases back, the next entry leased); the new call's
    draft inserted unless it exists (``start_call``, one statement; two before issue 26);
    the state log: the sweep of lapsed desks, the current period ended and the new one
    opened, in one statement (three before). Counted as 10 before issue 26 and 9
    after its second pass, the test's own reload of ``campaign.id`` (expired by the
    commit) among them."""
    for n in range(2):
        queued_account(session, campaign, f"Trasporti {n} SRL", phone=f"021234567{n}")
    auth.login("agent")
    token = csrf_token(client, "/desk/")
    path = f"/desk/campaigns/{campaign.id}/next"
    with Statements(session.connection()) as seen:
        response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 302 and "/desk/calls/" in response.headers["Location"]
    assert_queries(seen, USER + 1 + 1 + 1 + 1 + 1)  # 6


def test_call_page(desk):
    """``view_call``: the user, the entry, campaign, script, draft, previous calls, account,
    contacts, fleet, opportunities (as ``open_call``), then the phones, the agent's state,
    the supervisor's line, the pause reasons and the account's sites (5). Before issue
    26: 15."""
    desk.measure("GET", "")
    assert_queries(desk.measure("GET", ""), USER + VIEW_CALL + 5)  # 12


def test_draft_save(desk):
    """The user; the lease's UPDATE, which returns the script's version too; the draft's
    upsert (2). Before issue 26 it was 14: ``open_call`` (9), the lease's entry loaded
    again and written, the draft written and read back."""
    body = {"fields": {"a.contact_name": "Ada"}, "notes": "richiamare"}
    desk.measure("POST", "/draft", json=body, headers=desk.json_headers)
    body = {"fields": {"a.contact_name": "Ada Rossi"}, "notes": "richiamare"}
    seen = desk.measure("POST", "/draft", json=body, headers=desk.json_headers)
    assert_queries(seen, USER + 2)  # 3


def test_lease_renewal(desk):
    """The user; the lease's UPDATE (``renew_lease``, one statement); the heartbeat's
    UPDATE of the agent's period; the supervisor's line (3). Before issue 26: 5 (the entry
    was loaded, then written)."""
    desk.measure("POST", "/lease", headers=desk.json_headers)
    assert_queries(desk.measure("POST", "/lease", headers=desk.json_headers), USER + 3)  # 4


def test_check_as_typed(desk):
    """The user and the call held (1), for the script's question: the check itself
    queries nothing. Before issue 26 it was 10 (``open_call``)."""
    body = {"question": "contact_phone", "value": "333 1234567"}
    desk.measure("POST", "/check", json=body, headers=desk.json_headers)
    seen = desk.measure("POST", "/check", json=body, headers=desk.json_headers)
    assert_queries(seen, USER + HELD)  # 2


def test_outcome_not_reached(desk):
    """A *busy* outcome, then the next account, in one request: the user; the token
    looked for (``find_recorded``); ``open_call`` (2); the previous calls (how often
    this outcome already sent the account back); the site it qualified (one query for
    its id, not the sites and phones as objects: two before); the end of call (one
    prepared statement: the call inserted, the entry moved; the call is not read back,
    its object is made from the values inserted: ``_as_recorded``); the tally's context
    in one row (the account's zone and dealer, the horizon, the agent's previous call,
    the campaign's outcomes) beside the earlier calls' facts, then the call's UPDATE
    (2); the draft deleted; the audit entry; the account's columns read again (the end
    of call changed its status); the webhook subscriptions; the next claim (teams, the
    prepared claim, the draft inserted: 3); the state log (sweep, end, new: one
    statement, three before); the tally delta (1). Before issue 26: 33."""
    busy = {"csrf_token": desk.csrf, "client_token": desk.token, "outcome": "busy"}
    seen = desk.measure("POST", "/outcome", expect=302, data=busy)
    assert_queries(seen, USER + 1 + OPEN_CALL + 1 + 1 + 1 + 2 + 1 + 1 + 1 + 1 + 3 + 1 + 1)  # 18


def test_outcome_qualified(desk):
    """A *qualified* outcome with the answers written to the account: as *busy* less the
    previous calls (a qualification sends nothing back), plus the answers: the account's
    contacts, fleet and opportunities (3), its site's and its own UPDATE (2), the contact,
    fleet and opportunity inserted (3), a second webhook look-up (the qualified event)
    (1). Before issue 26: 44
    (the end of call expired the account's contacts, fleet and opportunities, loaded
    again one by one, each after a flush; the call's row written in three UPDATEs)."""
    data = {**QUALIFYING, "csrf_token": desk.csrf, "client_token": desk.token,
            "outcome": "qualified"}  # fmt: skip
    seen = desk.measure("POST", "/outcome", expect=302, data=data)
    assert_queries(seen, 18 - 1 + 3 + 2 + 3 + 1)  # 26


@pytest.mark.parametrize(
    ("path", "computed", "cached"),
    [
        # Computed: the user; waiting per campaign; the tallies; the tally deltas; open
        # entries per campaign; the campaigns (5). Cached (every board within seconds):
        # the user alone.
        ("/board/data.json", USER + 5, USER),
        # Computed: the user; the floor's one query. Cached: the user alone.
        ("/floor/data.json", USER + 1, USER),
    ],
)
def test_supervisor_data(client, auth, users, session, path, computed, cached):
    auth.login("supervisor")
    counts = []
    for _ in range(2):  # the first computes the figures, the second finds them cached
        with Statements(session.connection()) as seen:
            assert client.get(path).status_code == 200
        counts.append(len(seen.queries))
    assert counts == [computed, cached], seen.summary()
