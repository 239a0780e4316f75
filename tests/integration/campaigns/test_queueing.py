"""Putting accounts in a campaign's queue: one service (``enqueue_segment``) for the segment
page, the shell and the demo, and the guards it holds."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, TonnageClass
from app.accounts.segments import Segment
from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.campaigns.models import QueueEntry, QueueState
from app.campaigns.queueing import (
    enqueue_accounts,
    enqueue_segment,
    segment_from_options,
)
from app.campaigns.services import CampaignError, create_campaign
from app.desk.queue import claim
from app.security import Role
from tests import factories
from tests.integration.campaigns.support import audit_actions

A_TUESDAY_MORNING = datetime(2025, 4, 22, 10, 0, tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)


def new(session, code="PILOT"):
    return create_campaign(session, code=code, name="Pilota", script_name="fleet_qualification")


def queued_ids(session, campaign) -> set[int]:
    return set(
        session.scalars(
            sa.select(QueueEntry.account_id).where(QueueEntry.campaign_id == campaign.id)
        )
    )


@pytest.fixture
def accounts(session):
    """Accounts that differ in one filter each from the first, ``match``."""
    nord, sud = factories.zone(session, "NORD", "Nord"), factories.zone(session, "SUD", "Sud")
    base = {
        "status": AccountStatus.READY,
        "province": "MI",
        "tonnage_class": TonnageClass.EXTRA_HEAVY,
        "zone_id": nord.id,
    }
    variants = {
        "match": {},
        "bergamo": {"province": "BG"},
        "napoli": {"province": "NA", "zone_id": sud.id},
        "light": {"tonnage_class": TonnageClass.LIGHT},
        "unreachable": {"status": AccountStatus.UNREACHABLE},
        "new": {"status": AccountStatus.NEW},
        "do_not_call": {"do_not_call": True},
        "opposed": {"status": AccountStatus.DO_NOT_CALL},
        "anonymised": {"anonymised_at": A_TUESDAY_MORNING, "company_name": "—"},
    }
    return {
        name: factories.account(session, **{**base, **changes}).id
        for name, changes in variants.items()
    }


@pytest.mark.parametrize(
    ("options", "limit", "expected"),
    [
        ({}, None, ["match", "bergamo", "napoli", "light"]),
        ({"status": "unreachable"}, None, ["unreachable"]),
        ({"provinces": ["mi", "BG "]}, None, ["match", "bergamo", "light"]),
        ({"tonnage": "gt_16"}, None, ["match", "bergamo", "napoli"]),
        ({"zone_code": "sud"}, None, ["napoli"]),
        ({"zone_code": "NORD", "provinces": ["BG", "NA"]}, None, ["bergamo"]),
        ({}, 2, ["match", "bergamo"]),
    ],
)
def test_the_shell_s_options_make_a_segment(session, script, accounts, options, limit, expected):
    campaign = new(session)
    segment = segment_from_options(session, **options)
    result = enqueue_segment(session, campaign, segment, limit=limit)
    assert queued_ids(session, campaign) == {accounts[name] for name in expected}
    assert result.queued == len(expected)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"status": "new"}, "Accounts in status 'new' cannot be queued; choose one of: ready"),
        ({"status": "do_not_call"}, "Accounts in status 'do_not_call' cannot be queued"),
        ({"status": "callback"}, "Accounts in status 'callback' cannot be queued"),
        ({"status": "pronto"}, "Accounts in status 'pronto' cannot be queued"),
        ({"provinces": ["Milano"]}, "Province 'MILANO' is not a two-letter province code"),
        ({"tonnage": "heavy"}, "Tonnage class 'heavy' is unknown; choose one of: lt_3_5"),
        ({"zone_code": "EST"}, "No zone with code 'EST'"),
    ],
)
def test_bad_options_are_refused(session, accounts, options, message):
    with pytest.raises(CampaignError, match=message):
        segment_from_options(session, **options)


def test_a_limit_below_one_and_statuses_that_cannot_be_queued_are_refused(session, script):
    campaign = new(session)
    with pytest.raises(CampaignError, match="The limit must be at least 1, not 0"):
        enqueue_segment(session, campaign, Segment(), limit=0)
    with pytest.raises(CampaignError, match="Only accounts in these statuses can be queued"):
        enqueue_segment(session, campaign, Segment(statuses=[AccountStatus.NEW]))
    assert queued_ids(session, campaign) == set()


def test_enqueue_counts_skips_and_do_not_call_in_one_audit_action(session, script, accounts):
    campaign = new(session)
    first = enqueue_segment(
        session, campaign, segment_from_options(session, provinces=["MI"]), priority=3
    )
    assert (first.selected, first.queued, first.skipped, first.do_not_call) == (2, 2, 0, 1)
    # An account that went through the campaign and came back: selectable, but skipped.
    unreachable = session.get(Account, accounts["unreachable"])
    factories.queue_entry(session, campaign, unreachable, state=QueueState.DONE)
    again = segment_from_options(session, status="unreachable")
    second = enqueue_segment(session, campaign, again, user_id=None)
    assert (second.selected, second.queued, second.skipped) == (1, 0, 1)
    assert audit_actions(session, campaign).count("campaign.enqueue") == 2
    details = session.scalars(
        sa.select(AuditEntry.details)
        .where(AuditEntry.action == "campaign.enqueue")
        .order_by(AuditEntry.id)
    ).first()
    assert details["filters"] == {"provinces": ["MI"], "statuses": ["ready"]}
    assert (details["queued"], details["skipped"], details["do_not_call"]) == (2, 0, 1)


def test_the_shell_never_queues_an_anonymised_account(runner, session, script, accounts):
    """Defect: ``flask campaigns enqueue`` queued a ready account whose company had been
    anonymised (a nameless account with no numbers), which an agent could then be served."""
    assert runner.invoke(args=["campaigns", "create", "PILOT", "Pilota", "--script",
                               "fleet_qualification"]).exit_code == 0  # fmt: skip
    result = runner.invoke(args=["campaigns", "enqueue", "PILOT"])
    assert result.exit_code == 0, result.output
    assert "Queued 4 account(s)" in result.output
    queued = set(session.scalars(sa.select(QueueEntry.account_id)))
    assert accounts["anonymised"] not in queued
    assert session.get(Account, accounts["anonymised"]).status == AccountStatus.READY


def test_enqueue_accounts_skips_anonymised_ones_given_by_id(session, script, accounts):
    campaign = new(session)
    assert enqueue_accounts(session, campaign, [accounts["anonymised"], accounts["match"]]) == 1
    assert queued_ids(session, campaign) == {accounts["match"]}


def test_the_claim_never_serves_an_anonymised_account(session):
    """Defence in depth: an anonymised account that is in a queue anyway (queued before
    the anonymisation, or by hand) is passed over by the claim."""
    campaign = factories.campaign(session)
    agent = factories.user(session, Role.AGENT, "agente")
    anonymised = factories.account(
        session, status=AccountStatus.QUEUED, anonymised_at=A_TUESDAY_MORNING
    )
    factories.queue_entry(session, campaign, anonymised, priority=9)
    assert claim(session, campaign, agent.id, A_TUESDAY_MORNING) is None
    named = factories.queue_entry(session, campaign)
    claimed = claim(session, campaign, agent.id, A_TUESDAY_MORNING)
    assert claimed is not None and claimed.account_id == named.account_id
