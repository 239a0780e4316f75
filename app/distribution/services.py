"""Distribution: routing qualified accounts to salespeople, and the life of a wave.

Staff with a zone on their user work on their zone only: ``zone_id`` arguments confine
the candidates, the overview, hand-set owners and the wave built (which records its
zone); views load waves and export runs through ``app.security.load_or_404`` with a zone
check. A wave is built as a draft (its accounts reserved, still *qualified*), confirmed (its
accounts become *distributed*), sent (no going back) or cancelled before it is sent (its
accounts go back to the pool). Views, jobs and the shell all come through here; these
functions flush, the caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.services import of_zone
from app.accounts.status import AccountStatus, check_transition
from app.audit.services import record
from app.columns import utcnow
from app.distribution.assignment import (
    HORIZON_ORDER,
    Candidate,
    Deal,
    Rule,
    Territory,
    deal,
    urgency,
)
from app.distribution.models import ExportRun, ExportStatus, Wave, WaveAccount, WaveStatus
from app.distribution.waiting import candidates, distributable
from app.jobs.models import JobRun, JobStatus
from app.jobs.runner import reconcile
from app.territory.models import Salesperson, TerritoryRule
from app.webhooks.events import emit

DEFAULT_PER_SALESPERSON = 50
MAX_PER_SALESPERSON = 1000
LOCK_KEY = 726_001  # the advisory lock that serialises wave decisions
LIVE_EXPORT = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class DistributionError(ValueError):
    """A wave action that cannot be done now; the message says why, for the page."""


def territory(session: Session) -> Territory:
    rules = [
        Rule(r.province, r.postcode_prefix, r.istat_code, r.dealer_id, r.salesperson_id)
        for r in session.scalars(sa.select(TerritoryRule))
    ]
    active: dict[int, list[int]] = defaultdict(list)
    for person_id, dealer_id in session.execute(
        sa.select(Salesperson.id, Salesperson.dealer_id).where(Salesperson.active.is_(True))
    ):
        active[dealer_id].append(person_id)
    return Territory(rules, active)


def quotas(session: Session, per_salesperson: int) -> dict[int, int]:
    """Each active salesperson's room in a wave: the wave's number, or their own monthly
    quota when that is lower."""
    return {
        person_id: min(per_salesperson, quota)
        for person_id, quota in session.execute(
            sa.select(Salesperson.id, Salesperson.monthly_quota).where(Salesperson.active.is_(True))
        )
    }


def check_per_salesperson(value: int) -> int:
    if not 1 <= value <= MAX_PER_SALESPERSON:
        raise DistributionError(
            _l("Accounts per salesperson must be between 1 and %(max)s.", max=MAX_PER_SALESPERSON)
        )
    return value


def preview_wave(
    session: Session, per_salesperson: int = DEFAULT_PER_SALESPERSON, zone_id: int | None = None
) -> Deal:
    """The wave that would be built now (of one zone's accounts if given), written nowhere."""
    check_per_salesperson(per_salesperson)
    return deal(candidates(session, zone_id), territory(session), quotas(session, per_salesperson))


@dataclass(frozen=True)
class Overview:
    """Where every waiting qualified account would go, before anything is built."""

    routed: dict[int, dict[str, int]]  # salesperson id -> {horizon: accounts}
    pools: dict[tuple[int, ...], dict[str, int]]  # dealer pool -> {horizon: accounts}
    uncovered: list[Candidate]
    total: int


def overview(session: Session, zone_id: int | None = None) -> Overview:
    found = candidates(session, zone_id)
    rules = territory(session)
    routed: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(HORIZON_ORDER, 0))
    pools: dict[tuple[int, ...], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(HORIZON_ORDER, 0)
    )
    uncovered = []
    for candidate in found:
        route = rules.route(candidate)
        if route is None:
            uncovered.append(candidate)
        elif route.salesperson_id is not None:
            routed[route.salesperson_id][candidate.horizon] += 1
        else:
            pools[route.pool][candidate.horizon] += 1
    uncovered.sort(key=urgency)
    return Overview(dict(routed), dict(pools), uncovered, len(found))


