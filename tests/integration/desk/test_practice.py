"""Practice, any day: a practice campaign serves on a Sunday evening and at Christmas while a
live one says when it reopens; the desk marks practice and dials nothing; practice calls stay
out of the live figures, of distribution and of the do-not-call list; the board's "callable
now" follows calling hours."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from app.accounts.models import Account, AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.board import cache
from app.campaigns.calendar import next_callable
from app.campaigns.models import QueueEntry, QueueState
from app.campaigns.queueing import enqueue_accounts
from app.desk.queue import claim, claim_next, queue_depth, reschedule
from app.desk.services import DeskError, open_call, record_outcome
from app.distribution import services as distribution
from app.donotcall.models import DncEntry
from tests import factories
from tests.conftest import csrf_token
from tests.integration.desk.conftest import queued_account

ROME = ZoneInfo("Europe/Rome")
SUNDAY_EVENING = datetime(2026, 12, 6, 21, 30, tzinfo=ROME)
CHRISTMAS = datetime(2026, 12, 25, 10, 0, tzinfo=ROME)  # a Friday; the 26th is a holiday too
MONDAY_MORNING = datetime(2026, 12, 7, 10, 30, tzinfo=ROME)
CLOSED = {"a Sunday evening": SUNDAY_EVENING, "Christmas": CHRISTMAS}


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.forget()
    yield
    cache.forget()


@pytest.fixture
def practice(session, campaign):
    """A practice campaign on the same script as the live one (``campaign``)."""
    return factories.campaign(session, call_script_id=campaign.call_script_id, code="PROVA",
                              name="Prova di addestramento", practice=True)  # fmt: skip


def practice_account(session, practice, name="Trasporti Inventati SRL", phone="0212345678"):
    account = factories.account(session, company_name=name, province="MI",
                                status=AccountStatus.READY, practice=True)  # fmt: skip
    account.phones.append(
        AccountPhone(raw=phone, e164="+39" + phone, kind=PhoneKind.FIXED, position=0)
    )
    session.flush()
    enqueue_accounts(session, practice, [account.id])
    return account


@pytest.mark.parametrize("when", CLOSED.values(), ids=CLOSED.keys())
def test_practice_is_served_when_the_live_campaign_refuses(session, campaign, practice, agent,
                                                           when):  # fmt: skip
    queued_account(session, campaign)
    mine = practice_account(session, practice)
    assert claim(session, campaign, agent.id, now=utc(when)) is None
    claimed = claim(session, practice, agent.id, now=utc(when))
    assert claimed is not None and claimed.account_id == mine.id
    # when calls reopen (Monday 7 December; after Christmas, Monday 28) the live one serves
    assert claim(session, campaign, agent.id, now=next_callable(utc(when), None)) is not None


def test_practice_retries_and_callbacks_ignore_calling_hours(session, campaign, practice,
                                                             agent):  # fmt: skip
    practice_account(session, practice)
    practice_account(session, practice, "Altra Inventata SRL", "0298765432")
    now = utc(SUNDAY_EVENING)
    entry = claim_next(session, practice, agent.id, now=now)
    reschedule(session, entry, now=now, retry_after_minutes=15, final=False, callback_at=None,
               callback_agent_id=None)  # fmt: skip
    assert entry.next_call_at == now + timedelta(minutes=15)  # not Monday at 09:00
    call = open_call(session, claim_next(session, practice, agent.id, now=now).id, agent.id)
    at_night = utc(SUNDAY_EVENING + timedelta(hours=1))
    record_outcome(session, call, code="callback", fields={}, notes=None, client_token="t1",
                   callback_at=at_night, now=now)  # fmt: skip
    assert call.entry.next_call_at == at_night and call.entry.is_callback
    # a callback at night is refused in a live campaign
    queued_account(session, campaign)
    monday = utc(MONDAY_MORNING)
    live_call = open_call(session, claim_next(session, campaign, agent.id, now=monday).id, agent.id)
    with pytest.raises(DeskError, match="outside calling hours"):
        record_outcome(session, live_call, code="callback", fields={}, notes=None,
                       client_token="t2", callback_at=monday + timedelta(hours=11),
                       now=monday)  # fmt: skip


def desk_home(client, auth, when):
    with time_machine.travel(when, tick=False):
        auth.login("agent")
        return html.unescape(client.get("/desk/").get_data(as_text=True))


@pytest.mark.parametrize(
    ("when", "reopens"),
    [
        (SUNDAY_EVENING, "si riprende a chiamare lunedì 7 dicembre alle 09:00"),
        (CHRISTMAS, "si riprende a chiamare lunedì 28 dicembre alle 09:00"),  # 26th: holiday
        # Monday at 20:00 the day's calls are over, and the 8th is a holiday
        (datetime(2026, 12, 7, 20, 0, tzinfo=ROME), "si riprende a chiamare mercoledì 9 dicembre"),
    ],
    ids=["sunday-evening", "christmas", "monday-after-hours"],
)
def test_the_desk_home_says_when_live_calls_reopen(client, auth, users, session, campaign,
                                                   practice, when, reopens):  # fmt: skip
    page = desk_home(client, auth, when)
    live = page[page.index(campaign.name) :]
    live = live[: live.index("</li>")]
    assert "Fuori dall'orario di chiamata" in live and reopens in live
    assert f"/desk/campaigns/{campaign.id}/next" not in page  # no button that would refuse
    trainer = page[page.index(practice.name) - 200 :]
    assert "PROVA" in trainer[: trainer.index("</li>")]
    assert f"/desk/campaigns/{practice.id}/next" in page
    from app.campaigns.outcomes import DESK_KEYS

    # the first open one, with the desk's own key (never an outcome's: Alt+N is one)
    assert f'accesskey="{DESK_KEYS["next"]}"' in trainer[: trainer.index("</li>")]
    assert 'accesskey="n"' not in page


def test_in_calling_hours_every_active_campaign_offers_its_button(client, auth, users, campaign,
                                                                  practice):  # fmt: skip
    page = desk_home(client, auth, MONDAY_MORNING)
    assert f"/desk/campaigns/{campaign.id}/next" in page
    assert f"/desk/campaigns/{practice.id}/next" in page
    assert "Fuori dall'orario" not in page
    assert page.index(campaign.name) < page.index(practice.name)  # live first


def take(client, auth, campaign, when, language="it"):
    """Sign in at ``when``, take the campaign's next account, return the call page."""
    with time_machine.travel(when, tick=False):
        auth.login("agent")
        if language == "en":
            client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client)})
        token = csrf_token(client, "/desk/")
        taken = client.post(f"/desk/campaigns/{campaign.id}/next", data={"csrf_token": token})
        assert re.fullmatch(r"/desk/calls/\d+", taken.headers["Location"]), taken.headers
        return taken.headers["Location"], client.get(taken.headers["Location"]).get_data(
            as_text=True)  # fmt: skip


