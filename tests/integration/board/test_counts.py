"""The board's counts equal a recount of the recorded calls, slice by slice."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Horizon, Opportunity
from app.board import control, quality, tally_reads, tally_writes
from app.board.counts import DIMENSIONS, Slice, gather
from app.board.metrics import Counts
from app.board.models import QualityCheck, Verdict
from app.campaigns.calendar import ROME
from app.campaigns.models import QueueEntry, QueueState
from app.campaigns.outcomes import DEFAULT_OUTCOMES, rules_from_config
from app.columns import sqlite_local_hour
from app.desk.models import CallAttempt
from app.security import Role
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
    calls recorded as the desk records them: some accounts worked to a final outcome or
    to their last attempt, some still waiting, some put back in the queue and called
    again, some qualifications rejected at the check."""
    rng = random.Random(5)
    zones = [factories.zone(session, f"Z{n}", f"Zona {n}") for n in range(2)]
    dealers = [factories.dealer(session, z, f"D{n}") for n, z in enumerate(zones)]
    agents = [factories.user(session, Role.AGENT, f"agent{n}") for n in range(3)]
    campaigns = [factories.campaign(session), factories.campaign(session, outcomes=CUSTOM)]
    supervisor = factories.user(session, Role.SUPERVISOR, "checker")
    clock = {"now": START}

    def work(campaign, entry, account, calls: int) -> None:
        rules = rules_from_config(campaign.outcomes)
        when = clock["now"] + timedelta(hours=rng.randrange(0, 24 * 6), minutes=rng.randrange(60))
        for n in range(calls):
            rule = rng.choice(list(rules.values()))
            length = timedelta(seconds=rng.randrange(30, 600))
            ended = None if rng.random() < 0.1 else when + length
            call = factories.call(session, entry, rng.choice(agents), rule.code, when, ended)
            if rule.qualified and rng.random() < 0.8:
                horizon = rng.choice([Horizon.M3, Horizon.M6, Horizon.M12, Horizon.NONE])
                session.add(Opportunity(account_id=account.id, horizon=horizon,
                                        call_attempt_id=call.id))  # fmt: skip
                if rng.random() < 0.3:  # a second, later opportunity on the same call
                    session.add(Opportunity(account_id=account.id, horizon=Horizon.M12,
                                            call_attempt_id=call.id))  # fmt: skip
            last_attempt = n == calls - 1 and not rule.final and rng.random() < 0.3
            factories.counted(session, call, final=rule.final or last_attempt)
            if rule.final:
                account.status = rule.status
            if rule.final or last_attempt:
                return
            when += timedelta(hours=rng.randrange(1, 30))

    for campaign in campaigns:
        for _ in range(40):
            n = rng.randrange(2)
            account = factories.account(session, zone_id=zones[n].id, dealer_id=dealers[n].id)
            entry = factories.queue_entry(session, campaign, account)
            work(campaign, entry, account, rng.randrange(0, 5))
    session.flush()
    for campaign in campaigns:  # a supervisor checks some qualifications, rejecting a few
        for agent in agents:
            for n, found in enumerate(quality.to_check(session, campaign, agent.id, limit=3)):
                verdict = Verdict.REJECTED if n % 2 == 0 else Verdict.VERIFIED
                quality.check(session, campaign, found.call_id, verdict, by=supervisor.id)
    # Dead ends put back in the queue, one moved to the other zone meanwhile, called again.
    clock["now"] = START + timedelta(days=3)
    for campaign in campaigns:
        ends = control.dead_ends(session, campaign)[:4]
        control.requeue(session, campaign, [d.entry_id for d in ends], by=supervisor.id)
        for n, end in enumerate(ends):
            entry = session.get(QueueEntry, end.entry_id)
            account = session.get(factories.Account, entry.account_id)
            if n == 0:
                account.zone_id, account.dealer_id = zones[1].id, dealers[1].id
            work(campaign, entry, account, 2)
    session.flush()
    return {"campaigns": campaigns, "agents": agents, "zones": zones, "dealers": dealers}


def local(moment: datetime) -> datetime:
    return moment.astimezone(ROME)


