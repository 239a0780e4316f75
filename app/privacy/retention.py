"""The retention rule: which moment is "N months ago" (pure), which accounts are past
it, and the batched run that anonymises them.

Why months and not days: the privacy notice promises "N months", and a person reads
"24 months before 31 March" as 31 March two years earlier, or the month's last day when
that month is shorter (29 February, 28 February).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus as S
from app.audit.services import record
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.campaigns.outcomes import rules_from_config
from app.desk.models import CallAttempt
from app.distribution.models import WaveAccount
from app.imports.models import ImportBatch, ImportRejection

BATCH_SIZE = 500  # accounts anonymised per transaction


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` moved back ``months`` calendar months, the day clamped to the month's end."""
    if months < 0:
        raise ValueError("months must not be negative")
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def retention_cutoff(now: datetime, months: int | None) -> datetime | None:
    """Accounts whose last activity is before this moment are due; ``None`` (retention
    off) when ``months`` is 0 or unset."""
    if not months:
        return None
    return months_before(now, months)


def is_due(last_activity: datetime, cutoff: datetime | None) -> bool:
    """True when an account last active at ``last_activity`` is past retention."""
    return cutoff is not None and last_activity < cutoff


# ------------------------------------------------------------------ the database part ---


def _qualifying(session: Session) -> sa.ColumnElement[bool]:
    """A call whose outcome qualifies in its campaign's outcome set."""
    c = CallAttempt
    pairs = [
        sa.and_(c.campaign_id == cid, c.outcome.in_(codes))
        for cid, config in session.execute(sa.select(Campaign.id, Campaign.outcomes))
        if (codes := [code for code, rule in rules_from_config(config).items() if rule.qualified])
    ]
    return sa.or_(*pairs) if pairs else sa.false()


def _due(session: Session, cutoff: datetime, now: datetime) -> sa.Select:
    a, c, q = Account, CallAttempt, QueueEntry
    return sa.select(a.id).where(
        a.anonymised_at.is_(None),
        a.status.not_in([S.QUALIFIED, S.DISTRIBUTED, S.MERGED]),
        a.updated_at < cutoff,
        ~sa.exists().where(
            c.account_id == a.id, sa.func.coalesce(c.ended_at, c.started_at) >= cutoff
        ),
        ~sa.exists().where(c.account_id == a.id, _qualifying(session)),
        ~sa.exists().where(WaveAccount.account_id == a.id),
        ~sa.exists().where(
            q.account_id == a.id, q.state == QueueState.LEASED, q.lease_expires_at > now
        ),
    )


def due_accounts(
    session: Session,
    cutoff: datetime,
    now: datetime,
    *,
    after_id: int = 0,
    limit: int | None = None,
) -> list[int]:
    """Ids of the accounts past retention: never qualified (no qualifying call, never in a
    wave), no call and no change since ``cutoff``, not anonymised, not held by an agent
    now. Merged accounts go with the account that absorbed them."""
    query = _due(session, cutoff, now).where(Account.id > after_id).order_by(Account.id)
    return list(session.scalars(query.limit(limit) if limit is not None else query))


def count_due(session: Session, cutoff: datetime, now: datetime) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count()).select_from(_due(session, cutoff, now).subquery())
        )
        or 0
    )


def run_retention(
    session: Session,
    *,
    months: int | None,
    now: datetime,
    progress: Callable[..., None] = lambda *a, **k: None,
    commit: Callable[[], None] = lambda: None,
    dry_run: bool = False,
    via: str = "retention",
    batch_size: int | None = None,
) -> dict[str, Any]:
    """Anonymise every account past retention, ``batch_size`` at a time, calling
    ``commit`` after each batch: a huge base never holds one giant transaction, each
    batch lands whole, and a failure keeps the batches before it. ``dry_run`` only counts.
    Also blanks the raw data of rejected rows of import files older than the cut-off
    (they never became accounts, so nothing else would ever remove them)."""
    from app.privacy.services import PrivacyError, anonymise_account

    cutoff = retention_cutoff(now, months)
    if cutoff is None:
        return {"enabled": False, "anonymised": 0}
    due = count_due(session, cutoff, now)
    result: dict[str, Any] = {"enabled": True, "cutoff": cutoff.isoformat(), "due": due}
    if dry_run:
        return {**result, "anonymised": 0, "dry_run": True}
    progress(0, due, "anonymising")
    batch_size = batch_size or BATCH_SIZE
    done = skipped = last = 0
    reason = f"retention: no activity for {months} months"
    while ids := due_accounts(session, cutoff, now, after_id=last, limit=batch_size):
        for account in session.scalars(sa.select(Account).where(Account.id.in_(ids))):
            try:
                anonymise_account(session, account, by=None, reason=reason, via=via, now=now)
                done += 1
            except PrivacyError:  # an agent took it since: next run
                skipped += 1
        last = ids[-1]
        commit()
        progress(done + skipped, due, "anonymising")
    old_batches = sa.select(ImportBatch.id).where(ImportBatch.created_at < cutoff)
    rejections = session.execute(
        sa.update(ImportRejection)
        .where(
            ImportRejection.batch_id.in_(old_batches),
            sa.cast(ImportRejection.data, sa.Text) != "{}",
        )
        .values(data={})
        .execution_options(synchronize_session=False)
    ).rowcount
    result.update(anonymised=done, skipped=skipped, rejections_blanked=rejections or 0)
    record(session, "privacy.retention", via=via, months=months, **result)
    commit()
    return result
