"""The demo seed, run once for the module (a shared world: seconds to build); each test
reads it, or seeds again, in a savepoint of its own."""

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from stdnum.it import iva

from app.accounts.models import Account, AccountPhone, AccountSource, PhoneKind
from app.cards.models import CardStatus, PaperCard
from app.security import Role
from app.territory.models import Dealer, Municipality, Salesperson, TerritoryRule, Zone
from app.users.models import User
from tests.conftest import shared_world

ACCOUNTS = 300  # besides, the practice campaign's own (the default is 2000: scripts/demo)


@pytest.fixture(scope="module")
def seeded(app) -> Iterator[str]:
    """What ``flask demo seed --accounts 300`` printed, its data in the database."""
    with shared_world(app, "seeded"):
        result = app.test_cli_runner().invoke(args=["demo", "seed", "--accounts", str(ACCOUNTS)])
        assert result.exit_code == 0, result.output
        yield result.output


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_seed_is_complete_and_idempotent(seeded, runner, session):
    assert f"{ACCOUNTS} accounts" in seeded
    for role in Role:
        assert role.value in seeded
    assert "qualifica-demo" in seeded

    counts = {
        model: count(session, model)
        for model in (
            Zone,
            Dealer,
            Salesperson,
            Account,
            User,
            Municipality,
            TerritoryRule,
            PaperCard,
        )
    }
    assert counts[Zone] == 3
    assert counts[Dealer] == 8
    assert counts[Salesperson] == 24
    real = select(func.count()).select_from(Account).where(Account.practice.is_(False))
    assert session.scalar(real) == ACCOUNTS  # and, besides, the practice campaign's accounts
    assert 0 < counts[Account] - ACCOUNTS <= 100
    assert counts[Municipality] > 7800
    assert {u.role for u in session.scalars(select(User))} == set(Role)
    # A card the secretary typed waits for another staff member (docs/data-entry.md).
    card = session.scalars(select(PaperCard)).one()
    assert card.status == CardStatus.PENDING and card.entered_by.username == "segreteria"
    assert "segreteria" in seeded

    second = runner.invoke(args=["demo", "seed", "--accounts", str(ACCOUNTS)])
    assert second.exit_code == 0, second.output
    assert "nothing added" in second.output
    for model, n in counts.items():
        assert count(session, model) == n, model


def test_seeded_accounts_are_real_places_with_provenance(seeded, session):
    accounts = session.scalars(select(Account).where(Account.practice.is_(False))).all()
    assert len(accounts) == ACCOUNTS
    names = set(session.scalars(select(Municipality.name)))
    clean = [a for a in accounts if a.municipality in names]
    assert len(clean) > 0.7 * len(accounts)  # the rest carry typos/upper case on purpose
    assert all(a.zone_id and a.dealer_id for a in accounts)
    assert count(session, AccountSource) == ACCOUNTS
    valid_vat = [a for a in accounts if a.vat_number and iva.is_valid(a.vat_number)]
    assert len(valid_vat) > 0.75 * len(accounts)
    kinds = set(session.scalars(select(AccountPhone.kind)))
    assert {PhoneKind.FIXED, PhoneKind.MOBILE} <= kinds
    source = session.scalars(select(AccountSource)).first()
    assert "RAGIONE_SOCIALE" in source.data and "_defects" in source.data


def test_workspace_shows_the_seeded_base(seeded, client, auth, session):
    auth.login("staff", "qualifica-demo")
    page = client.get("/workspace/").get_data(as_text=True)
    assert f"{ACCOUNTS} account" in page
    assert "Nord" in page and "Centro" in page and "Sud e Isole" in page


def test_demo_has_past_calls_and_qualified_accounts_to_hand_out(seeded, runner, session):
    from app.accounts.status import AccountStatus
    from app.desk.models import CallAttempt
    from app.distribution import services

    calls = count(session, CallAttempt)
    qualified = session.scalar(
        select(func.count()).where(Account.status == AccountStatus.QUALIFIED)
    )
    assert 0 < calls <= 120 and 0.4 * calls < qualified < 0.8 * calls
    found = services.overview(session)
    assert found.total == qualified and found.uncovered == []
    assert len(services.preview_wave(session, 50).allocations) == qualified
    again = runner.invoke(args=["demo", "seed", "--accounts", str(ACCOUNTS)])
    assert "nothing added" in again.output and count(session, CallAttempt) == calls


