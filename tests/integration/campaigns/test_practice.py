"""Practice campaigns and practice accounts: the enqueue guards both ways, the copy service
and its command, the shell's --practice, and the counts that leave practice accounts out."""

from __future__ import annotations

import random
from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import (
    Account,
    AccountPhone,
    AccountSource,
    Contact,
    FleetLine,
    PhoneKind,
    TonnageClass,
)
from app.accounts.segments import Segment, count
from app.accounts.services import status_counts, zone_counts
from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.campaigns.models import QueueEntry
from app.campaigns.practice import copy_for_practice
from app.campaigns.queueing import PracticeMismatch, enqueue_accounts, enqueue_segment
from app.campaigns.services import CampaignError, create_campaign, find_campaign
from app.territory.models import Municipality, MunicipalityPostcode, Province
from tests import factories
from tests.integration.campaigns.support import counts as campaign_and_audit_rows

PERSONAL = ("key", "company_name", "legal_form", "street", "house_number", "postcode",
            "municipality", "istat_code", "vat_number", "tax_code", "email", "notes",
            "last_purchase_on")  # fmt: skip


def campaign(session, code, *, practice):
    return create_campaign(session, code=code, name=code.title(),
                           script_name="fleet_qualification", practice=practice)  # fmt: skip


def entries(session, c) -> int:
    query = sa.select(sa.func.count()).where(QueueEntry.campaign_id == c.id)
    return session.scalar(query)


@pytest.fixture
def both(session, script):
    return campaign(session, "LIVE", practice=False), campaign(session, "PROVA", practice=True)


@pytest.fixture
def real(session):
    return [factories.account(session, status=AccountStatus.READY) for _ in range(3)]


@pytest.fixture
def invented(session):
    return [factories.account(session, status=AccountStatus.READY, practice=True)
            for _ in range(2)]  # fmt: skip


def test_a_live_campaign_refuses_practice_accounts(session, both, real, invented):
    live, _ = both
    with pytest.raises(PracticeMismatch, match="live campaign"):
        enqueue_accounts(session, live, [real[0].id, invented[0].id])
    assert entries(session, live) == 0 and real[0].status == AccountStatus.READY
    with pytest.raises(PracticeMismatch):
        enqueue_segment(session, live, Segment(practice=True))
    assert enqueue_segment(session, live, Segment()).queued == 3  # the real base only
    assert {a.status for a in invented} == {AccountStatus.READY}


def test_a_practice_campaign_refuses_real_accounts(session, both, real, invented):
    _, practice = both
    with pytest.raises(PracticeMismatch, match="practice campaign"):
        enqueue_accounts(session, practice, [invented[0].id, real[0].id])
    assert entries(session, practice) == 0
    with pytest.raises(PracticeMismatch):
        enqueue_segment(session, practice, Segment())
    assert enqueue_segment(session, practice, Segment(practice=True)).queued == 2
    assert {a.status for a in real} == {AccountStatus.READY}


def test_the_workspace_counts_leave_practice_accounts_out_unless_asked(session, real, invented):
    zone = factories.zone(session)
    invented[0].zone_id = real[0].zone_id = zone.id
    session.flush()
    assert status_counts(session)[AccountStatus.READY] == 3
    assert status_counts(session, practice=True)[AccountStatus.READY] == 2
    assert dict(zone_counts(session)) == {"Nord": 1, "": 2}
    assert count(session, Segment()) == 3
    assert count(session, Segment(practice=True)) == 2


def test_the_practice_setting_from_the_shell(runner, session, script, real, invented):
    create = ["campaigns", "create", "PROVA", "Prova", "--script", "fleet_qualification"]
    result = runner.invoke(args=[*create, "--practice"])
    assert result.exit_code == 0 and "Created practice campaign PROVA" in result.output
    session.expire_all()
    assert find_campaign(session, "PROVA").practice is True
    listed = runner.invoke(args=["campaigns", "list"]).output
    assert "[PRACTICE]" in listed
    # 'enqueue' feeds a practice campaign with practice accounts, and only those
    result = runner.invoke(args=["campaigns", "enqueue", "PROVA"])
    assert result.exit_code == 0 and "Queued 2 account(s)" in result.output, result.output
    # a campaign with accounts in its queue cannot change kind: they would mix
    before = campaign_and_audit_rows(session)
    result = runner.invoke(args=["campaigns", "set", "PROVA", "--live"])
    assert result.exit_code == 1 and "practice and live accounts never mix" in result.output
    assert campaign_and_audit_rows(session) == before
    # an empty one can
    runner.invoke(args=["campaigns", "create", "LIVE", "Reale", "--script", "fleet_qualification"])
    result = runner.invoke(args=["campaigns", "set", "LIVE", "--practice"])
    assert result.exit_code == 0 and "changed practice" in result.output
    session.expire_all()
    assert find_campaign(session, "LIVE").practice is True


def test_a_campaign_is_live_unless_told(session, script):
    made = create_campaign(session, code="X", name="X", script_name="fleet_qualification")
    assert made.practice is False
    with pytest.raises(CampaignError, match="practice: 'yes' is not true or false"):
        create_campaign(session, code="Y", name="Y", script_name="fleet_qualification",
                        practice="yes")  # fmt: skip


