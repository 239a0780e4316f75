"""Outcomes move the queue and the account exactly as documented; nothing is half-written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.accounts.models import Contact, FleetLine, Horizon, Opportunity, PhoneKind
from app.accounts.status import AccountStatus as S
from app.campaigns.models import QueueEntry, QueueState
from app.campaigns.outcomes import DEFAULT_OUTCOMES, OutcomeConfigError, rules_from_config
from app.desk.held import keep_draft
from app.desk.models import CallAttempt, CallDraft
from app.desk.queue import claim_next
from app.desk.services import (
    AnswersRejected,
    DeskError,
    answers_from_fields,
    open_call,
    record_outcome,
)
from tests import factories
from tests.integration.desk.conftest import queued_account

NOW = datetime(2025, 4, 22, 10, 0, tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)  # Tuesday

QUALIFYING = {
    "a.is_decision_maker": "true",
    "a.company_name": "Autotrasporti Rossi SRL",
    "a.street": "Via Roma",
    "a.house_number": "1",
    "a.municipality": "Milano",
    "a.province": "MI",
    "a.postcode": "20121",
    "a.has_trucks": "true",
    "a.fleet_lines.0.brand": "renault_trucks",
    "a.fleet_lines.0.vehicle_count": "12",
    "a.fleet_lines.0.tonnage_class": "gt_16",
    "a.fleet_lines.1.brand": "other",
    "a.fleet_lines.1.brand_other": "Astra",
    "a.fleet_lines.1.vehicle_count": "3",
    "a.fleet_lines.2.brand": "",
    "a.contact_name": "Giulia Bianchi",
    "a.contact_role": "Responsabile acquisti",
    "a.contact_is_purchasing_manager": "true",
    "a.contact_phone": "333 123 4567",
    "a.purchase_horizon": "6",
    "a.vehicle_kind": "tractor_unit",
    "a.vehicle_quantity": "2",
}


def take(session, campaign, agent, now=NOW):
    entry = claim_next(session, campaign, agent.id, now=now)
    assert entry is not None
    return open_call(session, entry.id, agent.id, now=now)


def outcome(session, call, code, fields=None, now=NOW, **kw):
    return record_outcome(
        session, call, code=code, fields=fields or {}, notes=kw.pop("notes", None),
        client_token=kw.pop("token", f"tok-{code}-{call.entry.id}-{call.entry.attempts}"),
        now=now, **kw,
    )  # fmt: skip


def test_default_outcomes_are_consistent():
    rules = rules_from_config(None)
    assert [r.code for r in DEFAULT_OUTCOMES] == list(rules)
    assert [c for c, r in rules.items() if r.qualified] == ["qualified"]
    assert len({r.key for r in rules.values()}) == len(rules)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([{"code": "x", "label_it": "x", "label_en": "x", "key": "z", "status": "nope"}],
         "outcomes\\[0\\]"),
        ([{"code": "q", "label_it": "q", "label_en": "q", "key": "q", "status": "qualified",
           "qualified": True}], "must be final and reached"),
        ([{"code": "w", "label_it": "w", "label_en": "w", "key": "w", "status": "queued"}],
         "needs callback or retry"),
        ([{"code": "a", "label_it": "a", "label_en": "a", "key": "a", "status": "invalid",
           "final": True, "colour": "red"}], "unknown keys"),
    ],
)  # fmt: skip
def test_bad_outcome_configuration_is_explained(config, message):
    with pytest.raises(OutcomeConfigError, match=message):
        rules_from_config(config)


def test_qualified_writes_everything_and_closes_the_entry(session, campaign, agent):
    account = queued_account(session, campaign)
    call = take(session, campaign, agent)
    assert account.status == S.IN_CALL
    attempt = outcome(session, call, "qualified", QUALIFYING, notes="Rinnovo flotta")
    assert account.status == S.QUALIFIED
    assert call.entry.state == QueueState.DONE and call.entry.attempts == 1
    assert attempt.outcome == "qualified" and attempt.agent_id == agent.id
    assert attempt.call_script_id == campaign.call_script_id
    assert attempt.started_at <= attempt.ended_at == NOW
    fleet = session.scalars(sa.select(FleetLine).order_by(FleetLine.vehicle_count)).all()
    assert [(f.brand, f.vehicle_count) for f in fleet] == [("Astra", 3), ("Renault Trucks", 12)]
    contact = session.scalars(sa.select(Contact)).one()
    assert contact.full_name == "Giulia Bianchi" and contact.phone == "+393331234567"
    assert contact.is_purchasing_manager
    opportunity = session.scalars(sa.select(Opportunity)).one()
    assert opportunity.horizon == Horizon.M6 and opportunity.quantity == 2
    assert session.scalars(sa.select(CallDraft)).all() == []


def test_the_desk_cleans_each_answer_once(session, campaign, agent, monkeypatch):
    """Recording an outcome cleans the agent's answers once and writes what it understood
    (checking the answers, the required ones and writing them all read that one result)."""
    from app.scripting import answers as answers_module

    cleaned: list[str] = []
    clean_one = answers_module.clean_answer

    def counting(question, raw):
        cleaned.append(question.id)
        return clean_one(question, raw)

    monkeypatch.setattr(answers_module, "clean_answer", counting)
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    outcome(session, call, "qualified", QUALIFYING)
    assert cleaned and len(cleaned) == len(set(cleaned))


def test_qualified_needs_the_required_answers(session, campaign, agent):
    account = queued_account(session, campaign)
    call = take(session, campaign, agent)
    partial = {k: v for k, v in QUALIFYING.items() if k != "a.contact_phone"}
    with pytest.raises(AnswersRejected) as caught:
        outcome(session, call, "qualified", partial)
    assert set(caught.value.errors) == {"contact_phone"}
    assert account.status == S.IN_CALL
    assert session.scalars(sa.select(CallAttempt)).all() == []


def test_invalid_answer_refuses_any_outcome(session, campaign, agent):
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    with pytest.raises(AnswersRejected) as caught:
        outcome(session, call, "not_interested", {"a.company_email": "not-an-address"})
    assert "company_email" in caught.value.errors


def test_hidden_branch_is_not_required(session, campaign, agent):
    """No trucks: fleet and opportunity are skipped, and the call may still qualify."""
    account = queued_account(session, campaign)
    call = take(session, campaign, agent)
    fields = {k: v for k, v in QUALIFYING.items() if not k.startswith(("a.fleet", "a.purchase",
              "a.vehicle"))} | {"a.has_trucks": "false"}  # fmt: skip
    outcome(session, call, "qualified", fields)
    assert account.status == S.QUALIFIED
    assert session.scalars(sa.select(FleetLine)).all() == []


@pytest.mark.parametrize(
    ("code", "status", "state"),
    [
        ("not_interested", S.NOT_INTERESTED, QueueState.DONE),
        ("no_answer", S.QUEUED, QueueState.WAITING),
        ("busy", S.QUEUED, QueueState.WAITING),
        ("company_closed", S.INVALID, QueueState.DONE),
        ("duplicate", S.TO_REVIEW, QueueState.DONE),
    ],
)
def test_outcome_moves_account_and_queue(session, campaign, agent, code, status, state):
    account = queued_account(session, campaign)
    call = take(session, campaign, agent)
    outcome(session, call, code)
    assert account.status == status
    assert call.entry.state == state
    assert call.entry.lease_holder_id is None


def test_retry_delays_follow_the_campaign(session, campaign, agent):
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    outcome(session, call, "busy")
    assert call.entry.next_call_at == NOW + timedelta(minutes=campaign.retry_busy_minutes)
    call = take(session, campaign, agent, now=NOW + timedelta(hours=1))
    outcome(session, call, "no_answer", now=NOW + timedelta(hours=1))
    expected = NOW + timedelta(hours=1, minutes=campaign.retry_no_answer_minutes)
    assert call.entry.next_call_at == expected


def test_retries_run_out_into_unreachable(session, campaign, agent):
    campaign.max_attempts = 2
    account = queued_account(session, campaign)
    now = NOW
    for _ in range(2):
        call = take(session, campaign, agent, now=now)
        outcome(session, call, "no_answer", now=now)
        now += timedelta(hours=3)
    assert account.status == S.UNREACHABLE
    assert call.entry.state == QueueState.DONE and call.entry.attempts == 2


def test_callback_needs_a_future_time_and_belongs_to_the_agent(session, campaign, agent):
    account = queued_account(session, campaign)
    call = take(session, campaign, agent)
    with pytest.raises(DeskError, match="future"):
        outcome(session, call, "callback")
    with pytest.raises(DeskError, match="future"):
        outcome(session, call, "callback", callback_at=NOW - timedelta(minutes=1))
    later = NOW + timedelta(days=1)
    outcome(session, call, "callback", callback_at=later)
    assert account.status == S.CALLBACK
    assert call.entry.is_callback and call.entry.callback_agent_id == agent.id
    assert call.entry.next_call_at == later


def test_do_not_call_is_immediate_and_final(session, campaign, agent):
    account = queued_account(session, campaign)
    call = take(session, campaign, agent)
    outcome(session, call, "do_not_call")
    assert account.status == S.DO_NOT_CALL and account.do_not_call
    assert claim_next(session, campaign, agent.id, now=NOW) is None


def test_wrong_number_marks_the_dialled_number(session, campaign, agent):
    account = queued_account(session, campaign)
    call = take(session, campaign, agent)
    outcome(session, call, "wrong_number")
    assert account.status == S.INVALID
    assert account.phones[0].kind == PhoneKind.INVALID


def test_outcome_outside_the_campaign_set_is_refused(session, campaign, agent):
    campaign.outcomes = [
        {"code": "qualified", "label_it": "Q", "label_en": "Q", "key": "q",
         "status": "qualified", "reached": True, "final": True, "qualified": True},
        {"code": "busy", "label_it": "O", "label_en": "B", "key": "o", "status": "queued",
         "retry": "busy"},
    ]  # fmt: skip
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    assert list(call.rules) == ["qualified", "busy"]
    with pytest.raises(DeskError, match="not available"):
        outcome(session, call, "not_interested")


def test_draft_is_kept_per_agent_and_entry(session, campaign, agent):
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    typed = {"a.company_name": "Nuovo Nome", "csrf_token": "x"}
    keep_draft(session, call.entry.id, agent.id, typed, "nota")
    again = open_call(session, call.entry.id, agent.id)
    assert again.draft.answers == {"a.company_name": "Nuovo Nome"}
    assert again.fields["a.company_name"] == "Nuovo Nome"
    assert again.draft.notes == "nota"


def test_a_draft_saved_after_the_outcome_writes_nothing(session, campaign, agent):
    """The autosave that arrives after the outcome (or after another agent took the entry)
    neither brings the draft back nor moves the lease."""
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    entry_id = call.entry.id
    outcome(session, call, "busy")
    session.flush()
    with pytest.raises(DeskError, match="no longer assigned"):
        keep_draft(session, entry_id, agent.id, {"a.company_name": "Tardi"}, None)
    assert session.scalar(sa.select(sa.func.count()).select_from(CallDraft)) == 0
    entry = session.get(QueueEntry, entry_id)
    assert entry.lease_holder_id is None and entry.lease_expires_at is None


def test_a_call_whose_draft_went_missing_gets_one_back(session, campaign, agent):
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    session.execute(sa.delete(CallDraft))
    saved = keep_draft(session, call.entry.id, agent.id, {"a.company_name": "Di nuovo"}, "nota")
    draft = session.scalars(sa.select(CallDraft)).one()
    assert draft.answers == {"a.company_name": "Di nuovo"} and draft.created_at == saved.saved_at
    assert call.entry.lease_expires_at == saved.lease_expires_at  # the loaded entry read anew


def test_a_call_held_by_someone_else_cannot_be_opened(session, campaign, agent, users):
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    with pytest.raises(DeskError, match="no longer assigned"):
        open_call(session, call.entry.id, users["supervisor"].id)


def test_fleet_rows_from_form_fields(session, campaign, agent):
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    answers = answers_from_fields(call.script, QUALIFYING)
    assert answers["fleet_lines"][1] == {
        "brand": "other", "brand_other": "Astra", "vehicle_count": "3",
    }  # fmt: skip
    assert "csrf_token" not in answers


def test_busy_is_not_refused_for_a_wrong_answer(session, campaign, agent):
    account = queued_account(session, campaign)
    call = take(session, campaign, agent)
    attempt = outcome(session, call, "busy", {"a.vat_number": "12345678901"})
    assert account.status == S.QUEUED
    assert attempt.answers == {}  # nothing valid was said: nothing stored, nothing applied


def test_the_call_keeps_cleaned_answers_only_for_visible_questions(session, campaign, agent):
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    fields = QUALIFYING | {"a.has_trucks": "false", "a.fleet_lines.0.vehicle_count": "12"}
    fields = {k: v for k, v in fields.items() if not k.startswith(("a.purchase", "a.vehicle"))}
    attempt = outcome(session, call, "qualified", fields)
    assert attempt.answers["contact_phone"] == "+393331234567"
    assert attempt.answers["has_trucks"] is False
    assert "fleet_lines" not in attempt.answers


def test_callback_outside_calling_hours_is_refused(session, campaign, agent):
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    sunday = NOW + timedelta(days=5)  # Tuesday + 5 days
    with pytest.raises(DeskError, match="outside calling hours"):
        outcome(session, call, "callback", callback_at=sunday)


def test_a_call_whose_lease_was_taken_cannot_be_recorded(session, campaign, agent, users):
    from app.desk.services import LeaseLostError

    queued_account(session, campaign)
    call = take(session, campaign, agent)
    later = NOW + timedelta(minutes=campaign.lease_minutes + 1)
    other = claim_next(session, campaign, users["supervisor"].id, now=later)
    assert other is not None and other.id == call.entry.id  # the abandoned lease moved on
    with pytest.raises(LeaseLostError):
        outcome(session, call, "not_interested", now=later)


def test_closing_during_a_call_does_not_strand_the_account(session, campaign, agent):
    from app.campaigns.models import CampaignStatus

    account = queued_account(session, campaign)
    call = take(session, campaign, agent)
    campaign.status = CampaignStatus.CLOSED
    outcome(session, call, "busy")
    assert call.entry.state == QueueState.DONE
    assert account.status == S.READY


def test_the_next_call_shows_what_earlier_calls_captured(session, campaign, agent):
    queued_account(session, campaign)
    call = take(session, campaign, agent)
    fields = {"a.is_decision_maker": "true", "a.contact_name": "Giulia Bianchi",
              "a.contact_phone": "333 1234567", "a.has_trucks": "true",
              "a.fleet_lines.0.brand": "volvo", "a.fleet_lines.0.vehicle_count": "4"}  # fmt: skip
    later = NOW + timedelta(days=1)
    outcome(session, call, "callback", fields, callback_at=later)
    again = take(session, campaign, agent, now=later)
    assert [c.full_name for c in again.contacts] == ["Giulia Bianchi"]
    assert [(f.brand, f.vehicle_count) for f in again.fleet] == [("Volvo", 4)]
    assert again.fleet_rows("fleet_lines") == 3


def test_closed_campaign_calls_given_back_or_abandoned_end_ready(session, campaign, agent, users):
    from app.campaigns.models import CampaignStatus
    from app.desk.queue import release

    given_back = queued_account(session, campaign, "Uno SRL")
    abandoned = queued_account(session, campaign, "Due SRL")
    first = take(session, campaign, agent)
    second = take(session, campaign, users["supervisor"])
    campaign.status = CampaignStatus.CLOSED
    release(session, first.entry, agent.id)
    other = factories.campaign(session, code="OTHER", call_script_id=campaign.call_script_id)
    later = NOW + timedelta(minutes=campaign.lease_minutes + 1)
    claim_next(session, other, agent.id, now=later)  # any claim returns expired leases
    for account, call in ((given_back, first), (abandoned, second)):
        assert account.status == S.READY, account.company_name
        assert call.entry.state == QueueState.DONE
