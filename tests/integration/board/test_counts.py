"""The board's counts equal a recount of the recorded calls, slice by slice."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from app.accounts.models import Horizon, Opportunity
from app.board import quality
from app.board.counts import DIMENSIONS, Slice, gather, sqlite_local_hour
from app.board.metrics import Counts
from app.campaigns.calendar import ROME
from app.campaigns.models import QueueState
from app.desk.models import CallAttempt, QualityCheck, Verdict
from app.desk.outcomes import DEFAULT_OUTCOMES, rules_from_config
from app.users.models import Role
from tests import factories

# A campaign whose own outcome set qualifies on "interested" and counts "voicemail" as
# nobody reached: "reached" and "qualified" differ from campaign to campaign.
CUSTOM = [
    {"code": "interested", "label_it": "Interessato", "label_en": "Interested", "key": "i",
     "status": "qualified", "reached": True, "final": True, "qualified": True},
    {"code": "refused", "label_it": "Rifiuta", "label_en": "Refused", "key": "r",
     "status": "not_interested", "reached": True, "final": True},
    {"code": "voicemail", "label_it": "Segreteria", "label_en": "Voicemail", "key": "v",
     "status": "queued", "retry": "no_answer"},
]  # fmt: skip
# Summer, when Rome is UTC+2: calls late in the UTC evening fall on the next Italian day.
START = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def world(session):
    """Two campaigns, two zones with a dealer each, three agents and a random run of
    calls: some accounts worked to a final outcome, some still waiting."""
    rng = random.Random(5)
    zones = [factories.zone(session, f"Z{n}", f"Zona {n}") for n in range(2)]
    dealers = [factories.dealer(session, z, f"D{n}") for n, z in enumerate(zones)]
    agents = [factories.user(session, Role.AGENT, f"agent{n}") for n in range(3)]
    campaigns = [factories.campaign(session), factories.campaign(session, outcomes=CUSTOM)]
    for campaign in campaigns:
        rules = rules_from_config(campaign.outcomes)
        for _ in range(40):
            n = rng.randrange(2)
            account = factories.account(session, zone_id=zones[n].id, dealer_id=dealers[n].id)
            entry = factories.queue_entry(session, campaign, account)
            when = START + timedelta(hours=rng.randrange(0, 24 * 6), minutes=rng.randrange(60))
            for _ in range(rng.randrange(0, 5)):
                rule = rng.choice(list(rules.values()))
                length = timedelta(seconds=rng.randrange(30, 600))
                call = CallAttempt(
                    campaign_id=campaign.id, account_id=account.id,
                    agent_id=rng.choice(agents).id, outcome=rule.code, started_at=when,
                    ended_at=None if rng.random() < 0.1 else when + length,
                )  # fmt: skip
                session.add(call)
                session.flush()
                if rule.qualified and rng.random() < 0.8:
                    horizon = rng.choice([Horizon.M3, Horizon.M6, Horizon.M12, Horizon.NONE])
                    session.add(Opportunity(account_id=account.id, horizon=horizon,
                                            call_attempt_id=call.id))  # fmt: skip
                    if rng.random() < 0.3:  # a second, later opportunity on the same call
                        session.add(Opportunity(account_id=account.id, horizon=Horizon.M12,
                                                call_attempt_id=call.id))  # fmt: skip
                when += timedelta(hours=rng.randrange(1, 30))
                if rule.final:
                    entry.state, account.status = QueueState.DONE, rule.status
                    break
    session.flush()
    supervisor = factories.user(session, Role.SUPERVISOR, "checker")
    for campaign in campaigns:  # a supervisor checks some qualifications, rejecting a few
        for agent in agents:
            for n, found in enumerate(quality.to_check(session, campaign, agent.id, limit=3)):
                verdict = Verdict.REJECTED if n % 2 == 0 else Verdict.VERIFIED
                quality.check(session, campaign, found.call_id, verdict, by=supervisor.id)
    return {"campaigns": campaigns, "agents": agents, "zones": zones, "dealers": dealers}


def local(moment: datetime) -> datetime:
    return moment.astimezone(ROME)


def recount(session, where: Slice, by: str | None) -> dict:
    """The definitions of docs/metrics.md, applied call by call in Python."""
    from app.campaigns.models import Campaign, QueueEntry

    rules = {c.id: rules_from_config(c.outcomes) for c in session.query(Campaign)}
    calls = session.query(CallAttempt).order_by(CallAttempt.id).all()
    accounts = {a.id: a for a in session.query(factories.Account)}
    done = {(e.campaign_id, e.account_id) for e in session.query(QueueEntry)
            if e.state == QueueState.DONE}  # fmt: skip

    def moment(call):
        return call.ended_at or call.started_at

    def keeps(call) -> bool:
        account = accounts[call.account_id]
        return (
            (where.campaign_id is None or call.campaign_id == where.campaign_id)
            and (where.agent_id is None or call.agent_id == where.agent_id)
            and (where.zone_id is None or account.zone_id == where.zone_id)
            and (where.dealer_id is None or account.dealer_id == where.dealer_id)
            and (where.start is None or moment(call) >= where.start)
            and (where.end is None or moment(call) < where.end)
        )

    def key(call):
        account = accounts[call.account_id]
        return {
            None: None, "campaign": call.campaign_id, "agent": call.agent_id,
            "zone": account.zone_id, "dealer": account.dealer_id,
            "day": local(moment(call)).strftime("%Y-%m-%d"),
            "hour": local(moment(call)).strftime("%H"),
        }[by]  # fmt: skip

    found: dict = defaultdict(lambda: defaultdict(int))
    called: dict = defaultdict(set)
    last: dict = {}
    for call in calls:
        last[(call.campaign_id, call.account_id)] = call
        if not keeps(call):
            continue
        group, rule = found[key(call)], rules[call.campaign_id][call.outcome]
        group["attempts"] += 1
        group["reached"] += rule.reached
        called[key(call)].add(call.account_id)
        if call.ended_at:
            group["timed"] += 1
            group["handling_seconds"] += (call.ended_at - call.started_at).total_seconds()
        group.setdefault("outcomes", defaultdict(int))[call.outcome] += 1
    months = {Horizon.M3: 3, Horizon.M6: 6, Horizon.M12: 12}
    for pair, call in last.items():
        if pair not in done or not keeps(call):
            continue
        group = found[key(call)]
        group["final"] += 1
        if rules[call.campaign_id][call.outcome].qualified:
            group["qualified"] += 1
            horizons = [months[o.horizon] for o in session.query(Opportunity)
                        .filter_by(call_attempt_id=call.id) if o.horizon in months]  # fmt: skip
            if horizons:
                group.setdefault("horizons", defaultdict(int))[min(horizons)] += 1
    for qc in session.query(QualityCheck).filter_by(verdict=Verdict.REJECTED):
        call = session.get(CallAttempt, qc.call_attempt_id)
        if keeps(call):
            found[key(call)]["final"] += 1
            found[key(call)]["rejected"] += 1
    if by in (None, "campaign", "zone", "dealer") and where.agent_id is None:
        for entry in session.query(QueueEntry):
            account = accounts[entry.account_id]
            probe = CallAttempt(campaign_id=entry.campaign_id, account_id=entry.account_id,
                                agent_id=0, started_at=START)  # fmt: skip
            if keeps_account(where, entry.campaign_id, account):
                found[key(probe)]["base"] += 1
    for group_key, ids in called.items():
        found[group_key]["called"] = len(ids)
    return {
        k: Counts(**{name: dict(v) if isinstance(v, dict) else v for name, v in values.items()})
        for k, values in found.items()
    }


def keeps_account(where: Slice, campaign_id: int, account) -> bool:
    return (
        (where.campaign_id is None or campaign_id == where.campaign_id)
        and (where.zone_id is None or account.zone_id == where.zone_id)
        and (where.dealer_id is None or account.dealer_id == where.dealer_id)
    )


def same(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, counts in want.items():
        assert got[key].handling_seconds == pytest.approx(counts.handling_seconds, abs=0.01)
        assert got[key] == Counts(
            **{**counts.__dict__, "handling_seconds": got[key].handling_seconds}
        )


@pytest.mark.parametrize("by", [None, *DIMENSIONS])
def test_every_dimension_equals_the_recount(session, world, by) -> None:
    got = gather(session, Slice(), by)
    same(got, recount(session, Slice(), by))
    assert sum(c.rejected for c in got.values()) > 0  # the run has rejected qualifications


def test_narrowed_slices_equal_the_recount(session, world) -> None:
    campaign, agent = world["campaigns"][1], world["agents"][0]
    slices = [
        Slice(campaign_id=campaign.id),
        Slice(campaign_id=campaign.id, zone_id=world["zones"][0].id),
        Slice(dealer_id=world["dealers"][1].id),
        Slice(agent_id=agent.id),
        Slice(start=START + timedelta(days=2), end=START + timedelta(days=4)),
    ]
    for where in slices:
        for by in (None, "day", "agent"):
            same(gather(session, where, by), recount(session, where, by))


def test_counts_a_campaign_by_hand(session) -> None:
    """One account qualified at the second call, one final without qualifying, one
    still waiting after a call: the figures that a supervisor would count."""
    campaign = factories.campaign(session)
    agent = factories.user(session, Role.AGENT, "solo")
    entries = [factories.queue_entry(session, campaign) for _ in range(3)]
    t = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    plan = [(0, "no_answer"), (0, "qualified"), (1, "not_interested"), (2, "busy")]
    for n, (index, outcome) in enumerate(plan):
        session.add(CallAttempt(campaign_id=campaign.id, account_id=entries[index].account_id,
                                agent_id=agent.id, outcome=outcome,
                                started_at=t + timedelta(minutes=10 * n),
                                ended_at=t + timedelta(minutes=10 * n, seconds=90)))  # fmt: skip
    entries[0].state = entries[1].state = QueueState.DONE
    session.flush()
    counts = gather(session, Slice(campaign_id=campaign.id))[None]
    assert (counts.base, counts.called, counts.final, counts.qualified) == (3, 3, 2, 1)
    assert (counts.attempts, counts.reached, counts.timed) == (4, 2, 4)
    assert counts.handling_seconds == pytest.approx(360)
    assert counts.outcomes == {"no_answer": 1, "qualified": 1, "not_interested": 1, "busy": 1}
    assert {rule.code for rule in DEFAULT_OUTCOMES} >= set(counts.outcomes)


def test_local_days_and_hours_follow_rome() -> None:
    assert sqlite_local_hour("2026-07-01 22:30:00.000000") == "2026-07-02 00"  # UTC+2
    assert sqlite_local_hour("2026-12-01 22:30:00") == "2026-12-01 23"  # UTC+1
    assert sqlite_local_hour(None) is None