def assign_owner(
    session: Session,
    account_ids: Iterable[int],
    salesperson: Salesperson,
    *,
    by: int,
    zone_id: int | None = None,
) -> int:
    """Give waiting qualified accounts an owner by hand; how many changed. Accounts
    already in a wave, no longer qualified, or (with ``zone_id``) of another zone are left
    alone; with ``zone_id`` the salesperson must work in that zone too."""
    if not salesperson.active:
        raise DistributionError(_l("This salesperson is not active: choose another."))
    if zone_id is not None and salesperson.dealer.zone_id != zone_id:
        raise DistributionError(_l("This salesperson works in another zone: choose one of yours."))
    serialise(session)
    ids = sorted(set(account_ids))
    held = sa.select(WaveAccount.id).where(WaveAccount.account_id == Account.id).exists()
    query = sa.select(Account).where(Account.id.in_(ids), *distributable(), ~held)
    if zone_id is not None:
        query = query.where(of_zone(zone_id))
    accounts = session.scalars(query).all()
    for account in accounts:
        account.salesperson_id = salesperson.id
    session.flush()
    record(
        session,
        "distribution.assign_owner",
        user_id=by,
        obj=salesperson,
        accounts=[a.key for a in accounts],
    )
    return len(accounts)


def serialise(session: Session) -> None:
    """One wave decision at a time on PostgreSQL (SQLite has one writer anyway): two staff
    building waves at once would deal the same waiting accounts."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def create_wave(
    session: Session,
    label: str,
    per_salesperson: int = DEFAULT_PER_SALESPERSON,
    *,
    by: int | None = None,
    zone_id: int | None = None,
) -> Wave:
    """Deal the waiting accounts into a new draft wave (their rows reserve them); with
    ``zone_id``, only that zone's accounts, and the wave belongs to that zone."""
    label = label.strip()
    if not label:
        raise DistributionError(_l("Give the wave a name."))
    serialise(session)
    dealt = preview_wave(session, per_salesperson, zone_id)
    if not dealt.allocations:
        raise DistributionError(
            _l("No qualified account is waiting for a salesperson: there is nothing to hand out.")
        )
    wave = Wave(
        label=label[:120], per_salesperson=per_salesperson, created_by_id=by, zone_id=zone_id
    )
    session.add(wave)
    session.flush()
    ordered = sorted(dealt.allocations, key=lambda a: a.salesperson_id)
    position: dict[int, int] = defaultdict(int)
    rows = []
    for allocation in ordered:  # the dealing order is the urgency order
        position[allocation.salesperson_id] += 1
        rows.append(
            {
                "wave_id": wave.id,
                "account_id": allocation.account_id,
                "salesperson_id": allocation.salesperson_id,
                "horizon": allocation.horizon,
                "source": allocation.source,
                "position": position[allocation.salesperson_id],
            }
        )
    session.execute(sa.insert(WaveAccount), rows)
    record(
        session,
        "distribution.wave_created",
        user_id=by,
        obj=wave,
        accounts=len(rows),
        salespeople=len(position),
        left_over=len(dealt.left_over),
        uncovered=len(dealt.uncovered),
        zone_id=zone_id,
    )
    return wave


def _held_accounts(session: Session, wave: Wave) -> list[tuple[WaveAccount, Account]]:
    return list(
        session.execute(
            sa.select(WaveAccount, Account)
            .join(Account, Account.id == WaveAccount.account_id)
            .where(WaveAccount.wave_id == wave.id)
            .order_by(WaveAccount.salesperson_id, WaveAccount.position)
        )
    )


