"""Script versions in the database, and a call's answers written onto the account."""

from __future__ import annotations

from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import func, select
from stdnum import luhn

from app.accounts.models import FleetLine, Horizon, TonnageClass
from app.audit.models import AuditEntry
from app.scripting.answers import CleanedAnswers, clean_answers
from app.scripting.models import CallScript
from app.scripting.parser import ScriptError
from app.scripting.services import (
    InvalidAnswers,
    apply_answers,
    latest_version,
    load_script,
    prefill_answers,
    script_of,
)
from tests import factories

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "call_scripts" / "fleet_qualification.toml"
BROKEN = ROOT / "tests" / "unit" / "scripting" / "fixtures" / "broken_rules.toml"
CAMPAIGNS = count(1)
VAT = "1234567015" + luhn.calc_check_digit("1234567015")


def cleaned(stored: CallScript, answers: dict) -> CleanedAnswers:
    """The answers as the desk hands them over: cleaned once, by ``clean_answers``."""
    return clean_answers(script_of(stored), answers)


def count_scripts(session) -> int:
    return session.scalar(select(func.count()).select_from(CallScript))


def test_loading_stores_versions_and_skips_identical_text(session, users):
    first = load_script(session, SHIPPED, user_id=users["staff"].id)
    assert (first.name, first.version, first.title) == (
        "fleet_qualification",
        1,
        "Qualificazione parco veicoli",
    )
    assert first.source_text == SHIPPED.read_text(encoding="utf-8")
    assert first.loaded_by_id == users["staff"].id
    assert load_script(session, SHIPPED).id == first.id  # same text: no new version
    edited = first.source_text.replace("Fleet qualification", "Fleet qualification 2026")
    second = load_script(session, edited)
    assert second.version == 2 and second.sha256 != first.sha256
    assert latest_version(session, "fleet_qualification").id == second.id
    assert script_of(second).title.en == "Fleet qualification 2026"


def test_each_new_version_is_audited_once(session, users):
    first = load_script(session, SHIPPED, user_id=users["staff"].id)
    load_script(session, SHIPPED, user_id=users["admin"].id)  # identical: nothing new
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "script.load").order_by(AuditEntry.id)
    ).all()
    assert [(e.user_id, e.object_id, e.details["version"]) for e in entries] == [
        (users["staff"].id, str(first.id), 1)
    ]
    assert entries[0].details["name"] == "fleet_qualification"


def test_a_broken_script_stores_nothing(session):
    before = count_scripts(session)
    with pytest.raises(ScriptError) as caught:
        load_script(session, BROKEN)
    assert len(caught.value.problems) > 10
    assert count_scripts(session) == before


@pytest.fixture
def stored(session):
    return load_script(session, SHIPPED)


@pytest.fixture
def account(session):
    return factories.account(
        session,
        company_name="Trasporti Bianchi S.R.L.",
        street="Via Roma",
        postcode="20121",
        municipality="Milano",
        province="MI",
    )


ANSWERS = {
    "is_decision_maker": "yes",
    "company_name": "Trasporti Bianchi SRL",
    "street": "Via Giuseppe Verdi",
    "house_number": "12",
    "municipality": "Milano",
    "province": "MI",
    "postcode": "20123",
    "vat_number": f"IT {VAT}",
    "has_trucks": "yes",
    "fleet_lines": [
        {"brand": "iveco", "vehicle_count": "4", "tonnage_class": "gt_16"},
        {"brand": "other", "brand_other": "Tatra", "vehicle_count": "1", "tonnage_class": ""},
    ],
    "main_tonnage_class": "gt_16",
    "contact_name": "Mario Rossi",
    "contact_role": "Responsabile flotta",
    "contact_is_purchasing_manager": "yes",
    "contact_phone": "02 1234 5678",
    "contact_email": "m.rossi@trasportibianchi.it",
    "purchase_horizon": "6",
    "vehicle_kind": "tractor_unit",
    "vehicle_quantity": "2",
    "opportunity_notes": "Permuta di due Stralis",
}


def test_prefill_reads_the_account(session, stored, account):
    values = prefill_answers(script_of(stored), account)
    assert values == {
        "company_name": "Trasporti Bianchi S.R.L.",
        "street": "Via Roma",
        "municipality": "Milano",
        "province": "MI",
        "postcode": "20121",
    }


