"""The campaign queue: order, leases, retries, callbacks, calling hours, do-not-call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.campaigns.models import CampaignStatus, QueueEntry, QueueState
from app.campaigns.queueing import enqueue_accounts
from app.desk.queue import (
    QueueDepth,
    Rescheduled,
    claim_next,
    queue_depth,
    release,
    renew_lease,
    reschedule,
)
from tests import factories

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2025, 4, 22, 10, 0, tzinfo=ROME).astimezone(UTC)  # a Tuesday morning


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def finish(session, entry: QueueEntry, now: datetime = NOW) -> Rescheduled:
    return reschedule(
        session,
        entry,
        now=now,
        retry_after_minutes=None,
        final=True,
        callback_at=None,
        callback_agent_id=None,
    )


def retry(session, entry: QueueEntry, now: datetime, after: int = 120) -> Rescheduled:
    return reschedule(
        session,
        entry,
        now=now,
        retry_after_minutes=after,
        final=False,
        callback_at=None,
        callback_agent_id=None,
    )


@pytest.fixture
def campaign(session):
    return factories.campaign(session)


@pytest.fixture
def agents(session):
    return factories.user(session), factories.user(session)


def test_enqueue_skips_do_not_call_and_duplicates(session, campaign) -> None:
    ready = [factories.account(session, status=AccountStatus.READY) for _ in range(3)]
    flagged = factories.account(session, status=AccountStatus.READY, do_not_call=True)
    opposed = factories.account(session, status=AccountStatus.DO_NOT_CALL)
    ids = [a.id for a in [*ready, flagged, opposed]]

    assert enqueue_accounts(session, campaign, ids, priority=3, now=NOW) == 3
    assert enqueue_accounts(session, campaign, ids, now=NOW) == 0

    entries = session.query(QueueEntry).filter_by(campaign_id=campaign.id).all()
    assert sorted(e.account_id for e in entries) == sorted(a.id for a in ready)
    assert {(e.state, e.priority, e.next_call_at) for e in entries} == {
        (QueueState.WAITING, 3, None)
    }
    assert {a.status for a in ready} == {AccountStatus.QUEUED}
    assert flagged.status == AccountStatus.READY


def test_claim_order_callbacks_then_priority_then_oldest(session, campaign, agents) -> None:
    me, other = agents

    def entry(**kw):
        status = AccountStatus.CALLBACK if kw.get("is_callback") else AccountStatus.QUEUED
        account = factories.account(session, status=status)
        return factories.queue_entry(session, campaign, account, **kw)

    others_personal = entry(
        is_callback=True, callback_agent_id=other.id, next_call_at=NOW - minutes(10)
    )
    mine = entry(is_callback=True, callback_agent_id=me.id, next_call_at=NOW - minutes(5))
    shared = entry(is_callback=True, next_call_at=NOW - minutes(1))
    others_overdue = entry(
        is_callback=True, callback_agent_id=other.id, next_call_at=NOW - minutes(40)
    )
    entry(is_callback=True, callback_agent_id=me.id, next_call_at=NOW + minutes(60))
    high = entry(priority=5, created_at=NOW)
    retry_due = entry(next_call_at=NOW - minutes(60), created_at=NOW - timedelta(days=3))
    oldest = entry(created_at=NOW - timedelta(days=2))
    newer = entry(created_at=NOW - timedelta(days=1))
    entry(next_call_at=NOW + minutes(60), priority=9)

    served = []
    while (claimed := claim_next(session, campaign, me.id, now=NOW)) is not None:
        served.append(claimed)
        finish(session, claimed)

    assert served == [mine, others_overdue, shared, high, oldest, newer, retry_due]
    assert claim_next(session, campaign, other.id, now=NOW) is others_personal


def test_lease_is_exclusive_and_survives_a_reload(session, campaign, agents) -> None:
    me, other = agents
    first = factories.queue_entry(session, campaign, created_at=NOW - minutes(2))
    second = factories.queue_entry(session, campaign, created_at=NOW - minutes(1))

    mine = claim_next(session, campaign, me.id, now=NOW)
    assert mine is first
    assert (mine.state, mine.lease_holder_id) == (QueueState.LEASED, me.id)
    assert mine.lease_expires_at == NOW + minutes(campaign.lease_minutes)
    assert session.get(Account, mine.account_id).status == AccountStatus.IN_CALL

    assert claim_next(session, campaign, other.id, now=NOW) is second
    assert claim_next(session, campaign, me.id, now=NOW + minutes(1)) is first  # reload
    assert claim_next(session, campaign, factories.user(session).id, now=NOW) is None


def test_renewed_lease_holds_and_expired_lease_returns_to_queue(session, campaign, agents) -> None:
    me, other = agents
    entry = factories.queue_entry(session, campaign)
    claim_next(session, campaign, me.id, now=NOW)

    renewed = renew_lease(session, entry.id, me.id, now=NOW + minutes(4))
    assert renewed.expires_at == NOW + minutes(4 + campaign.lease_minutes)
    assert entry.lease_expires_at == renewed.expires_at  # the loaded entry reads it anew
    assert renew_lease(session, entry.id, other.id, now=NOW + minutes(4)) is None
    assert claim_next(session, campaign, other.id, now=NOW + minutes(8)) is None

    # An expired lease that nobody took yet can still be renewed by its holder...
    late = NOW + minutes(4 + campaign.lease_minutes + 1)
    again = renew_lease(session, entry.id, me.id, now=late)
    assert again.expires_at == late + minutes(campaign.lease_minutes)

    # ...but once abandoned past expiry, the next claimer gets it and the holder lost it.
    abandoned = late + minutes(campaign.lease_minutes + 1)
    assert claim_next(session, campaign, other.id, now=abandoned) is entry
    assert entry.lease_holder_id == other.id
    assert entry.lease_expires_at == abandoned + minutes(campaign.lease_minutes)
    assert session.get(Account, entry.account_id).status == AccountStatus.IN_CALL
    assert renew_lease(session, entry.id, me.id, now=abandoned) is None
    assert release(session, entry, me.id) is False


def test_abandoned_callback_returns_as_callback(session, campaign, agents) -> None:
    me, other = agents
    account = factories.account(session, status=AccountStatus.CALLBACK)
    entry = factories.queue_entry(
        session, campaign, account, is_callback=True, next_call_at=NOW - minutes(1)
    )
    claim_next(session, campaign, me.id, now=NOW)
    later = NOW + minutes(campaign.lease_minutes + 1)
    assert claim_next(session, campaign, other.id, now=later) is entry
    assert entry.is_callback and entry.lease_holder_id == other.id


def test_release_gives_the_entry_back(session, campaign, agents) -> None:
    me, other = agents
    entry = factories.queue_entry(session, campaign)
    claim_next(session, campaign, me.id, now=NOW)

    assert release(session, entry, other.id) is False
    assert release(session, entry, me.id) is True
    assert (entry.state, entry.lease_holder_id, entry.lease_expires_at) == (
        QueueState.WAITING,
        None,
        None,
    )
    assert session.get(Account, entry.account_id).status == AccountStatus.QUEUED
    assert claim_next(session, campaign, other.id, now=NOW) is entry


def test_retry_waits_for_calling_hours_and_stops_at_max_attempts(session, agents) -> None:
    me, _ = agents
    campaign = factories.campaign(session, max_attempts=2)
    entry = factories.queue_entry(session, campaign)
    saturday_evening = datetime(2025, 4, 26, 18, 30, tzinfo=ROME).astimezone(UTC)
    monday = datetime(2025, 4, 28, 9, 0, tzinfo=ROME).astimezone(UTC)

    claim_next(session, campaign, me.id, now=saturday_evening)
    assert retry(session, entry, saturday_evening, after=120) is Rescheduled.RETRY
    assert (entry.state, entry.attempts, entry.next_call_at) == (QueueState.WAITING, 1, monday)
    assert entry.lease_holder_id is None
    assert session.get(Account, entry.account_id).status == AccountStatus.QUEUED
    assert claim_next(session, campaign, me.id, now=monday - minutes(1)) is None

    assert claim_next(session, campaign, me.id, now=monday) is entry
    assert retry(session, entry, monday, after=15) is Rescheduled.EXHAUSTED
    assert (entry.state, entry.attempts) == (QueueState.DONE, 2)
    assert claim_next(session, campaign, me.id, now=monday + minutes(30)) is None


def test_retry_needs_a_delay(session, campaign, agents) -> None:
    entry = factories.queue_entry(session, campaign)
    claim_next(session, campaign, agents[0].id, now=NOW)
    with pytest.raises(ValueError, match="retry_after_minutes"):
        retry(session, entry, NOW, after=None)  # type: ignore[arg-type]


def test_personal_callback_goes_to_the_pool_after_grace(session, campaign, agents) -> None:
    me, other = agents
    entry = factories.queue_entry(session, campaign)
    claim_next(session, campaign, me.id, now=NOW)
    at = NOW + minutes(60)
    result = reschedule(
        session,
        entry,
        now=NOW,
        retry_after_minutes=None,
        final=False,
        callback_at=at,
        callback_agent_id=me.id,
    )
    assert result is Rescheduled.CALLBACK
    assert (entry.state, entry.is_callback, entry.callback_agent_id) == (
        QueueState.WAITING,
        True,
        me.id,
    )
    assert session.get(Account, entry.account_id).status == AccountStatus.CALLBACK

    grace = minutes(campaign.callback_grace_minutes)
    assert claim_next(session, campaign, other.id, now=at) is None
    assert claim_next(session, campaign, other.id, now=at + grace - minutes(1)) is None
    assert claim_next(session, campaign, other.id, now=at + grace) is entry
    assert session.get(Account, entry.account_id).status == AccountStatus.IN_CALL


def test_own_due_callback_comes_before_priority(session, campaign, agents) -> None:
    me, other = agents
    account = factories.account(session, status=AccountStatus.CALLBACK)
    callback = factories.queue_entry(
        session, campaign, account, is_callback=True, callback_agent_id=me.id, next_call_at=NOW
    )
    urgent = factories.queue_entry(session, campaign, priority=10)

    assert claim_next(session, campaign, me.id, now=NOW - minutes(1)) is urgent  # not yet due
    finish(session, urgent)
    assert claim_next(session, campaign, other.id, now=NOW) is None  # not theirs yet
    assert claim_next(session, campaign, me.id, now=NOW) is callback


@pytest.mark.parametrize(
    ("local", "hours"),
    [
        (datetime(2025, 4, 27, 11, 0), None),  # Sunday
        (datetime(2025, 4, 25, 11, 0), None),  # Liberation Day
        (datetime(2025, 4, 22, 20, 30), None),  # Tuesday evening
        (datetime(2025, 4, 22, 13, 30), {"tue": [["09:00", "13:00"], ["14:00", "18:00"]]}),
    ],
)
def test_nothing_is_served_outside_calling_hours(session, agents, local, hours) -> None:
    campaign = factories.campaign(session, calling_hours=hours)
    factories.queue_entry(session, campaign)
    assert claim_next(session, campaign, agents[0].id, now=local.replace(tzinfo=ROME)) is None


def test_do_not_call_accounts_are_never_served(session, campaign, agents) -> None:
    flagged = factories.queue_entry(session, campaign, priority=5)
    opposed = factories.queue_entry(session, campaign, priority=5)
    session.get(Account, flagged.account_id).do_not_call = True
    session.get(Account, opposed.account_id).status = AccountStatus.DO_NOT_CALL
    callable_ = factories.queue_entry(session, campaign)
    me, other = agents
    assert claim_next(session, campaign, me.id, now=NOW) is callable_
    assert claim_next(session, campaign, other.id, now=NOW) is None


@pytest.mark.parametrize("status", [CampaignStatus.PAUSED, CampaignStatus.DRAFT])
def test_inactive_campaign_serves_nothing(session, agents, status) -> None:
    campaign = factories.campaign(session)
    factories.queue_entry(session, campaign)
    claimed = claim_next(session, campaign, agents[0].id, now=NOW)
    campaign.status = status
    assert claim_next(session, campaign, agents[0].id, now=NOW) is None
    assert claim_next(session, campaign, agents[1].id, now=NOW) is None
    assert claimed is not None


def test_claims_stay_within_their_campaign(session, agents) -> None:
    one, two = factories.campaign(session), factories.campaign(session)
    entry = factories.queue_entry(session, two)
    assert claim_next(session, one, agents[0].id, now=NOW) is None
    assert claim_next(session, two, agents[0].id, now=NOW) is entry


def test_queue_depth(session, campaign, agents) -> None:
    grace = minutes(campaign.callback_grace_minutes)
    factories.queue_entry(session, campaign)
    factories.queue_entry(session, campaign, next_call_at=NOW - minutes(5))
    factories.queue_entry(session, campaign, next_call_at=NOW + minutes(5))
    factories.queue_entry(session, campaign, is_callback=True, next_call_at=NOW - minutes(1))
    factories.queue_entry(session, campaign, is_callback=True, next_call_at=NOW - grace)
    factories.queue_entry(session, campaign, is_callback=True, next_call_at=NOW + minutes(1))
    factories.queue_entry(session, campaign, state=QueueState.DONE)
    factories.queue_entry(
        session,
        campaign,
        state=QueueState.LEASED,
        lease_holder_id=agents[0].id,
        lease_expires_at=NOW + minutes(1),
    )
    factories.queue_entry(
        session,
        campaign,
        state=QueueState.LEASED,
        lease_holder_id=agents[1].id,
        lease_expires_at=NOW - minutes(1),
    )
    factories.queue_entry(session, factories.campaign(session))

    assert queue_depth(session, campaign, NOW) == QueueDepth(
        waiting_due=3, waiting_later=2, leased=1, callbacks_due=1, callbacks_overdue=1
    )


def test_end_call_records_the_call_and_checks_the_holder(session, campaign, agents) -> None:
    from app.desk.models import CallAttempt
    from app.desk.queue import LeaseLost, end_call

    me, other = agents
    entry = factories.queue_entry(session, campaign)
    claimed = claim_next(session, campaign, me.id, now=NOW)
    account = session.get(Account, claimed.account_id)
    version = account.version
    attempt = {
        "campaign_id": campaign.id,
        "agent_id": me.id,
        "started_at": NOW,
        "ended_at": NOW,
        "outcome": "qualified",
        "answers": {"company": "ACME"},
    }
    options = dict(now=NOW, retry_after_minutes=None, final=True, callback_at=None,
                   callback_agent_id=None, final_status=AccountStatus.QUALIFIED)  # fmt: skip

    with pytest.raises(LeaseLost):
        end_call(session, entry, holder_id=other.id, attempt=attempt, **options)
    assert session.query(CallAttempt).filter_by(account_id=account.id).count() == 0
    assert (entry.state, account.status) == (QueueState.LEASED, AccountStatus.IN_CALL)

    ended = end_call(session, entry, holder_id=me.id, attempt=attempt, **options)
    assert ended.result == Rescheduled.DONE
    recorded = session.get(CallAttempt, ended.attempt_id)
    assert (recorded.account_id, recorded.answers) == (account.id, {"company": "ACME"})
    assert (entry.state, entry.attempts, entry.lease_holder_id) == (QueueState.DONE, 1, None)
    # The set-based write stamps the account as an ORM save would.
    assert (account.status, account.version) == (AccountStatus.QUALIFIED, version + 1)


def test_a_retry_after_the_campaign_closed_ends_the_entry(session, campaign, agents) -> None:
    me, _ = agents
    entry = factories.queue_entry(session, campaign)
    claim_next(session, campaign, me.id, now=NOW)
    campaign.status = CampaignStatus.CLOSED
    session.flush()

    assert retry(session, entry, NOW) == Rescheduled.WITHDRAWN
    assert entry.state == QueueState.DONE
    assert session.get(Account, entry.account_id).status == AccountStatus.READY