def recount(session, where: Slice, by: str | None) -> dict:
    """The definitions of docs/metrics.md, applied call by call in Python."""
    from app.campaigns.models import Campaign

    rules = {c.id: rules_from_config(c.outcomes) for c in session.query(Campaign)}
    calls = session.query(CallAttempt).order_by(CallAttempt.id).all()
    accounts = {a.id: a for a in session.query(factories.Account)}
    months = {Horizon.M3: 3, Horizon.M6: 6, Horizon.M12: 12}
    horizons = defaultdict(list)
    for o in session.query(Opportunity):
        if o.horizon in months:
            horizons[o.call_attempt_id].append(months[o.horizon])

    def moment(call):
        return call.ended_at or call.started_at

    def keeps(call) -> bool:  # zone and dealer: the account's when called
        return (
            (where.campaign_id is None or call.campaign_id == where.campaign_id)
            and (where.agent_id is None or call.agent_id == where.agent_id)
            and (where.zone_id is None or call.zone_id == where.zone_id)
            and (where.dealer_id is None or call.dealer_id == where.dealer_id)
            and (where.start is None or moment(call) >= where.start)
            and (where.end is None or moment(call) < where.end)
        )

    def key(call):
        return {
            None: None, "campaign": call.campaign_id, "agent": call.agent_id,
            "zone": call.zone_id, "dealer": call.dealer_id,
            "day": local(moment(call)).strftime("%Y-%m-%d"),
            "hour": local(moment(call)).strftime("%H"),
        }[by]  # fmt: skip

    found: dict = defaultdict(lambda: defaultdict(int))
    called: dict = defaultdict(set)
    for call in calls:
        if not keeps(call):
            continue
        group, rule = found[key(call)], rules[call.campaign_id][call.outcome]
        group["attempts"] += 1
        group["reached"] += rule.reached
        called[key(call)].add(call.account_id)
        if call.ended_at:
            group["timed"] += 1
            group["handling_seconds"] += (call.ended_at - call.started_at).total_seconds()
            group["agent_seconds"] += call.agent_seconds
        group.setdefault("outcomes", defaultdict(int))[call.outcome] += 1
        if not call.final:
            continue
        group["final"] += 1
        if rule.qualified:
            group["qualified"] += 1
            if horizons[call.id]:
                group.setdefault("horizons", defaultdict(int))[min(horizons[call.id])] += 1
    for qc in session.query(QualityCheck).filter_by(verdict=Verdict.REJECTED):
        call = session.get(CallAttempt, qc.call_attempt_id)
        if keeps(call):
            found[key(call)]["final"] += 1
            found[key(call)]["rejected"] += 1
    if by in (None, "campaign", "zone", "dealer") and where.agent_id is None:
        for entry in session.query(QueueEntry):
            account = accounts[entry.account_id]
            probe = CallAttempt(campaign_id=entry.campaign_id, account_id=entry.account_id,
                                agent_id=0, started_at=START, zone_id=account.zone_id,
                                dealer_id=account.dealer_id)  # fmt: skip
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


def same(got: dict, want: dict, *, outcomes: bool = True) -> None:
    """Equal counts per group (the sums of seconds to a hundredth)."""
    assert set(got) == set(want)
    for key, counts in want.items():
        seconds = {}
        for name in ("handling_seconds", "agent_seconds"):
            assert getattr(got[key], name) == pytest.approx(getattr(counts, name), abs=0.01)
            seconds[name] = getattr(got[key], name)
        if not outcomes:
            seconds["outcomes"] = got[key].outcomes
        assert got[key] == Counts(**{**counts.__dict__, **seconds}), key


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
        start = t + timedelta(minutes=10 * n)
        call = factories.call(session, entries[index], agent, outcome, start,
                              start + timedelta(seconds=90))  # fmt: skip
        factories.counted(session, call)
    recounted = gather(session, Slice(campaign_id=campaign.id))[None]
    for counts in (recounted, tally_reads.read(session, campaign.id, None, None).total):
        assert (counts.base, counts.called, counts.final, counts.qualified) == (3, 3, 2, 1)
        assert (counts.attempts, counts.reached, counts.timed) == (4, 2, 4)
        assert counts.handling_seconds == pytest.approx(360)
        # 90 s for the first call; each later one from the end of the one before (10 min)
        assert counts.agent_seconds == pytest.approx(90 + 3 * 600)
        assert counts.outcomes == {"no_answer": 1, "qualified": 1, "not_interested": 1,
                                   "busy": 1}  # fmt: skip
    assert {rule.code for rule in DEFAULT_OUTCOMES} >= set(recounted.outcomes)


def test_local_days_and_hours_follow_rome() -> None:
    assert sqlite_local_hour("2026-07-01 22:30:00.000000") == "2026-07-02 00"  # UTC+2
    assert sqlite_local_hour("2026-12-01 22:30:00") == "2026-12-01 23"  # UTC+1
    assert sqlite_local_hour(None) is None


