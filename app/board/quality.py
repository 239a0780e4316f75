"""Quality checks: a supervisor verifies or rejects the accounts an agent qualified.

Why: agents are outsourced and paid on results; a qualification that does not hold (the
purchasing manager was never reached, the fleet is invented) must go back to the queue
and count against the agent who made it, not stay in a salesperson's file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus, check_transition
from app.audit.services import record
from app.board import tally_writes
from app.board.models import QualityCheck, Verdict
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.campaigns.outcomes import rules_from_config
from app.desk.models import CallAttempt


class QualityError(ValueError):
    """The call cannot be checked (not a standing qualification, or checked already)."""


@dataclass(frozen=True)
class ToCheck:
    call_id: int
    account: str
    called_at: datetime


def _qualifying(campaign: Campaign) -> list[str]:
    return [code for code, rule in rules_from_config(campaign.outcomes).items() if rule.qualified]


def _standing(campaign: Campaign) -> sa.Select:
    """Calls that qualified an account of ``campaign`` and still stand: the call that
    ended an account's work, with a qualifying outcome."""
    c = CallAttempt
    return sa.select(c).where(
        c.campaign_id == campaign.id, c.final.is_(True), c.outcome.in_(_qualifying(campaign))
    )


def to_check(session: Session, campaign: Campaign, agent_id: int, limit: int = 10) -> list[ToCheck]:
    """A random sample of the agent's standing qualifications that nobody checked yet."""
    standing = _standing(campaign).where(CallAttempt.agent_id == agent_id).subquery()
    checked = sa.select(QualityCheck.call_attempt_id)
    rows = session.execute(
        sa.select(standing.c.id, Account.company_name, standing.c.started_at)
        .join(Account, Account.id == standing.c.account_id)
        .where(standing.c.id.not_in(checked))
        .order_by(sa.func.random())
        .limit(limit)
    ).all()
    return [ToCheck(*row) for row in rows]


def check(
    session: Session, campaign: Campaign, call_id: int, verdict: Verdict, *, by: int,
    note: str | None = None,
) -> QualityCheck:  # fmt: skip
    """Record the verdict; a rejected account goes back to the campaign's queue."""
    call = session.scalars(_standing(campaign).where(CallAttempt.id == call_id)).first()
    if call is None:
        raise QualityError(_("This call is not a qualification that still stands."))
    if session.scalar(sa.select(QualityCheck.id).where(QualityCheck.call_attempt_id == call_id)):
        raise QualityError(_("This qualification was checked already."))
    found = QualityCheck(call_attempt_id=call.id, verdict=Verdict(verdict), checked_by_id=by,
                         note=note or None)  # fmt: skip
    session.add(found)
    if found.verdict == Verdict.REJECTED:
        entry = session.scalars(
            sa.select(QueueEntry).where(
                QueueEntry.campaign_id == campaign.id, QueueEntry.account_id == call.account_id
            )
        ).one()
        entry.state, entry.next_call_at = QueueState.WAITING, None
        account = session.get(Account, call.account_id)
        if account.status != AccountStatus.QUALIFIED:
            raise QualityError(_("This account has left the campaign (handed out or closed)."))
        account.status = check_transition(account.status, AccountStatus.QUEUED)
        session.flush()
        tally_writes.reopen(session, campaign.id, [call.account_id], rejected_call_id=call.id)
    session.flush()
    record(session, "quality.check", user_id=by, obj=found, verdict=found.verdict.value,
           call_id=call.id, account_id=call.account_id, agent_id=call.agent_id)  # fmt: skip
    return found
