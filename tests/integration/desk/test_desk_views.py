"""The desk over HTTP: take, draft, validate, record once, next account."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import time_machine

from app.desk.models import CallAttempt
from tests import factories
from tests.conftest import Auth, csrf_token
from tests.integration.desk.conftest import queued_account
from tests.integration.desk.test_outcomes import QUALIFYING

TOKEN_RE = re.compile(r'name="client_token"[^>]*value="([0-9a-f]+)"')


def start(client, auth, campaign, who="agent"):
    auth.login(who)
    token = csrf_token(client, "/desk/")
    response = client.post(f"/desk/campaigns/{campaign.id}/next", data={"csrf_token": token})
    assert response.status_code == 302
    return response.headers["Location"]


def page_tokens(client, url):
    page = client.get(url).get_data(as_text=True)
    return csrf_token(client, url), TOKEN_RE.search(page).group(1), page


def test_take_qualify_and_get_the_next_account(
    client, auth, users, session, campaign, office_hours
):
    first = queued_account(session, campaign, "Trasporti Uno SRL")
    queued_account(session, campaign, "Trasporti Due SRL", phone="0612345678")
    url = start(client, auth, campaign)
    assert re.fullmatch(r"/desk/calls/\d+", url)
    csrf, token, page = page_tokens(client, url)
    assert "Trasporti Uno SRL" in page
    assert 'href="tel:+390212345678"' in page and "+39 02 1234 5678" in page
    data = {**QUALIFYING, "csrf_token": csrf, "client_token": token, "outcome": "qualified"}
    response = client.post(url + "/outcome", data=data)
    assert response.status_code == 302
    next_url = response.headers["Location"]
    assert next_url != url and next_url.startswith("/desk/calls/")
    assert "Trasporti Due SRL" in client.get(next_url).get_data(as_text=True)
    session.refresh(first)
    assert first.status.value == "qualified"
    # What the call corrected is recorded with it; what it confirmed is not a change.
    from app.audit.models import AuditEntry

    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "desk.outcome")
                            .order_by(AuditEntry.id.desc())).first()  # fmt: skip
    changed = entry.details["changed"]
    assert {"account.street", "account.house_number", "contact", "fleet"} <= set(changed)
    assert "account.municipality" not in changed and "account.postcode" not in changed


def test_double_submit_records_one_call(client, auth, users, session, campaign, office_hours):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, token, _ = page_tokens(client, url)
    data = {"csrf_token": csrf, "client_token": token, "outcome": "busy"}
    first = client.post(url + "/outcome", data=data)
    second = client.post(url + "/outcome", data=data)  # the network retried
    assert first.status_code == second.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(CallAttempt)) == 1


def test_draft_survives_a_reload(client, auth, users, session, campaign, office_hours):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    fields = {"a.contact_name": "Paola Verdi", "a.has_trucks": "true",
              "a.fleet_lines.0.vehicle_count": "7"}  # fmt: skip
    response = client.post(
        url + "/draft", json={"fields": fields, "notes": "richiamare dopo le 15"},
        headers={"X-CSRFToken": csrf},
    )  # fmt: skip
    assert response.status_code == 200 and response.get_json()["lease_expires_at"]
    page = client.get(url).get_data(as_text=True)
    assert 'value="Paola Verdi"' in page
    assert 'name="a.fleet_lines.0.vehicle_count" value="7"' in page
    assert "richiamare dopo le 15" in page
    assert re.search(r'name="a.has_trucks" value="true" checked', page)


def test_draft_and_json_calls_need_the_csrf_header(
    client, auth, users, session, campaign, office_hours
):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    assert client.post(url + "/draft", json={"fields": {}}).status_code == 400
    assert client.post(url + "/lease").status_code == 400


def test_malformed_draft_is_refused_with_a_message(
    client, auth, users, session, campaign, office_hours
):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    for body in ({"fields": "x"}, {"fields": {"a.x": {"nested": 1}}, "notes": 3}, []):
        response = client.post(url + "/draft", json=body, headers={"X-CSRFToken": csrf})
        assert response.status_code == 400
        assert response.get_json()["error"]


def test_validation_as_typed(client, auth, users, session, campaign, office_hours):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    headers = {"X-CSRFToken": csrf}
    bad = client.post(url + "/check", json={"question": "contact_phone", "value": "2 1234"},
                      headers=headers).get_json()  # fmt: skip
    assert "numero di telefono valido" in bad["error"]
    good = client.post(url + "/check", json={"question": "contact_phone",
                       "value": "333 1234567"}, headers=headers).get_json()  # fmt: skip
    assert good == {"error": None, "normalised": "+393331234567"}
    vat = client.post(url + "/check", json={"question": "vat_number", "value": "12345678901"},
                      headers=headers).get_json()  # fmt: skip
    assert "partita IVA non è valida" in vat["error"]
    # Issue 21: "02/1234" was stored as +39021234 and exported; the final save refuses it too.
    short = client.post(url + "/check", json={"question": "contact_phone", "value": "02/1234"},
                        headers=headers).get_json()  # fmt: skip
    assert "numero di telefono valido" in short["error"]
    mail = client.post(url + "/check", json={"question": "contact_email",
                       "value": "a@ditta.c0m"}, headers=headers).get_json()  # fmt: skip
    assert mail["error"]
    unknown = client.post(url + "/check", json={"question": "nope", "value": "x"},
                          headers=headers)  # fmt: skip
    assert unknown.status_code == 400


def test_rejected_outcome_keeps_the_answers(client, auth, users, session, campaign, office_hours):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, token, _ = page_tokens(client, url)
    data = {**QUALIFYING, "a.contact_phone": "", "csrf_token": csrf, "client_token": token,
            "outcome": "qualified"}  # fmt: skip
    response = client.post(url + "/outcome", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Necessaria per qualificare." in page
    assert 'value="Giulia Bianchi"' in client.get(url).get_data(as_text=True)  # draft kept
    assert session.scalar(sa.select(sa.func.count()).select_from(CallAttempt)) == 0


def test_lease_renewal_and_a_lost_lease(client, auth, users, session, campaign, office_hours):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    renewed = client.post(url + "/lease", headers={"X-CSRFToken": csrf})
    assert renewed.status_code == 200
    other = factories.user(session, username="agente2")
    entry_id = int(url.rsplit("/", 1)[1])
    auth.logout()
    auth.login(other.username)
    csrf = csrf_token(client, "/desk/")
    lost = client.post(url + "/lease", headers={"X-CSRFToken": csrf})
    assert lost.status_code == 409 and "non è più assegnato" in lost.get_json()["error"]
    page = client.get(f"/desk/calls/{entry_id}", follow_redirects=True)
    assert "non è più assegnato" in page.get_data(as_text=True)


def test_nothing_to_call_outside_calling_hours(client, auth, users, session, campaign):
    queued_account(session, campaign)
    noon = datetime(2026, 12, 13, 12, tzinfo=ZoneInfo("Europe/Rome"))  # a Sunday
    with time_machine.travel(noon, tick=True):
        location = start(client, auth, campaign)
        assert location == "/desk/"
        page = html.unescape(client.get("/desk/").get_data(as_text=True))
        assert "Fuori dall'orario di chiamata" in page


def test_a_whole_shift_at_the_desk_keeps_session_and_csrf(
    client, auth, users, session, campaign, office_hours
):
    """Heartbeats keep the session alive past its idle limit, and the page's CSRF token
    still works hours later: the agent's autosaves and outcome go through."""

    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, token, _ = page_tokens(client, url)
    for _ in range(19):  # 19 x 25 minutes: about eight hours
        office_hours.shift(timedelta(minutes=25))
        assert client.post(url + "/lease", headers={"X-CSRFToken": csrf}).status_code == 200
    saved = client.post(url + "/draft", json={"fields": {"a.contact_name": "Ada"}},
                        headers={"X-CSRFToken": csrf})  # fmt: skip
    assert saved.status_code == 200
    done = client.post(url + "/outcome", data={"csrf_token": csrf, "client_token": token,
                                                "outcome": "busy"})  # fmt: skip
    assert done.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(CallAttempt)) == 1