def test_a_finished_account_has_one_final_call_its_last(session, world) -> None:
    """The flag the counts rest on: set by the call that ended the account's work,
    cleared when the account went back in the queue."""
    for entry in session.query(QueueEntry):
        calls = (
            session.query(CallAttempt)
            .filter_by(campaign_id=entry.campaign_id, account_id=entry.account_id)
            .order_by(CallAttempt.id)
            .all()
        )
        finals = [c for c in calls if c.final]
        if entry.state == QueueState.DONE:
            assert finals == calls[-1:]
        else:
            assert finals == []
    moved = [c for c in session.query(CallAttempt) if c.zone_id != session.get(
        factories.Account, c.account_id).zone_id]  # fmt: skip
    assert moved  # calls made before their account changed zone keep the zone they had


def test_the_tallies_equal_the_recount(session, world) -> None:
    """What the live board reads (kept up to date call by call) is what a recount of the
    calls gives: in all, by day, by every slice, for the whole campaign, one day, and
    ranges of days."""
    first = min(local(c.ended_at or c.started_at).date() for c in session.query(CallAttempt))
    ranges = [(None, None), (first, first), (first + timedelta(days=1), first + timedelta(days=3)),
              (first + timedelta(days=2), None), (None, first + timedelta(days=1))]  # fmt: skip
    for campaign in world["campaigns"]:
        for start, end in ranges:
            where = Slice(
                campaign_id=campaign.id,
                start=tally_reads.utc_start(start) if start else None,
                end=tally_reads.utc_start(end + timedelta(days=1)) if end else None,
            )
            found = tally_reads.read(session, campaign.id, start, end)
            want = gather(session, where)
            same({None: found.total}, want or {None: Counts(base=found.total.base)})
            days = gather(session, where, by="day")
            same(found.days, {d: replace(c, outcomes={}) for d, c in days.items()})
            for by in ("agent", "zone", "dealer", "hour"):
                got = found.slices.get(by, {})
                if by == "hour":
                    got = {f"{h:02d}": c for h, c in got.items()}
                same(got, gather(session, where, by), outcomes=False)


def test_a_rebuild_gives_the_rows_kept_call_by_call(session, world) -> None:
    from app.board.models import BoardOutcomeTally, BoardTally

    def rows():
        return sorted(
            tuple(round(v, 4) if isinstance(v, float) else v for v in row)
            for table in (BoardTally, BoardOutcomeTally)
            for row in session.execute(sa.select(*table.__table__.c)).all()
        )

    tally_writes.fold(session)
    kept = rows()
    for campaign in world["campaigns"]:
        tally_writes.rebuild(session, campaign.id)
    assert rows() == kept


def test_a_call_s_counts_wait_as_a_delta_until_the_desk_folds_them(session, monkeypatch) -> None:
    """The recording transaction inserts its changes at commit (no shared row locked);
    a rolled-back one leaves nothing; the deltas are folded into the tallies once, by the
    desk's write path; the board's reads add those not folded yet and write nothing."""
    from app.board.models import BoardTally, BoardTallyDelta

    campaign = factories.campaign(session)
    agent = factories.user(session, Role.AGENT, "late")

    def call_and_count() -> None:
        entry = factories.queue_entry(session, campaign)
        call = factories.call(session, entry, agent, "no_answer", START, START)
        tally_writes.record_call(session, call, final=False)

    def written() -> tuple[int, int]:
        attempts = session.scalar(
            sa.select(BoardTally.attempts).where(
                BoardTally.campaign_id == campaign.id, BoardTally.day == "",
                BoardTally.dimension == "all",
            )
        ) or 0  # fmt: skip
        return attempts, session.scalar(sa.select(sa.func.count()).select_from(BoardTallyDelta))

    call_and_count()
    assert written() == (0, 0)  # nothing before the commit
    session.commit()
    assert written() == (0, 1)  # a delta, the tallies untouched
    call_and_count()
    session.rollback()
    assert written() == (0, 1)  # the rolled-back call left nothing
    tally_writes.fold(session)
    tally_writes.fold(session)  # nothing left to fold: counted once
    assert written() == (1, 0)
    call_and_count()
    session.commit()
    call_and_count()  # not committed yet: this transaction's own changes
    assert written() == (1, 1)
    # A read adds the deltas not folded and this transaction's changes, and writes nothing.
    assert tally_reads.read(session, campaign.id, None, None).total.attempts == 3
    assert dict(tally_reads.campaign_totals(session))[campaign.id].attempts == 3
    assert written() == (1, 1)
    # The desk folds now and then by itself, so that deltas never pile up unread.
    monkeypatch.setattr(tally_writes, "FOLD_EVERY", 1)
    call_and_count()
    session.commit()
    assert written() == (4, 0)
