"""Accounts that arrive qualified: an import's earlier qualification results that name a
contact and a purchase horizon, dated within the age staff chose for the batch, mark the
account "qualified elsewhere" (the day and the batch) and make it qualified.

Why a mark of its own beside the status: the status says what happens next (a qualified
account waits for a wave), the mark says who qualified it, so that the segment builder can
leave such accounts out (nobody calls them again) and the board can count them apart from
the desk's redemption. Why only a dated result: an undated one may be years old, and a
horizon counts from the day it was captured. The status moves only where the state machine
allows it: a ready account, or one waiting in a queue (taken out of it first: it was
queued before the file said it was qualified); one in a call now is left to the call,
one in review becomes qualified when its review clears (``accounts.status.released``), a
distributed one stays the salesperson's, a do-not-call one stays out.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.accounts.models import Account, Contact, Horizon, Opportunity
from app.accounts.status import AccountStatus, check_transition
from app.campaigns.queueing import WITHDRAWN, withdraw_accounts
from app.imports.matching import chunks
from app.imports.models import ImportBatch

QUALIFYING = (Horizon.M3, Horizon.M6, Horizon.M12)  # "none" is an answer, not a qualification


def months_before(day: date, months: int) -> date:
    """``day`` ``months`` months earlier, the day of the month kept where it exists (31
    March less one month is 28 or 29 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def qualified_by_batch(session: Session, batch: ImportBatch, today: date) -> dict[int, date]:
    """Account id -> qualification day, for the accounts whose newest opportunity this
    batch landed with a qualifying horizon, dated within the batch's age, and that have a
    contact (the file's, or one they had: the same name is not written twice)."""
    o, other = Opportunity, aliased(Opportunity)
    newest = (
        sa.select(sa.func.max(other.id)).where(other.account_id == o.account_id).scalar_subquery()
    )
    has_contact = sa.exists().where(Contact.account_id == Account.id)
    query = (
        sa.select(o.account_id, o.qualified_on)
        .join(Account, Account.id == o.account_id)
        .where(
            o.import_batch_id == batch.id,
            o.id == newest,
            o.horizon.in_(QUALIFYING),
            o.qualified_on >= months_before(today, batch.qualified_within_months),
            o.qualified_on <= today,
            Account.practice.is_(False),
            has_contact,
        )
    )
    return {account_id: day for account_id, day in session.execute(query)}


@dataclass(frozen=True)
class Marked:
    """What marking did: accounts marked, and those of them taken out of a queue."""

    accounts: int = 0
    taken_out_of_queues: int = 0


def mark_qualified_elsewhere(session: Session, batch: ImportBatch, today: date) -> Marked:
    """Mark the accounts ``batch`` qualified, moving each to QUALIFIED where its status
    allows it. One waiting in a campaign's queue (or for a callback) leaves it first: it
    was queued before the file said it was qualified, and nobody calls it again. A later
    earlier-qualification replaces the mark."""
    found = qualified_by_batch(session, batch, today)
    taken_out = 0
    for part in chunks(sorted(found)):
        accounts = session.scalars(sa.select(Account).where(Account.id.in_(part))).all()
        marked = [a for a in accounts if not _newer_mark(a, found[a.id])]
        queued = {a.id for a in marked if a.status in WITHDRAWN}
        taken_out += len(withdraw_accounts(session, queued))  # now ready
        for account in marked:
            account.qualified_elsewhere_on = found[account.id]
            account.qualified_elsewhere_batch_id = batch.id
            # Only from ready: one in a call now (which the machine would let become
            # qualified, as a call's outcome) is the agent's to end.
            if account.status == AccountStatus.READY:
                account.status = check_transition(account.status, AccountStatus.QUALIFIED)
    session.flush()
    return Marked(len(found), taken_out)


def _newer_mark(account: Account, day: date) -> bool:
    return account.qualified_elsewhere_on is not None and account.qualified_elsewhere_on > day
