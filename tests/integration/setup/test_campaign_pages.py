"""The campaigns list and page, a copy, activate / pause / close through their checks, and
who may open what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.campaigns.queueing import enqueue_accounts
from app.donotcall.models import DncList, DncSource
from app.security import Role
from app.users.models import User
from tests import factories
from tests.conftest import Auth
from tests.integration.setup.conftest import post, text, value_of

TUESDAY = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)  # 11:30 in Rome: calling hours


@pytest.fixture
def clock():
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        yield traveller


def register_extract(session, day: date) -> None:
    session.add(DncList(source=DncSource.REGISTRY, list_date=day, filename="rpo.csv",
                        entries=0))  # fmt: skip
    session.flush()


def fill(session, campaign, n: int = 3) -> list[int]:
    ids = [factories.account(session, status=AccountStatus.READY).id for _ in range(n)]
    enqueue_accounts(session, campaign, ids)
    session.flush()
    return ids


def statuses(session, campaign) -> list[tuple[str, str]]:
    rows = session.execute(
        sa.select(AuditEntry.details).where(
            AuditEntry.action == "campaign.status", AuditEntry.object_id == str(campaign.id)
        )
    ).scalars()
    return [(d["old"], d["new"]) for d in rows]


# -- the list and the page ---------------------------------------------------------------


def test_the_list_shows_each_campaign_with_the_board_s_figures(
    clock, client, session, staff, campaign, script
):
    worked = factories.campaign(session, code="WORKED", name="Flotte Nord",
                                call_script_id=script.id)  # fmt: skip
    agent = factories.user(session, Role.AGENT)
    entries = [factories.queue_entry(session, worked) for _ in range(3)]
    for n, outcome in enumerate(("qualified", "not_interested", "no_answer")):
        start = TUESDAY - timedelta(hours=1, minutes=n)
        factories.counted(session, factories.call(session, entries[n], agent, outcome, start,
                                                  start + timedelta(minutes=1)))  # fmt: skip
    register_extract(session, date(2026, 11, 20))
    page = text(client.get("/campaigns/"))
    row = page[page.index('data-campaign="WORKED"') :]
    row = row[: row.index("</tr>")]
    assert "Flotte Nord" in row and "In corso" in row
    assert f"{script.name} v{script.version}" in row
    assert 'data-field="queue">1<' in row  # the no-answer account still waits
    assert 'data-field="redemption">50,0%' in row and 'data-field="target">60,0%' in row
    assert "aggiornata" in row  # the do-not-call check of 4 days ago
    draft = page[page.index('data-campaign="PILOT"') :]
    assert "Bozza" in draft[: draft.index("</tr>")]
    assert "Ultima verifica del registro delle opposizioni: 20 nov 2026 (4 giorni fa)." in page
    assert 'data-testid="new-campaign"' in page


def test_the_list_warns_of_an_old_do_not_call_check(clock, client, session, staff, campaign):
    register_extract(session, date(2026, 10, 1))
    page = text(client.get("/campaigns/"))
    row = page[page.index('data-campaign="PILOT"') :]
    assert "da verificare (vedi sopra)" in row[: row.index("</tr>")]
    top = page[page.index('data-testid="register-check"') :]
    assert "54 giorni fa: oltre i 15 giorni consentiti" in top[: top.index("</p>")]


def test_the_page_shows_settings_hours_outcomes_and_queue(clock, client, session, staff, campaign):
    campaign.calling_hours = {"sat": [], "closed": ["2026-12-24"]}
    campaign.outcomes = [
        *[o for o in _default() if o["code"] != "busy"],
        {"code": "busy", "label_it": "Occupato", "label_en": "Busy", "key": "o",
         "status": "queued", "retry_minutes": 30, "retry_at": "16:00", "retry_limit": 2},
        {"code": "moved", "label_it": "Trasferita", "label_en": "Moved", "key": "m",
         "status": "invalid", "final": True},
    ]  # fmt: skip
    fill(session, campaign, 2)
    page = text(client.get(f"/campaigns/{campaign.id}"))
    assert 'data-testid="in-queue">2<' in page
    assert "Ora si è negli orari di chiamata." in page
    saturday = page[page.index('<tr data-day="sat"') :]
    assert "nessuna chiamata" in saturday[: saturday.index("</tr>")]
    assert "24 dic 2026" in page
    busy = page[page.index('data-outcome="busy"') :]
    assert "torna alle 16:00, almeno 30 min dopo; al massimo 2 volte" in busy
    assert "Lo script non prevede questi esiti, quindi la postazione non li mostra: moved." in page
    for link in ("edit", "outcomes", "clone", "status/activate", "status/close"):
        assert f'href="/campaigns/{campaign.id}/{link}"' in page
    assert f'href="/workspace/segment?statuses=ready&amp;campaign={campaign.id}"' in page


def _default():
    from app.campaigns.outcomes import DEFAULT_CONFIG

    return [dict(o) for o in DEFAULT_CONFIG]


def test_a_supervisor_sees_campaigns_read_only(client, session, auth, users, campaign):
    auth.login("supervisor")
    listing = text(client.get("/campaigns/"))
    assert "Pilota" in listing and 'data-testid="new-campaign"' not in listing
    page = text(client.get(f"/campaigns/{campaign.id}"))
    assert "Impostazioni" in page and f"/campaigns/{campaign.id}/edit" not in page
    assert f"/board/campaigns/{campaign.id}" in page
    assert "Campagne" in page  # the navigation item


EDIT_PAGES = ("/new", "/{id}/edit", "/{id}/outcomes", "/{id}/clone", "/{id}/status/activate",
              "/{id}/status/pause", "/{id}/status/close")  # fmt: skip


@pytest.mark.parametrize("role", ["agent", "supervisor", "staff", "admin"])
def test_who_may_open_what(client, session, users, campaign, role):
    Auth(client).login(role)
    read = {"/": (200,), "/{id}": (200,)}
    for path in ("/", "/{id}", *EDIT_PAGES):
        url = "/campaigns" + path.format(id=campaign.id)
        got = client.get(url).status_code
        if role == "agent" or (role == "supervisor" and path not in read):
            assert got == 403, url
        else:
            assert got == 200, url
    refused = role in ("agent", "supervisor")
    for path in EDIT_PAGES:
        response = post(client, "/campaigns" + path.format(id=campaign.id), {})
        assert (response.status_code == 403) == refused, path
    session.expire_all()
    if refused:
        assert campaign.status == CampaignStatus.DRAFT and campaign.name == "Pilota"


def test_agents_see_no_campaigns_item(client, users):
    Auth(client).login("agent")
    assert "/campaigns/" not in text(client.get("/desk/"))


# -- a copy ------------------------------------------------------------------------------


def test_a_copy_is_made_from_the_page(client, session, staff, campaign):
    fill(session, campaign, 2)
    page = text(client.get(f"/campaigns/{campaign.id}/clone"))
    assert value_of(page, "name") == "Pilota (copia)" and value_of(page, "code") == ""
    response = post(client, f"/campaigns/{campaign.id}/clone",
                    {"code": "PILOT-2", "name": "Pilota bis"})  # fmt: skip
    copy = session.scalars(sa.select(Campaign).where(Campaign.code == "PILOT-2")).one()
    assert response.headers["Location"].endswith(f"/campaigns/{copy.id}")
    assert copy.status == CampaignStatus.DRAFT and copy.call_script_id == campaign.call_script_id
    assert session.scalar(sa.select(sa.func.count()).where(QueueEntry.campaign_id == copy.id)) == 0
    assert "Copia PILOT-2 creata come bozza: la sua coda è vuota." in text(
        client.get(response.headers["Location"]))  # fmt: skip


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "PILOT", "name": "Bis"}, "code", "Esiste già una campagna con codice"),
        ({"code": "a b", "name": "Bis"}, "code", "non è valido"),
        ({"code": "", "name": "Bis"}, "code", "obbligatorio"),
        ({"code": "BIS", "name": ""}, "name", "obbligatorio"),
    ],
)
def test_a_bad_copy_is_refused(client, session, staff, campaign, data, field, message):
    from tests.integration.setup.conftest import errors_beside

    page = text(post(client, f"/campaigns/{campaign.id}/clone", data))
    assert message in errors_beside(page, field)
    assert session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 1


# -- activate, pause, close --------------------------------------------------------------


def checks(page: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'data-check="(\w+)" data-level="(\w+)"', page))


def test_without_a_script_activation_is_refused(clock, client, session, staff):
    bare = factories.campaign(session, code="BARE", status=CampaignStatus.DRAFT)
    page = text(client.get(f"/campaigns/{bare.id}/status/activate"))
    assert checks(page)["script"] == "blocking"
    assert 'data-testid="confirm"' not in page and "Non si può procedere" in page
    response = post(client, f"/campaigns/{bare.id}/status/activate", {"confirmed": ""})
    assert response.status_code == 409
    session.expire_all()
    assert bare.status == CampaignStatus.DRAFT and statuses(session, bare) == []


def test_activation_lists_its_warnings_and_goes_ahead_once_confirmed(
    clock, client, session, staff, campaign
):
    page = text(client.get(f"/campaigns/{campaign.id}/status/activate"))
    assert checks(page) == {"script": "ok", "outcomes": "ok", "queue": "warning",
                            "donotcall": "warning", "agents": "ok", "hours": "info"}  # fmt: skip
    assert "La coda è vuota" in page and "Non è stato caricato alcun estratto" in page
    assert value_of(page, "confirmed") == "queue,donotcall"
    # The warnings not confirmed: refused, and shown again.
    response = post(client, f"/campaigns/{campaign.id}/status/activate", {"confirmed": "queue"})
    assert response.status_code == 409 and "rileggeteli e confermate" in text(response)
    session.expire_all()
    assert campaign.status == CampaignStatus.DRAFT
    response = post(client, f"/campaigns/{campaign.id}/status/activate",
                    {"confirmed": "queue,donotcall"})  # fmt: skip
    assert response.status_code == 302
    session.expire_all()
    assert campaign.status == CampaignStatus.ACTIVE
    assert statuses(session, campaign) == [("draft", "active")]
    assert "Ora la campagna è: In corso." in text(client.get(response.headers["Location"]))


def test_with_everything_in_order_activation_has_no_warning(
    clock, client, session, staff, campaign
):
    fill(session, campaign)
    register_extract(session, date(2026, 11, 23))
    page = text(client.get(f"/campaigns/{campaign.id}/status/activate"))
    assert "warning" not in checks(page).values() and value_of(page, "confirmed") == ""
    assert "3 account attendono in coda." in page
    assert post(client, f"/campaigns/{campaign.id}/status/activate",
                {"confirmed": ""}).status_code == 302  # fmt: skip
    session.expire_all()
    assert campaign.status == CampaignStatus.ACTIVE


def test_activation_warns_without_agents_and_of_outcomes_the_desk_hides(
    clock, client, session, staff, campaign
):
    for agent in session.scalars(sa.select(User).where(User.role == Role.AGENT)):
        agent.active = False
    campaign.outcomes = [*_default(), {"code": "moved", "label_it": "Trasferita",
                                       "label_en": "Moved", "key": "m", "status": "invalid",
                                       "final": True}]  # fmt: skip
    session.flush()
    page = text(client.get(f"/campaigns/{campaign.id}/status/activate"))
    assert checks(page)["agents"] == "warning" and "Nessun operatore attivo" in page
    assert checks(page)["outcomes"] == "warning" and "non li mostrerà: moved" in page


def test_outside_calling_hours_the_page_says_when_calls_start(clock, client, auth, users, campaign):
    clock.move_to(datetime(2026, 11, 28, 20, 0, tzinfo=UTC))  # Saturday, 21:00 in Rome
    auth.login("staff")
    page = text(client.get(f"/campaigns/{campaign.id}/status/activate"))
    assert "la postazione assegnerà i suoi account dal 30/11/26, 09:00" in page


def test_pause_then_resume(clock, client, session, staff, campaign):
    campaign.status = CampaignStatus.ACTIVE
    session.flush()
    page = text(client.get(f"/campaigns/{campaign.id}/status/pause"))
    assert checks(page) == {"calls": "info"}
    assert post(client, f"/campaigns/{campaign.id}/status/pause", {}).status_code == 302
    session.expire_all()
    assert campaign.status == CampaignStatus.PAUSED
    assert "Riprendi la campagna" in text(client.get(f"/campaigns/{campaign.id}/status/activate"))


def test_closing_warns_of_the_callbacks_it_drops(clock, client, session, staff, campaign):
    campaign.status = CampaignStatus.ACTIVE
    ids = fill(session, campaign, 3)
    entry = session.scalars(sa.select(QueueEntry).where(QueueEntry.account_id == ids[0])).one()
    entry.is_callback, entry.next_call_at = True, TUESDAY + timedelta(days=1)
    session.flush()
    page = text(client.get(f"/campaigns/{campaign.id}/status/close"))
    assert checks(page) == {"calls": "info", "withdrawn": "info", "callbacks": "warning"}
    assert "1 richiami promessi ai clienti non verranno fatti." in page
    response = post(client, f"/campaigns/{campaign.id}/status/close", {"confirmed": "callbacks"})
    assert response.status_code == 302
    session.expire_all()
    assert campaign.status == CampaignStatus.CLOSED
    assert session.scalars(sa.select(QueueEntry.state)).all() == [QueueState.DONE] * 3
    page = text(client.get(f"/campaigns/{campaign.id}"))
    assert f"/campaigns/{campaign.id}/edit" not in page and "Crea una copia" in page


def test_a_change_the_flow_does_not_allow_is_refused(clock, client, session, staff, campaign):
    page = text(client.get(f"/campaigns/{campaign.id}/status/pause"))
    assert checks(page) == {"status": "blocking", "calls": "info"}
    assert post(client, f"/campaigns/{campaign.id}/status/pause", {}).status_code == 409
    session.expire_all()
    assert campaign.status == CampaignStatus.DRAFT


def test_the_campaign_page_feeds_its_queue_through_the_segment_builder(
    client, session, staff, campaign
):
    """The page's link opens the segment builder with the campaign chosen (and ready
    accounts, the builder's default); queueing goes through its one service."""
    other = factories.campaign(session, code="OTHER", status=CampaignStatus.DRAFT)
    ids = [factories.account(session, status=AccountStatus.READY).id for _ in range(2)]
    page = text(client.get(f"/campaigns/{campaign.id}"))
    link = f"/workspace/segment?statuses=ready&campaign={campaign.id}"
    assert f'href="{link.replace("&", "&amp;")}"' in page
    builder = text(client.get(link))
    assert f'<option selected value="{campaign.id}">PILOT' in builder
    assert f'<option value="{other.id}">OTHER' in builder
    response = post(client, f"/workspace/segment/queue?statuses=ready&campaign={campaign.id}",
                    {"campaign": str(campaign.id), "limit": ""})  # fmt: skip
    assert response.status_code == 302
    queued = session.scalars(sa.select(QueueEntry.account_id).where(
        QueueEntry.campaign_id == campaign.id)).all()  # fmt: skip
    assert sorted(queued) == ids
    audited = sa.select(sa.func.count()).where(
        AuditEntry.action == "campaign.enqueue", AuditEntry.object_id == str(campaign.id)
    )
    assert session.scalar(audited) == 1
