"""Campaign services: creation, settings validation, status flow."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.models import Account
from app.accounts.segments import Segment
from app.accounts.status import AccountStatus
from app.campaigns.models import CampaignStatus as CS
from app.campaigns.models import QueueEntry, QueueState
from app.campaigns.queueing import enqueue_accounts, enqueue_segment
from app.campaigns.services import (
    CampaignError,
    clone_campaign,
    create_campaign,
    set_status,
    settings_problems,
    update_settings,
    use_script,
    use_script_version,
)
from app.scripting.services import load_script
from tests import factories
from tests.integration.campaigns.support import OUTCOMES, SCRIPT, audit_actions, counts


def new(session, code="PILOT", **settings):
    return create_campaign(
        session, code=code, name="Pilota", script_name="fleet_qualification", **settings
    )


def test_create_uses_the_latest_script_version_and_defaults(session, script):
    edited = SCRIPT.read_text(encoding="utf-8").replace("Qualificazione", "Qualifica")
    latest = load_script(session, edited)
    assert latest.version == script.version + 1
    campaign = new(session)
    assert campaign.call_script_id == latest.id
    assert campaign.status == CS.DRAFT
    assert (campaign.max_attempts, campaign.retry_no_answer_minutes) == (6, 120)
    assert campaign.target_redemption == Decimal("0.600")
    assert campaign.calling_hours is None and campaign.outcomes is None
    assert audit_actions(session, campaign) == ["campaign.create"]


def test_create_with_settings(session, script):
    campaign = new(
        session,
        max_attempts=3,
        retry_busy_minutes=10,
        target_redemption="0.45",
        calling_hours={"sat": []},
        outcomes=OUTCOMES,
    )
    assert campaign.max_attempts == 3 and campaign.retry_busy_minutes == 10
    assert campaign.target_redemption == Decimal("0.450")
    assert campaign.calling_hours == {"sat": []}
    assert [o["code"] for o in campaign.outcomes] == ["qualified", "no_answer"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"script_name": "nope"}, "No call script named 'nope' is loaded"),
        ({"code": "PILOT"}, "A campaign with code 'PILOT' already exists"),
        ({"code": "two words"}, "Code 'two words' is not valid"),
        ({"code": "X" * 33}, "is not valid: use up to 32"),
        ({"name": "  "}, "The name must be 1 to 120 characters long"),
        ({"max_attempts": 0}, "max_attempts: 0 is out of range"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(session, script, kwargs, message):
    new(session)
    before = counts(session)
    values = {"code": "OTHER", "name": "Altra", "script_name": "fleet_qualification", **kwargs}
    with pytest.raises(CampaignError, match=message):
        create_campaign(session, **values)
    assert counts(session) == before


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_attempts": 0}, "max_attempts: 0 is out of range, it must be 1 to 20"),
        ({"max_attempts": 21}, "max_attempts: 21 is out of range"),
        ({"max_attempts": "3"}, "max_attempts: '3' is not a whole number"),
        ({"max_attempts": True}, "max_attempts: True is not a whole number"),
        ({"retry_no_answer_minutes": 0}, "retry_no_answer_minutes: 0 is out of range"),
        ({"retry_no_answer_minutes": 10081}, "it must be 1 to 10080"),
        ({"retry_busy_minutes": 0}, "retry_busy_minutes: 0 is out of range"),
        ({"retry_busy_minutes": 10081}, "retry_busy_minutes: 10081 is out of range"),
        ({"lease_minutes": 0}, "lease_minutes: 0 is out of range"),
        ({"lease_minutes": 61}, "lease_minutes: 61 is out of range, it must be 1 to 60"),
        ({"callback_grace_minutes": -1}, "callback_grace_minutes: -1 is out of range"),
        ({"callback_grace_minutes": 1441}, "it must be 0 to 1440"),
        ({"target_redemption": "1.01"}, "target_redemption: 1.01 is out of range"),
        ({"target_redemption": -0.1}, "target_redemption: -0.1 is out of range"),
        ({"target_redemption": "sessanta"}, "target_redemption: 'sessanta' is not a number"),
        ({"target_redemption": "NaN"}, "target_redemption: NaN is out of range"),
        ({"target_redemption": "0.6005"}, "has more than 3 decimal places"),
        ({"calling_hours": ["mon"]}, "calling hours: calling hours must be an object"),
        ({"calling_hours": {"lun": []}}, "calling hours: unknown key"),
        ({"calling_hours": {"sun": [["10:00", "12:00"]]}}, "forbids calls on Sundays"),
        ({"calling_hours": {"mon": [["20:00", "09:00"]]}}, r"mon\[0\]: 20:00 is not before"),
        ({"calling_hours": {"closed": ["24/12/2025"]}}, "is not a date written as YYYY-MM-DD"),
        ({"outcomes": {"code": "x"}}, "outcomes: expected a list of objects"),
        ({"outcomes": ["qualified"]}, "outcomes: expected a list of objects"),
        ({"outcomes": []}, "outcomes: the list is empty"),
        ({"outcomes": [{**OUTCOMES[0], "colour": "red"}]}, r"outcomes\[0\]: unknown keys"),
        ({"outcomes": [{**OUTCOMES[0], "status": "happy"}]}, r"outcomes\[0\]: 'happy'"),
        ({"outcomes": [OUTCOMES[0], OUTCOMES[0]]}, "code 'qualified' appears twice"),
        ({"outcomes": [{**OUTCOMES[0], "final": False}]}, "must be final and reached"),
        ({"outcomes": [{**OUTCOMES[1], "retry": None}]}, "needs callback or retry"),
        ({"outcomes": [OUTCOMES[0], {**OUTCOMES[1], "key": "q"}]}, "share a keyboard shortcut"),
        ({"colour": "red"}, "Unknown setting"),
    ],
)
def test_every_bad_setting_is_refused_and_nothing_changes(session, script, settings, message):
    campaign = new(session)
    before = counts(session)
    with pytest.raises(CampaignError, match=message):
        # A good value comes first: it must not be applied either (all or none).
        update_settings(session, campaign, **{"retry_busy_minutes": 7, **settings})
    assert campaign.retry_busy_minutes == 15
    assert counts(session) == before


def test_nothing_to_change_is_refused(session, script):
    with pytest.raises(CampaignError, match="Nothing to change"):
        update_settings(session, new(session))


def test_boundaries_are_accepted_and_only_changes_are_audited(session, script):
    campaign = new(session)
    changed = update_settings(
        session,
        campaign,
        max_attempts=20,
        retry_no_answer_minutes=10080,
        retry_busy_minutes=1,
        lease_minutes=60,
        callback_grace_minutes=0,
        target_redemption=1,
    )
    assert set(changed) == {
        "max_attempts",
        "retry_no_answer_minutes",
        "retry_busy_minutes",
        "lease_minutes",
        "callback_grace_minutes",
        "target_redemption",
    }
    assert campaign.target_redemption == Decimal("1.000")
    assert update_settings(session, campaign, max_attempts=20, target_redemption="1") == {}
    assert update_settings(session, campaign, target_redemption=0) == {
        "target_redemption": Decimal("0.000")
    }
    assert audit_actions(session, campaign) == [
        "campaign.create",
        "campaign.update",
        "campaign.update",
    ]


def test_none_resets_calling_hours_and_outcomes_to_the_default(session, script):
    campaign = new(session, calling_hours={"sat": []}, outcomes=OUTCOMES)
    update_settings(session, campaign, calling_hours=None, outcomes=None)
    assert campaign.calling_hours is None and campaign.outcomes is None


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([CS.ACTIVE, CS.PAUSED, CS.ACTIVE, CS.CLOSED], True),
        ([CS.ACTIVE, CS.PAUSED, CS.CLOSED], True),
        ([CS.CLOSED], True),
        ([CS.PAUSED], False),
        ([CS.ACTIVE, CS.ACTIVE], False),
        ([CS.ACTIVE, CS.DRAFT], False),
        ([CS.CLOSED, CS.ACTIVE], False),
    ],
)
def test_status_flow(session, script, path, allowed):
    campaign = new(session)
    *steps, last = path
    for status in steps:
        set_status(session, campaign, status)
    if allowed:
        set_status(session, campaign, last)
        assert campaign.status == last
        assert audit_actions(session, campaign).count("campaign.status") == len(path)
    else:
        with pytest.raises(CampaignError, match=f"cannot become {last.value}|already"):
            set_status(session, campaign, last)


def test_a_campaign_without_script_cannot_be_activated(session):
    campaign = factories.campaign(session, status=CS.DRAFT)
    with pytest.raises(CampaignError, match="has no call script"):
        set_status(session, campaign, CS.ACTIVE)
    assert campaign.status == CS.DRAFT


def test_a_closed_campaign_no_longer_changes(session, script):
    campaign = new(session)
    set_status(session, campaign, CS.CLOSED)
    with pytest.raises(CampaignError, match="PILOT is closed"):
        update_settings(session, campaign, max_attempts=3)
    with pytest.raises(CampaignError, match="PILOT is closed"):
        use_script(session, campaign, "fleet_qualification")
    with pytest.raises(CampaignError, match="PILOT is closed"):
        enqueue_segment(session, campaign, Segment())


def test_closing_gives_waiting_accounts_back_and_lets_calls_finish(session, script):
    from datetime import UTC, datetime, timedelta

    from app.desk.queue import claim_next, reschedule

    campaign = new(session)
    set_status(session, campaign, CS.ACTIVE)
    agent = factories.user(session)
    ids = [factories.account(session, status=AccountStatus.READY).id for _ in range(3)]
    enqueue_accounts(session, campaign, ids)
    tuesday = datetime(2025, 4, 22, 9, 0, tzinfo=UTC)
    in_call = claim_next(session, campaign, agent.id, now=tuesday)
    callback = claim_next(session, campaign, factories.user(session).id, now=tuesday)
    reschedule(session, callback, now=tuesday, retry_after_minutes=None, final=False,
               callback_at=tuesday + timedelta(days=1), callback_agent_id=None)  # fmt: skip
    set_status(session, campaign, CS.CLOSED)
    entries = {e.account_id: e for e in session.scalars(
        select(QueueEntry).where(QueueEntry.campaign_id == campaign.id))}  # fmt: skip
    for account_id in ids:
        account = session.get(Account, account_id)
        if account_id == in_call.account_id:
            assert account.status == AccountStatus.IN_CALL  # the call in progress goes on
            assert entries[account_id].state == QueueState.LEASED
        else:
            assert account.status == AccountStatus.READY
            assert entries[account_id].state == QueueState.DONE


# -- the pages' services: a version of a script, a copy, every problem at once ----------


def test_use_script_version_takes_any_loaded_version_and_audits_it(session, script):
    edited = SCRIPT.read_text(encoding="utf-8").replace("Qualificazione", "Qualifica")
    newer = load_script(session, edited)
    campaign = new(session)
    assert campaign.call_script_id == newer.id
    assert use_script_version(session, campaign, script.id).id == script.id
    assert campaign.call_script_id == script.id  # an older version, on purpose
    assert use_script_version(session, campaign, script.id) == script  # again: no change
    assert audit_actions(session, campaign) == ["campaign.create", "campaign.use_script"]
    with pytest.raises(CampaignError, match="does not exist") as caught:
        use_script_version(session, campaign, newer.id + 1000)
    assert caught.value.field == "call_script_id"
    set_status(session, campaign, CS.CLOSED)
    with pytest.raises(CampaignError, match="PILOT is closed"):
        use_script_version(session, campaign, newer.id)


def test_create_on_a_chosen_version_or_without_a_script(session, script):
    chosen = create_campaign(session, code="V1", name="Versione", call_script_id=script.id)
    assert chosen.call_script_id == script.id
    bare = create_campaign(session, code="BARE", name="Senza copione")
    assert bare.call_script_id is None and bare.status == CS.DRAFT
    with pytest.raises(CampaignError, match="has no call script"):
        set_status(session, bare, CS.ACTIVE)


def test_a_copy_is_a_draft_with_the_settings_and_an_empty_queue(session, script):
    zone = factories.zone(session)
    source = new(session, max_attempts=3, calling_hours={"sat": []}, outcomes=OUTCOMES,
                 target_redemption="0.55")  # fmt: skip
    source.zone_id = zone.id
    set_status(session, source, CS.ACTIVE)
    enqueue_accounts(session, source, [factories.account(session, status=AccountStatus.READY).id])
    copy = clone_campaign(session, source, code="PILOT-2", name="Pilota bis")
    assert (copy.code, copy.name, copy.status) == ("PILOT-2", "Pilota bis", CS.DRAFT)
    assert copy.call_script_id == source.call_script_id and copy.zone_id == zone.id
    assert (copy.max_attempts, copy.target_redemption) == (3, Decimal("0.550"))
    assert copy.calling_hours == {"sat": []} and copy.outcomes == OUTCOMES
    assert session.scalars(select(QueueEntry).where(QueueEntry.campaign_id == copy.id)).all() == []
    assert audit_actions(session, copy) == ["campaign.create"]
    with pytest.raises(CampaignError, match="already exists") as caught:
        clone_campaign(session, source, code="PILOT", name="Ancora")
    assert caught.value.field == "code"


def test_settings_problems_lists_every_bad_setting_with_its_field(session):
    problems = settings_problems({"max_attempts": 0, "lease_minutes": 5, "name": " ",
                                  "calling_hours": {"sun": [["10:00", "12:00"]]},
                                  "outcomes": [OUTCOMES[1]]})  # fmt: skip
    assert set(problems) == {"max_attempts", "name", "calling_hours", "outcomes"}
    assert problems["max_attempts"].reason == "0 is out of range, it must be 1 to 20"
    assert problems["calling_hours"].cause.day == "sun"
    assert "qualified" in problems["outcomes"].reason
    assert settings_problems({"max_attempts": 3}) == {}


def test_the_name_may_change_and_is_checked(session, script):
    campaign = new(session)
    assert update_settings(session, campaign, name="  Pilota nord  ") == {"name": "Pilota nord"}
    with pytest.raises(CampaignError, match="1 to 120 characters") as caught:
        update_settings(session, campaign, name="")
    assert caught.value.field == "name" and campaign.name == "Pilota nord"