def test_lost_lease_keeps_the_posted_answers_in_the_draft(
    client, auth, users, session, campaign, office_hours
):

    from app.desk.models import CallDraft
    from app.desk.queue import claim_next

    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, token, _ = page_tokens(client, url)
    office_hours.shift(timedelta(minutes=campaign.lease_minutes + 1))
    taken = claim_next(session, campaign, users["supervisor"].id)
    assert taken is not None
    data = {"a.contact_name": "Ada Lovelace", "csrf_token": csrf, "client_token": token,
            "outcome": "not_interested"}  # fmt: skip
    response = client.post(url + "/outcome", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/desk/"
    draft = session.scalars(
        sa.select(CallDraft).where(CallDraft.agent_id == users["agent"].id)
    ).one()
    assert draft.answers == {"a.contact_name": "Ada Lovelace"}
    assert session.scalar(sa.select(sa.func.count()).select_from(CallAttempt)) == 0


def test_an_outcome_on_another_agents_call_writes_nothing(
    app, client, auth, users, session, campaign, office_hours
):
    """Refused, and nothing kept of it: no draft of the intruder's, the holder's draft and
    lease untouched, no call, no audit entry."""
    from app.audit.models import AuditEntry
    from app.campaigns.models import QueueEntry
    from app.desk.models import CallDraft

    queued_account(session, campaign)
    url = start(client, auth, campaign)
    entry_id = int(url.rsplit("/", 1)[1])
    csrf, _, _ = page_tokens(client, url)
    client.post(url + "/draft", json={"fields": {"a.contact_name": "Paola Verdi"}},
                headers={"X-CSRFToken": csrf, "Accept": "application/json"})  # fmt: skip
    session.expire_all()
    lease = session.get(QueueEntry, entry_id).lease_expires_at
    drafts = session.execute(sa.select(CallDraft.agent_id, CallDraft.answers)).all()

    intruder = app.test_client()
    other = factories.user(session, username="agente2")
    Auth(intruder).login(other.username)
    data = {"a.contact_name": "Scritto da un altro", "notes": "nota", "outcome": "busy",
            "csrf_token": csrf_token(intruder, "/desk/"), "client_token": "ab" * 16}  # fmt: skip
    audit = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    response = intruder.post(url + "/outcome", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/desk/"
    session.expire_all()
    assert session.execute(sa.select(CallDraft.agent_id, CallDraft.answers)).all() == drafts
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit
    assert session.scalar(sa.select(sa.func.count()).select_from(CallAttempt)) == 0
    assert session.get(QueueEntry, entry_id).lease_expires_at == lease


def test_oversized_or_nested_json_is_refused_cleanly(
    client, auth, users, session, campaign, office_hours
):
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    headers = {"X-CSRFToken": csrf, "Content-Type": "application/json"}
    big = '{"fields": {"a.contact_name": "' + "x" * 70_000 + '"}}'
    assert client.post(url + "/draft", data=big, headers=headers).status_code == 400
    nested = "[" * 5000 + "]" * 5000
    for path in ("/draft", "/check"):
        response = client.post(url + path, data=nested, headers=headers)
        assert response.status_code == 400 and response.get_json()["error"]


def test_unknown_fields_are_not_stored_in_the_draft(
    client, auth, users, session, campaign, office_hours
):
    from app.desk.models import CallDraft

    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    fields = {"a.contact_name": "Ada", "a.nope": "x", "a.fleet_lines.99.brand": "volvo"}
    client.post(url + "/draft", json={"fields": fields}, headers={"X-CSRFToken": csrf})
    draft = session.scalars(sa.select(CallDraft)).one()
    assert draft.answers == {"a.contact_name": "Ada"}


def test_background_calls_learn_that_the_session_ended(client, users, session, campaign):
    """JSON, never a redirect to an HTML page the desk would take for a success."""
    polled = client.get("/jobs/some-job", headers={"Accept": "application/json"})
    assert polled.status_code == 401 and "sessione" in polled.get_json()["error"]
    saved = client.post("/desk/calls/1/lease", json={}, headers={"Accept": "application/json"})
    assert saved.status_code == 400 and "scaduta" in saved.get_json()["error"]


def test_giving_back_discards_the_draft(client, auth, users, session, campaign, office_hours):
    from app.desk.models import CallDraft

    queued_account(session, campaign)
    url = start(client, auth, campaign)
    csrf, _, _ = page_tokens(client, url)
    client.post(url + "/draft", json={"fields": {"a.contact_name": "Ada"}},
                headers={"X-CSRFToken": csrf})  # fmt: skip
    client.post(url + "/release", data={"csrf_token": csrf})
    assert session.scalars(sa.select(CallDraft)).all() == []


def test_the_call_screen_prefills_everything_the_account_holds(
    client, auth, users, session, campaign, office_hours
):
    """docs/desk.md: known data is pre-filled to be confirmed or corrected, the contact,
    fleet and purchase intent too, and the street apart from its house number."""
    from app.accounts.models import Contact, FleetLine, Horizon, Opportunity, TonnageClass

    account = queued_account(session, campaign)  # street "Via Roma 1", no house number
    account.contacts.append(Contact(full_name="Mario Rossi", job_title="Titolare",
                                    phone="+393331234567", is_purchasing_manager=True))  # fmt: skip
    account.fleet.append(FleetLine(brand="Volvo", vehicle_count=7,
                                   tonnage_class=TonnageClass.HEAVY))  # fmt: skip
    account.opportunities.append(Opportunity(horizon=Horizon.M12, quantity=3))
    session.flush()
    page = html.unescape(client.get(start(client, auth, campaign)).get_data(as_text=True))

    def value(name):
        found = re.search(rf'name="a\.{re.escape(name)}"[^>]*value="([^"]*)"', page)
        return found.group(1) if found else None

    assert (value("street"), value("house_number")) == ("Via Roma", "1")
    assert (value("contact_name"), value("contact_role")) == ("Mario Rossi", "Titolare")
    assert value("contact_phone") == "+393331234567"
    assert value("fleet_lines.0.vehicle_count") == "7"
    assert re.search(r'name="a\.fleet_lines\.0\.brand".*?value="volvo" selected', page, re.S)
    assert re.search(r'value="12" selected', page) and value("vehicle_quantity") == "3"


def test_the_account_card_shows_coded_answers_by_their_label(
    client, auth, users, session, campaign, office_hours
):
    """A purchase intent the desk captured keeps the choice's code ("tractor_unit"); the
    card reads its label, as the salesperson's files do (issue 21: no raw code shown)."""
    from app.accounts.models import Horizon, Opportunity

    account = queued_account(session, campaign)
    account.opportunities.append(
        Opportunity(horizon=Horizon.M6, quantity=2, vehicle_kind="tractor_unit")
    )
    session.flush()
    page = client.get(start(client, auth, campaign)).get_data(as_text=True)
    card = page[page.index('class="account-card') : page.index("</aside>")]
    assert "trattore stradale" in card.lower() and "tractor_unit" not in card