def test_prefill_takes_a_trailing_house_number_off_the_street(session, stored, account):
    """Issue 21: "Via Verdi 137" with no house number stored was prefilled whole; the agent
    typed 137 in the empty house number and the export printed "Via Verdi 137 137"."""
    account.street, account.house_number = "Via Verdi 137", None
    values = prefill_answers(script_of(stored), account)
    assert (values["street"], values["house_number"]) == ("Via Verdi", "137")
    account.street, account.house_number = "Via Verdi 137", "137/A"  # stored: left as is
    values = prefill_answers(script_of(stored), account)
    assert (values["street"], values["house_number"]) == ("Via Verdi 137", "137/A")


def test_street_and_house_number_are_stored_apart(session, stored, account):
    account.street, account.house_number = "Via Verdi 137", None
    # An old draft: the whole street, and the number typed again in its own field.
    apply_answers(
        session,
        account,
        stored,
        cleaned(stored, {**ANSWERS, "street": "Via Verdi 137", "house_number": "137"}),
    )
    assert (account.street, account.house_number) == ("Via Verdi", "137")
    apply_answers(
        session,
        account,
        stored,
        cleaned(stored, {**ANSWERS, "street": "Via Verdi 12", "house_number": ""}),
    )
    assert (account.street, account.house_number) == ("Via Verdi", "12")


def test_answers_update_account_contact_fleet_and_opportunity(session, stored, account):
    applied = apply_answers(session, account, stored, cleaned(stored, ANSWERS))
    session.expire_all()
    assert set(applied.account_fields) == {
        *("company_name", "street", "house_number", "postcode", "vat_number"),
        "tonnage_class",
    }
    assert (account.street, account.house_number, account.postcode) == (
        "Via Giuseppe Verdi",
        "12",
        "20123",
    )
    assert account.vat_number == VAT
    assert account.tonnage_class is TonnageClass.EXTRA_HEAVY
    [contact] = account.contacts
    assert (contact.full_name, contact.job_title, contact.phone, contact.email) == (
        "Mario Rossi",
        "Responsabile flotta",
        "+390212345678",
        "m.rossi@trasportibianchi.it",
    )
    assert contact.is_purchasing_manager is True
    fleet = sorted((f.brand, f.vehicle_count, f.tonnage_class) for f in account.fleet)
    assert fleet == [("Iveco", 4, TonnageClass.EXTRA_HEAVY), ("Tatra", 1, None)]
    [opportunity] = account.opportunities
    assert (opportunity.horizon, opportunity.vehicle_kind, opportunity.quantity) == (
        Horizon.M6,
        "tractor_unit",
        2,
    )
    assert opportunity.notes == "Permuta di due Stralis"


def call(session, account, campaign_script):
    """A real call attempt, so fleet lines and contacts can point at it."""
    from app.campaigns.models import Campaign
    from app.desk.models import CallAttempt

    agent = factories.user(session)
    code = f"SCRIPT-{next(CAMPAIGNS)}"
    campaign = Campaign(code=code, name=code, call_script_id=campaign_script.id)
    session.add(campaign)
    session.flush()
    attempt = CallAttempt(
        campaign_id=campaign.id,
        account_id=account.id,
        agent_id=agent.id,
        call_script_id=campaign_script.id,
    )
    session.add(attempt)
    session.flush()
    return attempt


def test_a_later_call_replaces_the_fleet_captured_by_calls(session, stored, account):
    imported = FleetLine(brand="Scania", vehicle_count=9)  # from a source file, not a call
    account.fleet.append(imported)
    first, second = call(session, account, stored), call(session, account, stored)
    # The table is pre-filled with the whole fleet: the imported line is confirmed in it.
    scania = {"brand": "scania", "vehicle_count": "9", "tonnage_class": ""}
    answers = {**ANSWERS, "fleet_lines": [scania, *ANSWERS["fleet_lines"]]}
    apply_answers(session, account, stored, cleaned(stored, answers), call_attempt_id=first.id)
    # Applying the same call twice (a retried save) changes nothing more.
    apply_answers(session, account, stored, cleaned(stored, answers), call_attempt_id=first.id)
    assert len(account.contacts) == 1 and len(account.opportunities) == 1
    assert len(account.fleet) == 3
    later = {
        **ANSWERS,
        "fleet_lines": [scania, {"brand": "volvo", "vehicle_count": "6",
                                 "tonnage_class": "7_5_16"}],
        "purchase_horizon": "none",
    }  # fmt: skip
    apply_answers(session, account, stored, cleaned(stored, later), call_attempt_id=second.id)
    session.expire_all()
    fleet = sorted((f.brand, f.vehicle_count, f.call_attempt_id) for f in account.fleet)
    assert fleet == [("Scania", 9, None), ("Volvo", 6, second.id)]
    assert len(account.contacts) == 1  # same person: updated, not repeated
    assert sorted(o.horizon for o in account.opportunities) == [Horizon.M6, Horizon.NONE]