def confirm_wave(session: Session, wave: Wave, *, by: int | None = None) -> int:
    """Hand the draft's accounts out: they become *distributed*. An account that left the
    qualified state since the draft (a quality check sent it back) is dropped from the
    wave. Returns how many were dropped."""
    if wave.status != WaveStatus.DRAFT:
        raise DistributionError(_l("Only a draft wave can be confirmed."))
    dropped, kept = [], []
    for item, account in _held_accounts(session, wave):
        if account.status == AccountStatus.QUALIFIED:
            account.status = check_transition(account.status, AccountStatus.DISTRIBUTED)
            kept.append(account.key)
        else:
            dropped.append(account.key)
            session.delete(item)
    wave.status, wave.confirmed_at = WaveStatus.CONFIRMED, utcnow()
    session.flush()
    record(
        session,
        "distribution.wave_confirmed",
        user_id=by,
        obj=wave,
        accounts=kept,
        dropped=dropped,
    )
    emit(session, "wave.confirmed", {
        "wave_id": wave.id, "label": wave.label, "zone_id": wave.zone_id,
        "accounts": len(kept), "dropped": len(dropped),
        "confirmed_at": wave.confirmed_at.isoformat(),
    })  # fmt: skip
    return len(dropped)


def fail_export(run: ExportRun, message: str | None) -> None:
    """Record that ``run`` failed (one of its jobs did), unless it has already ended."""
    if run.status in LIVE_EXPORT:
        run.status, run.finished_at, run.message = ExportStatus.FAILED, utcnow(), message


def exports_under_way(session: Session, wave: Wave) -> list[ExportRun]:
    """The wave's export runs still under way. Asked by write paths: a run one of whose
    jobs failed or can no longer finish (its worker was killed) is recorded as failed
    first, so that it holds nothing up."""
    runs = session.scalars(
        sa.select(ExportRun).where(ExportRun.wave_id == wave.id, ExportRun.status.in_(LIVE_EXPORT))
    ).all()
    for run in runs:
        jobs = session.scalars(sa.select(JobRun).where(JobRun.id.in_(run.job_ids))).all()
        failed = [job for job in jobs if reconcile(session, job).status == JobStatus.FAILED]
        if failed:
            fail_export(run, failed[0].message)
    session.flush()
    return [run for run in runs if run.status in LIVE_EXPORT]


def cancel_wave(session: Session, wave: Wave, *, by: int | None = None) -> int:
    """Give a wave's accounts back to the pool, before it is sent. How many went back."""
    if exports_under_way(session, wave) and wave.status == WaveStatus.CONFIRMED:
        raise DistributionError(
            _l("An export of this wave is running: wait for it to end, then cancel.")
        )
    if wave.status not in (WaveStatus.DRAFT, WaveStatus.CONFIRMED):
        raise DistributionError(
            _l("A wave that was sent (or already cancelled) cannot be cancelled.")
        )
    held = _held_accounts(session, wave)
    for item, account in held:
        if account.status == AccountStatus.DISTRIBUTED:
            account.status = check_transition(account.status, AccountStatus.QUALIFIED)
        session.delete(item)
    wave.status, wave.cancelled_at = WaveStatus.CANCELLED, utcnow()
    session.flush()
    record(
        session,
        "distribution.wave_cancelled",
        user_id=by,
        obj=wave,
        accounts=[a.key for _i, a in held],
    )
    return len(held)


def mark_sent(session: Session, wave: Wave, *, by: int | None = None) -> None:
    """Record that the files went out: from now on the wave cannot be cancelled."""
    if wave.status != WaveStatus.CONFIRMED:
        raise DistributionError(_l("Only a confirmed wave can be marked as sent."))
    exported = session.scalar(
        sa.select(ExportRun.id).where(
            ExportRun.wave_id == wave.id, ExportRun.status == ExportStatus.DONE
        )
    )
    if exported is None:
        raise DistributionError(_l("Export the wave's files before marking it as sent."))
    wave.status, wave.sent_at = WaveStatus.SENT, utcnow()
    session.flush()
    record(session, "distribution.wave_sent", user_id=by, obj=wave)


def wave_summary(session: Session, wave: Wave) -> dict[int, dict[str, int]]:
    """Salesperson id -> {horizon: accounts} of one wave."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(HORIZON_ORDER, 0))
    for person_id, horizon, n in session.execute(
        sa.select(WaveAccount.salesperson_id, WaveAccount.horizon, sa.func.count())
        .where(WaveAccount.wave_id == wave.id)
        .group_by(WaveAccount.salesperson_id, WaveAccount.horizon)
    ):
        counts[person_id][horizon] += n
    return dict(counts)