@pytest.fixture
def bergamo(session):
    """Three comuni of one province, so a copy can move elsewhere in it."""
    session.add(Province(code="BG", name="Bergamo", region="Lombardia"))
    session.flush()
    for belfiore, name, istat, cap in (("A794", "Bergamo", "016024", "24121"),
                                        ("L400", "Treviglio", "016219", "24047"),
                                        ("F720", "Seriate", "016193", "24068")):  # fmt: skip
        session.add(Municipality(belfiore=belfiore, istat_code=istat, name=name,
                                 search_key=name.upper(), province_code="BG",
                                 region="Lombardia", reference_date=date(2026, 1, 1)))  # fmt: skip
        session.add(MunicipalityPostcode(belfiore=belfiore, postcode=cap))
    session.flush()


def real_company(session, n: int) -> Account:
    account = factories.account(
        session, company_name=f"Autotrasporti Bergamaschi {n} S.R.L.", legal_form="S.R.L.",
        street="Via Borgo Palazzo", house_number=str(n), postcode="24121",
        municipality="Bergamo", province="BG", istat_code="016024",
        vat_number=f"0{n}234560165"[:11], tax_code="BRGMRA70A01A794Z",
        email=f"ufficio{n}@bergamaschi.it", notes="Il titolare risponde dopo le 17",
        tonnage_class=TonnageClass.EXTRA_HEAVY, status=AccountStatus.READY,
    )  # fmt: skip
    account.phones.append(AccountPhone(raw=f"035 24{n}000", e164=f"+3903524{n}000",
                                       kind=PhoneKind.FIXED))  # fmt: skip
    account.fleet.append(FleetLine(brand="IVECO", vehicle_count=10 + n))
    account.contacts.append(Contact(full_name="Mario Bergamaschi", phone="+393471112223"))
    account.sources.append(AccountSource(source_kind="access", data={"RAGIONE_SOCIALE": "x"}))
    session.flush()
    return account


def test_copy_for_practice_replaces_every_personal_value(session, bergamo, script):
    originals = [real_company(session, n) for n in range(1, 5)]
    before = {a.id: {name: getattr(a, name) for name in PERSONAL} for a in originals}
    agent = factories.user(session)

    made = copy_for_practice(session, Segment(provinces=["BG"]), limit=3,
                             user_id=agent.id, rng=random.Random(5))  # fmt: skip

    assert len(made) == 3
    old_values = {v for values in before.values() for v in values.values() if v is not None}
    old_numbers = {p.e164 for a in originals for p in a.phones} | {
        p.raw for a in originals for p in a.phones}  # fmt: skip
    for copy in made:
        session.refresh(copy)
        assert copy.practice and copy.status == AccountStatus.READY
        for name in PERSONAL:  # not one personal value of any original survives
            assert getattr(copy, name) is None or getattr(copy, name) not in old_values, name
        assert copy.municipality in {"Treviglio", "Seriate"}
        assert not {p.e164 for p in copy.phones} & old_numbers
        assert not {p.raw for p in copy.phones} & old_numbers
        assert (copy.contacts, copy.sources, copy.opportunities) == ([], [], [])
        assert copy.province == "BG" and copy.tonnage_class == TonnageClass.EXTRA_HEAVY
        assert [f.brand for f in copy.fleet] == ["IVECO"]
    assert sorted(f.vehicle_count for c in made for f in c.fleet) == [11, 12, 13]
    for account in originals:  # the originals are untouched
        session.refresh(account)
        assert {name: getattr(account, name) for name in PERSONAL} == before[account.id]
        assert account.practice is False
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "practice.copy")).one()
    assert audit.user_id == agent.id and audit.details["made"] == 3
    assert sorted(audit.details["keys"]) == sorted(c.key for c in made)
    text = str(audit.details)
    assert not any(str(v) in text for a in originals for v in (a.id, a.key, a.company_name))


def test_copy_for_practice_refuses_what_it_cannot_do(session, script, invented):
    with pytest.raises(CampaignError, match="copies already"):
        copy_for_practice(session, Segment(practice=True), limit=5, user_id=None)
    with pytest.raises(CampaignError, match="limit"):
        copy_for_practice(session, Segment(), limit=0, user_id=None)


def test_copy_then_queue_from_the_shell(runner, session, script, bergamo):
    originals = [real_company(session, n) for n in range(1, 3)]
    runner.invoke(args=["campaigns", "create", "PROVA", "Prova", "--script",
                        "fleet_qualification", "--practice"])  # fmt: skip
    result = runner.invoke(args=["campaigns", "copy-for-practice", "--province", "BG",
                                 "--limit", "5"])  # fmt: skip
    assert result.exit_code == 0 and "Made 2 practice account(s)" in result.output
    result = runner.invoke(args=["campaigns", "enqueue", "PROVA"])
    assert "Queued 2 account(s)" in result.output
    session.expire_all()
    queued = session.scalars(sa.select(Account).join(QueueEntry)).all()
    assert len(queued) == 2 and all(a.practice for a in queued)
    assert {a.id for a in queued}.isdisjoint({a.id for a in originals})
    missing = runner.invoke(args=["campaigns", "copy-for-practice"])
    assert missing.exit_code == 1 and "--limit" in missing.output