def test_a_practice_call_is_marked_and_its_number_cannot_be_dialled(client, auth, users, session,
                                                                    practice):  # fmt: skip
    practice_account(session, practice)
    _url, page = take(client, auth, practice, SUNDAY_EVENING)
    assert "tel:" not in page
    phone = re.search(r'<span data-testid="phone"[^>]*>([^<]+)</span>', page)
    assert phone and phone.group(1) == "+39 02 1234 5678"  # shown, as text
    assert "data-copy" not in page
    assert 'data-testid="practice-banner"' in page and page.count(">PROVA<") >= 2
    assert "<title>PROVA · Trasporti Inventati S.r.l." in page  # as people read it


def test_the_practice_mark_reads_practice_in_english(client, auth, users, session, practice):
    practice_account(session, practice)
    _url, page = take(client, auth, practice, CHRISTMAS, language="en")
    assert ">PRACTICE<" in page and "Do not dial the number" in page and "tel:" not in page


def test_a_live_call_keeps_its_dialable_number_and_no_mark(client, auth, users, session, campaign):
    queued_account(session, campaign)
    _url, page = take(client, auth, campaign, MONDAY_MORNING)
    assert 'href="tel:+390212345678"' in page and "data-copy" in page
    assert "PROVA" not in page and "practice-banner" not in page


def test_do_not_call_in_practice_adds_nothing_to_the_list(session, practice, agent):
    invented = practice_account(session, practice)
    invented.vat_number = "01114601006"
    # A real company that happens to have the invented number: it must stay callable.
    real = factories.account(session, status=AccountStatus.READY, vat_number="01114601006")
    real.phones.append(AccountPhone(raw="02 1234 5678", e164="+390212345678",
                                    kind=PhoneKind.FIXED, position=0))  # fmt: skip
    session.flush()
    now = utc(SUNDAY_EVENING)
    call = open_call(session, claim_next(session, practice, agent.id, now=now).id, agent.id)
    record_outcome(session, call, code="do_not_call", fields={}, notes=None,
                   client_token="dnc", now=now)  # fmt: skip
    assert session.scalar(sa.select(sa.func.count()).select_from(DncEntry)) == 0
    session.refresh(invented), session.refresh(real)
    assert (invented.status, invented.do_not_call) == (AccountStatus.DO_NOT_CALL, False)
    assert (real.status, real.do_not_call) == (AccountStatus.READY, False)