def test_hidden_answers_are_not_written(session, stored, account):
    answers = {**ANSWERS, "has_trucks": "no", "is_decision_maker": "no"}
    answers |= {"referral_name": "Luca Bianchi", "referral_phone": "+39 333 1234567"}
    applied = apply_answers(session, account, stored, cleaned(stored, answers))
    assert applied.fleet_lines == [] and applied.opportunity is None
    assert account.fleet == [] and account.opportunities == []
    assert account.tonnage_class is None
    [contact] = account.contacts
    assert (contact.full_name, contact.phone) == ("Luca Bianchi", "+393331234567")
    assert contact.email is None  # the contact section was hidden


def test_invalid_answers_write_nothing(session, stored, account):
    with pytest.raises(InvalidAnswers) as caught:
        apply_answers(session, account, stored, cleaned(stored, {**ANSWERS, "contact_phone": "12"}))
    assert list(caught.value.errors) == ["contact_phone"]
    assert account.street == "Via Roma" and account.contacts == []


@pytest.fixture
def known(session, account):
    """An account whose contact, fleet and purchase intent earlier sources captured."""
    from app.accounts.models import Contact, Opportunity

    account.contacts.append(Contact(full_name="Mario Rossi", job_title="Titolare",
                                    phone="+390212345678", email="m.rossi@bianchi.it",
                                    is_purchasing_manager=True))  # fmt: skip
    account.fleet += [
        FleetLine(brand="Iveco", vehicle_count=4, tonnage_class=TonnageClass.EXTRA_HEAVY),
        FleetLine(brand="Tatra", vehicle_count=1),
    ]
    account.opportunities.append(
        Opportunity(horizon=Horizon.M6, vehicle_kind="tractor_unit", quantity=2, notes="Permuta")
    )
    session.flush()
    return account


def test_prefill_reads_contact_fleet_and_purchase_intent(session, stored, known):
    values = prefill_answers(script_of(stored), known)
    assert {k: values.get(k) for k in ("contact_name", "contact_role", "contact_phone",
            "contact_email", "contact_is_purchasing_manager", "referral_name")} == {
        "contact_name": "Mario Rossi", "contact_role": "Titolare",
        "contact_phone": "+390212345678", "contact_email": "m.rossi@bianchi.it",
        "contact_is_purchasing_manager": "true", "referral_name": "Mario Rossi",
    }  # fmt: skip
    assert values["fleet_lines"] == [
        {"brand": "iveco", "brand_other": "", "vehicle_count": "4", "tonnage_class": "gt_16"},
        {"brand": "other", "brand_other": "Tatra", "vehicle_count": "1", "tonnage_class": ""},
    ]
    assert (values["purchase_horizon"], values["vehicle_kind"]) == ("6", "tractor_unit")
    assert (values["vehicle_quantity"], values["opportunity_notes"]) == ("2", "Permuta")


def test_a_confirmed_value_is_no_change_a_corrected_one_is_the_calls(session, stored, known):
    script = script_of(stored)
    answers = {**prefill_answers(script, known), "is_decision_maker": "yes", "has_trucks": "yes"}
    first, second = call(session, known, stored), call(session, known, stored)
    applied = apply_answers(session, known, stored, cleaned(stored, answers), first.id)
    assert applied.account_fields == [] and applied.contact is None
    assert applied.fleet_lines == [] and applied.opportunity is None
    session.expire_all()
    [contact] = known.contacts
    assert contact.call_attempt_id is None  # confirmed: still the source's
    assert all(line.call_attempt_id is None for line in known.fleet) and len(known.fleet) == 2
    assert len(known.opportunities) == 1
    corrected = {**answers, "contact_phone": "333 1234567", "vehicle_quantity": "3"}
    corrected["fleet_lines"] = [answers["fleet_lines"][0], {**answers["fleet_lines"][1],
                                                          "vehicle_count": "2"}]  # fmt: skip
    applied = apply_answers(session, known, stored, cleaned(stored, corrected), second.id)
    session.expire_all()
    [contact] = known.contacts
    assert (contact.phone, contact.call_attempt_id) == ("+393331234567", second.id)
    assert applied.contact is contact
    fleet = sorted((f.brand, f.vehicle_count, f.call_attempt_id) for f in known.fleet)
    assert fleet == [("Iveco", 4, None), ("Tatra", 2, second.id)]
    newest = max(known.opportunities, key=lambda o: o.id)
    assert (newest.quantity, newest.call_attempt_id) == (3, second.id)
