"""The legal interval: when a campaign warns that its do-not-call check is too old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.audit.models import AuditEntry
from app.campaigns.models import CampaignStatus
from app.donotcall.interval import campaign_check_warning, campaign_warnings, register_check
from app.donotcall.models import DncList, DncSource
from tests import factories
from tests.integration.donotcall.conftest import TODAY


@pytest.fixture(autouse=True)
def context(app):
    with app.app_context():
        yield


def listed(session, days_ago: int, source=DncSource.REGISTRY) -> DncList:
    found = DncList(source=source, list_date=TODAY - timedelta(days=days_ago), entries=1)
    session.add(found)
    session.flush()
    return found


def test_no_registry_extract_ever_loaded_warns(session):
    campaign = factories.campaign(session)
    listed(session, 1, DncSource.INTERNAL)  # our own opt-outs are not a register check
    warning = campaign_check_warning(session, campaign, TODAY)
    assert warning and "Non è stato caricato alcun estratto del Registro" in warning
    assert register_check(session, TODAY).never


@pytest.mark.parametrize(("days_ago", "warns"), [(0, False), (14, False), (15, False),
                                                 (16, True), (40, True)])  # fmt: skip
def test_the_newest_extract_is_valid_for_fifteen_days(session, days_ago, warns):
    campaign = factories.campaign(session)
    listed(session, 60)
    listed(session, days_ago)
    warning = campaign_check_warning(session, campaign, TODAY)
    assert bool(warning) is warns
    if warns:
        assert "15" in warning and str(days_ago) in warning


def test_the_interval_comes_from_the_configuration(app, session):
    campaign = factories.campaign(session)
    listed(session, 10)
    assert campaign_check_warning(session, campaign, TODAY) is None
    app.config["DNC_MAX_AGE_DAYS"] = 7
    try:
        assert campaign_check_warning(session, campaign, TODAY) is not None
    finally:
        app.config["DNC_MAX_AGE_DAYS"] = 15


def test_a_closed_campaign_never_warns(session):
    campaign = factories.campaign(session, status=CampaignStatus.CLOSED)
    assert campaign_check_warning(session, campaign, TODAY) is None


def test_a_practice_campaign_phones_nobody_and_never_warns(session):
    live, practice = factories.campaign(session), factories.campaign(session, practice=True)
    assert campaign_check_warning(session, live, TODAY) is not None  # no extract ever loaded
    assert campaign_check_warning(session, practice, TODAY) is None
    assert [c for c, _warning in campaign_warnings(session, TODAY)] == [live]


@pytest.mark.parametrize(
    ("start_days_ago", "lists_days_ago", "warns"),
    [
        (5, [3, 20], False),  # checked 15 days before the start (day 20 is 15 before day 5)
        (5, [3, 21], True),  # the check before the start was 16 days before it
        (5, [3], True),  # only a check after the start
        (5, [5], False),  # checked the day it started
        (-10, [3], False),  # starts in 10 days: the newest extract will be 13 days old
        (-13, [3], True),  # starts in 13 days: it will be 16 days old by then
    ],
)
def test_a_check_is_needed_before_each_campaign(session, start_days_ago, lists_days_ago, warns):
    campaign = factories.campaign(session, starts_on=TODAY - timedelta(days=start_days_ago))
    for days_ago in lists_days_ago:
        listed(session, days_ago)
    warning = campaign_check_warning(session, campaign, TODAY)
    assert bool(warning) is warns
    if warns:
        assert campaign.starts_on.isoformat() in warning


def test_without_a_start_day_the_first_activation_counts(session):
    campaign = factories.campaign(session, starts_on=None)
    listed(session, 2)
    assert campaign_check_warning(session, campaign, TODAY) is None  # never activated
    activated = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)  # 21 days before TODAY
    session.add(AuditEntry(action="campaign.status", object_type="campaigns",
                           object_id=str(campaign.id), at=activated,
                           details={"old": "draft", "new": "active"}))  # fmt: skip
    session.flush()
    warning = campaign_check_warning(session, campaign, TODAY)
    assert warning and "2025-04-01" in warning
    listed(session, 25)  # a check 4 days before the activation
    assert campaign_check_warning(session, campaign, TODAY) is None


def test_campaign_warnings_lists_open_campaigns_by_code(session):
    factories.campaign(session, code="B2")
    factories.campaign(session, code="A1")
    factories.campaign(session, code="Z9", status=CampaignStatus.CLOSED)
    assert [c.code for c, _ in campaign_warnings(session, TODAY)] == ["A1", "B2"]
    listed(session, 1)
    assert campaign_warnings(session, TODAY) == []