def test_distribution_never_offers_a_practice_account(session, campaign, practice, agent):
    zone = factories.zone(session)
    dealer = factories.dealer(session, zone)
    person = factories.salesperson(session, dealer)
    live = factories.qualified(session, campaign, agent, zone_id=zone.id, dealer_id=dealer.id)
    trained = factories.qualified(session, practice, agent, zone_id=zone.id, dealer_id=dealer.id,
                                  practice=True)  # fmt: skip
    assert [c.account_id for c in distribution.candidates(session)] == [live.id]
    assert distribution.overview(session).total == 1
    assert distribution.assign_owner(session, [live.id, trained.id], person, by=agent.id) == 1
    session.refresh(trained)
    assert trained.salesperson_id is None


def worked(session, campaign, agent, outcome="qualified"):
    entry = factories.queue_entry(session, campaign)
    start = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    found = factories.call(session, entry, agent, outcome, start, start + timedelta(minutes=2))
    factories.counted(session, found)


def test_the_board_shows_practice_campaigns_apart_and_marked(client, auth, users, session,
                                                             campaign, practice):  # fmt: skip
    worked(session, practice, users["agent"])
    worked(session, practice, users["agent"], "not_interested")
    auth.login("supervisor")
    page = client.get("/board/").get_data(as_text=True)
    live_rows = page[page.index('data-testid="live-campaigns"') :]
    live_rows = live_rows[: live_rows.index("</tbody>")]
    practice_rows = page[page.index('data-testid="practice-campaigns"') :]
    assert f'data-campaign="{campaign.id}"' in live_rows and practice.name not in live_rows
    assert f'data-campaign="{practice.id}"' in practice_rows and ">PROVA<" in practice_rows
    data = client.get("/board/data.json").get_json()["campaigns"]
    assert [(c["id"], c["practice"]) for c in data] == [(campaign.id, False), (practice.id, True)]
    live, trained = data
    assert (live["attempts"], live["qualified"]) == (0, 0)  # practice calls count nowhere live
    assert (trained["attempts"], trained["qualified"]) == (2, 1)


def test_callable_now_follows_calling_hours(session, campaign, practice):
    hour = timedelta(hours=1)
    for target in (campaign, practice):
        factories.queue_entry(session, target)
        factories.queue_entry(session, target, next_call_at=utc(SUNDAY_EVENING) - hour)
        factories.queue_entry(session, target, next_call_at=utc(SUNDAY_EVENING) + hour)
    live = queue_depth(session, campaign, utc(SUNDAY_EVENING))
    assert (live.waiting_due, live.waiting_later) == (0, 3)  # nothing may be called now
    assert queue_depth(session, campaign, utc(MONDAY_MORNING)).waiting_due == 3
    trained = queue_depth(session, practice, utc(SUNDAY_EVENING))
    assert (trained.waiting_due, trained.waiting_later) == (2, 1)


def test_the_board_s_floor_says_when_calls_reopen(client, auth, users, session, campaign):
    factories.queue_entry(session, campaign)
    with time_machine.travel(SUNDAY_EVENING, tick=False):
        auth.login("supervisor")
        page = html.unescape(client.get(f"/board/campaigns/{campaign.id}").get_data(as_text=True))
    floor = page[page.index("Account chiamabili adesso") :]
    assert re.match(r"Account chiamabili adesso</th><td class=\"num\">0<", floor)
    assert "si riprende a chiamare lunedì 7 dicembre alle 09:00" in page


def test_a_practice_account_never_mixes_with_a_live_queue(session, campaign, practice):
    from app.campaigns.queueing import PracticeMismatch

    invented = practice_account(session, practice)
    with pytest.raises(PracticeMismatch):
        enqueue_accounts(session, campaign, [invented.id])
    entries = session.scalars(sa.select(QueueEntry).where(QueueEntry.account_id == invented.id))
    assert [(e.campaign_id, e.state) for e in entries] == [(practice.id, QueueState.WAITING)]
    assert session.get(Account, invented.id).practice


def test_a_practice_call_trains_the_call_moments_without_a_number(client, auth, users, session,
                                                                  practice):  # fmt: skip
    """No number to click: a button starts the practice call, Alt+T as for a live one, and
    the state log records it as a dial."""
    practice_account(session, practice)
    url, page = take(client, auth, practice, SUNDAY_EVENING)
    button = re.search(r'<button[^>]*data-moment="dial"[^>]*>', page).group(0)
    assert 'accesskey="t"' in button and "Inizia la chiamata di prova" in page
    with time_machine.travel(SUNDAY_EVENING, tick=True):
        dialled = client.post(url + "/dial", headers={"X-CSRFToken": csrf_token(client, url)})
    assert dialled.status_code == 200 and dialled.get_json()["state"] == "dialling"