def test_the_practice_campaign_serves_the_demo_agents_at_any_hour(seeded, session):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from app.campaigns.models import Campaign, CampaignStatus, QueueEntry
    from app.desk.queue import claim

    assert "practice campaign PROVA" in seeded and "agente1" in seeded
    practice = session.scalars(select(Campaign).where(Campaign.code == "PROVA")).one()
    pilot = session.scalars(select(Campaign).where(Campaign.code == "PILOTA-16T")).one()
    assert practice.practice and practice.status == CampaignStatus.ACTIVE
    queued = session.scalars(select(Account).join(QueueEntry).where(
        QueueEntry.campaign_id == practice.id)).all()  # fmt: skip
    assert len(queued) > 10 and all(a.practice for a in queued)
    agent = session.scalars(select(User).where(User.username == "agente1")).one()
    sunday_evening = datetime(2026, 12, 6, 21, 30, tzinfo=ZoneInfo("Europe/Rome"))
    assert claim(session, pilot, agent.id, now=sunday_evening) is None
    assert claim(session, practice, agent.id, now=sunday_evening) is not None


def test_clean_demo_accounts_follow_the_import_s_conventions(seeded, session):
    """Issue 21: one convention in one base. A clean demo account is stored as an import
    stores it (name in capitals, legal form apart, house number apart, ISTAT code) and
    reads the Italian way on pages and files."""
    from app.accounts.names import company_display
    from app.accounts.status import AccountStatus

    ready = session.scalars(
        select(Account).where(Account.practice.is_(False), Account.status != AccountStatus.NEW)
    ).all()
    assert len(ready) > 20  # most demo rows carry defects on purpose and await normalising
    assert all(a.company_name == a.company_name.upper() for a in ready)
    assert all(a.istat_code for a in ready)
    with_form = [a for a in ready if a.legal_form]
    assert len(with_form) > 0.3 * len(ready)
    assert not any(a.company_name.endswith(("SRL", "S.R.L.", "SNC", "SPA")) for a in ready)
    numbered = [a for a in ready if a.house_number]
    assert len(numbered) > 0.8 * len(ready)
    assert not any(a.street[-1:].isdigit() for a in numbered)
    for account in with_form:
        shown = company_display(account.company_name, account.legal_form)
        assert shown != shown.upper() and shown.endswith((".", "individuale")), shown


def test_the_demo_seeds_days_of_state_history_and_a_live_floor(seeded, runner, session):
    """Each call's talk and wrap-up lie inside it, with its account; every agent's log
    tiles their time; two agents are at work now (one on a break past its maximum)."""
    import itertools

    from app.desk.models import CallAttempt
    from app.floor.live import gather
    from app.floor.rows import AlertKind, FloorRow
    from app.workday.machine import CHANGES, AgentState
    from app.workday.models import StatePeriod

    calls = session.scalars(select(CallAttempt).order_by(CallAttempt.id)).all()
    assert calls
    agents = session.scalars(select(User).where(User.username.like("agente%"))).all()
    for agent in agents:
        periods = session.scalars(
            select(StatePeriod)
            .where(StatePeriod.agent_id == agent.id)
            .order_by(StatePeriod.started_at, StatePeriod.id)
        ).all()
        for before, after in itertools.pairwise(periods):
            assert before.ended_at == after.started_at
            assert (before.state, after.state) in CHANGES or before.state == after.state
        states = {p.state for p in periods}
        assert {AgentState.IN_CALL, AgentState.WRAP_UP, AgentState.PAUSED} <= states
        reasons = {p.pause_reason_id for p in periods if p.pause_reason_id}
        assert len(reasons) >= 2  # a break, and lunch or the pilot's training
    for call in calls:
        inside = session.scalars(
            select(StatePeriod).where(
                StatePeriod.agent_id == call.agent_id,
                StatePeriod.started_at >= call.started_at,
                StatePeriod.started_at < call.ended_at,
            )
        ).all()
        timed = [p for p in inside if p.state in (AgentState.IN_CALL, AgentState.WRAP_UP)]
        assert all(p.account_id == call.account_id for p in timed)
    from app.columns import utcnow

    floor = [FloorRow.from_json(r) for r in gather(session, utcnow())["rows"]]
    by_name = {row.name: row for row in floor}
    assert set(by_name) == {"Bruno Agente", "Chiara Agente"}
    assert by_name["Bruno Agente"].state == AgentState.IN_CALL and by_name["Bruno Agente"].account
    resting = by_name["Chiara Agente"]
    assert [a.kind for a in resting.alerts(utcnow())] == [AlertKind.PAUSE_OVERDUE]
    again = runner.invoke(args=["demo", "seed", "--accounts", "300"])
    assert "nothing added" in again.output  # they are still at work
