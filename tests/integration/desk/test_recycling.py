"""Recycle rules per outcome, on the desk: when the account comes back, at what time of
day, and when an outcome has sent it back often enough. The clock travels: each call is
recorded at the moment the test travels to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from app.accounts.status import AccountStatus as S
from app.board import tally_reads
from app.campaigns.models import QueueState
from app.campaigns.services import update_settings
from app.desk.queue import claim_next
from app.desk.services import open_call, record_outcome
from tests.integration.desk.conftest import queued_account

ROME = ZoneInfo("Europe/Rome")
QUALIFIED = {"code": "qualified", "label_it": "Qualificato", "label_en": "Qualified", "key": "q",
             "status": "qualified", "reached": True, "final": True, "qualified": True}  # fmt: skip
NO_ANSWER = {"code": "no_answer", "label_it": "Non risponde", "label_en": "No answer",
             "key": "a", "status": "queued", "retry": "no_answer"}  # fmt: skip
BUSY = {"code": "busy", "label_it": "Occupato", "label_en": "Busy", "key": "o",
        "status": "queued", "retry_minutes": 30}  # fmt: skip


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def call_at(session, campaign, agent, when: datetime, code: str):
    """Travel to ``when``, take the next account and end the call with ``code``."""
    with time_machine.travel(when, tick=False):
        entry = claim_next(session, campaign, agent.id)
        assert entry is not None, f"nothing served at {when}"
        call = open_call(session, entry.id, agent.id)
        record_outcome(session, call, code=code, fields={}, notes=None,
                       client_token=f"{code}-{when.isoformat()}")  # fmt: skip
    return call.entry


@pytest.fixture
def recycled(session, campaign):
    """The desk campaign with busy recycled on its own terms."""

    def configure(busy: dict, **settings):
        update_settings(session, campaign, outcomes=[QUALIFIED, NO_ANSWER, {**BUSY, **busy}],
                        **settings)  # fmt: skip
        return campaign

    return configure


def test_an_outcome_s_own_delay(session, recycled, agent):
    campaign = recycled({"retry_minutes": 45})
    queued_account(session, campaign)
    entry = call_at(session, campaign, agent, rome(2025, 4, 22, 10, 0), "busy")
    assert entry.state == QueueState.WAITING
    assert entry.next_call_at == rome(2025, 4, 22, 10, 45).astimezone(UTC)


def test_the_campaign_s_delays_still_apply_to_outcomes_that_name_them(session, recycled, agent):
    campaign = recycled({}, retry_no_answer_minutes=90)
    queued_account(session, campaign)
    entry = call_at(session, campaign, agent, rome(2025, 4, 22, 10, 0), "no_answer")
    assert entry.next_call_at == rome(2025, 4, 22, 11, 30).astimezone(UTC)


def test_come_back_at_a_time_of_day_later_the_same_day(session, recycled, agent):
    campaign = recycled({"retry_minutes": 30, "retry_at": "16:00"})
    queued_account(session, campaign)
    entry = call_at(session, campaign, agent, rome(2025, 4, 22, 10, 0), "busy")
    assert entry.next_call_at == rome(2025, 4, 22, 16, 0).astimezone(UTC)


def test_a_time_of_day_already_past_skips_to_the_next_day_s_window(session, recycled, agent):
    """Tuesday 17:00, "come back at 16:00": not today; Wednesday is open only in the
    morning, so Thursday at 16:00."""
    hours = {"wed": [["09:00", "13:00"]]}
    campaign = recycled({"retry_minutes": 0, "retry_at": "16:00"}, calling_hours=hours)
    account = queued_account(session, campaign)
    entry = call_at(session, campaign, agent, rome(2025, 4, 22, 17, 0), "busy")
    assert entry.next_call_at == rome(2025, 4, 24, 16, 0).astimezone(UTC)
    assert account.status == S.QUEUED
    # Nobody is served the account before then, and it is served at that time.
    with time_machine.travel(rome(2025, 4, 24, 15, 59), tick=False):
        assert claim_next(session, campaign, agent.id) is None
    again = call_at(session, campaign, agent, rome(2025, 4, 24, 16, 0), "no_answer")
    assert again.id == entry.id and again.attempts == 2


def test_the_outcome_s_limit_ends_the_account_as_unreachable(session, recycled, agent):
    """Busy may send the account back twice; the third busy ends it (the campaign's
    max_attempts, 6, is far)."""
    campaign = recycled({"retry_minutes": 30, "retry_limit": 2})
    account = queued_account(session, campaign)
    when = rome(2025, 4, 22, 10, 0)
    for n in range(2):
        entry = call_at(session, campaign, agent, when + timedelta(hours=n), "busy")
        assert entry.state == QueueState.WAITING and account.status == S.QUEUED
    entry = call_at(session, campaign, agent, when + timedelta(hours=2), "busy")
    assert entry.state == QueueState.DONE and entry.attempts == 3
    assert account.status == S.UNREACHABLE
    counts = dict(tally_reads.campaign_totals(session))[campaign.id]
    assert (counts.final, counts.attempts) == (1, 3)  # the board: worked to the end


def test_the_limit_counts_only_that_outcome(session, recycled, agent):
    campaign = recycled({"retry_minutes": 30, "retry_limit": 1})
    account = queued_account(session, campaign)
    when = rome(2025, 4, 22, 10, 0)
    call_at(session, campaign, agent, when, "busy")  # busy: once, its limit
    for n in (1, 4):  # no answer twice: the campaign's delay, no limit of its own
        call_at(session, campaign, agent, when + timedelta(hours=n), "no_answer")
        assert account.status == S.QUEUED
    entry = call_at(session, campaign, agent, when + timedelta(hours=7), "busy")
    assert entry.state == QueueState.DONE and account.status == S.UNREACHABLE


def test_the_campaign_s_max_attempts_still_caps_every_account(session, recycled, agent):
    campaign = recycled({"retry_minutes": 30, "retry_limit": 10}, max_attempts=2)
    account = queued_account(session, campaign)
    when = rome(2025, 4, 22, 10, 0)
    call_at(session, campaign, agent, when, "busy")
    entry = call_at(session, campaign, agent, when + timedelta(hours=1), "busy")
    assert entry.state == QueueState.DONE and entry.attempts == 2
    assert account.status == S.UNREACHABLE


def test_an_earlier_campaign_s_calls_do_not_count(session, recycled, agent, users):
    """The limit counts this campaign's calls only: another campaign that called the same
    account busy does not use it up."""
    from app.campaigns.queueing import enqueue_accounts
    from tests import factories
    from tests.integration.desk.test_outcomes import outcome, take

    other = factories.campaign(session, call_script_id=recycled({}).call_script_id,
                               code="OTHER", name="Altra")  # fmt: skip
    campaign = recycled({"retry_minutes": 30, "retry_limit": 1})
    account = queued_account(session, other)
    for n in range(2):
        when = rome(2025, 4, 22, 10 + n, 0).astimezone(UTC)
        outcome(session, take(session, other, agent, now=when), "busy", now=when)
    enqueue_accounts(session, campaign, [account.id])  # it waits in both now
    entry = call_at(session, campaign, agent, rome(2025, 4, 23, 10, 0), "busy")
    assert entry.state == QueueState.WAITING and account.status == S.QUEUED


def test_the_call_screen_takes_its_own_keys_from_the_list_the_outcome_checks_use(
    client, auth, users, session, recycled, office_hours
):
    from app.campaigns.outcomes import DESK_KEYS
    from tests.integration.desk.test_desk_views import start

    campaign = recycled({"key": "l", "label_it": "Linea occupata"})
    queued_account(session, campaign)
    page = client.get(start(client, auth, campaign)).get_data(as_text=True)
    assert f'data-testid="phone" accesskey="{DESK_KEYS["dial"]}"' in page
    assert 'data-key="l"' in page and "Linea occupata" in page
    assert f'data-key="{DESK_KEYS["dial"]}"' not in page
