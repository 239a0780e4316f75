"""Quality checks: a supervisor verifies or rejects the accounts an agent qualified.

Why: agents are outsourced and paid on results; a qualification that does not hold (the
purchasing manager was never reached, the fleet is invented) must go back to the queue
and count against the agent who made it, not stay in a salesperson's file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus, check_transition
from app.audit.services import record
from app.board import tally_writes
from app.board.captured import captured
from app.board.models import QualityCheck, Verdict
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.campaigns.outcomes import rules_from_config
from app.desk.models import CallAttempt
from app.scripting.models import CallScript
from app.scripting.services import script_of


class QualityError(ValueError):
    """The call cannot be checked (not a standing qualification, or checked already)."""


@dataclass(frozen=True)
class ToCheck:
    call_id: int
    account: str
    called_at: datetime
    answers: list[tuple[str, str]] = field(default_factory=list)  # (question, answer)
    notes: str | None = None


# The sample's order: a fixed scramble of the call's id (Knuth's multiplicative hash), so
# the sample spreads over the agent's days yet stays the same from one verdict to the next.
_SCRAMBLE = 2654435761
_MODULUS = 2**32


def _qualifying(campaign: Campaign) -> list[str]:
    return [code for code, rule in rules_from_config(campaign.outcomes).items() if rule.qualified]


def _standing(campaign: Campaign) -> sa.Select:
    """Calls that qualified an account of ``campaign`` and still stand: the call that
    ended an account's work, with a qualifying outcome."""
    c = CallAttempt
    return sa.select(c).where(
        c.campaign_id == campaign.id, c.final.is_(True), c.outcome.in_(_qualifying(campaign))
    )


def to_check(
    session: Session, campaign: Campaign, agent_id: int, locale: str = "it", limit: int = 10
) -> list[ToCheck]:
    """A sample of the agent's standing qualifications that nobody checked yet, each with
    what the agent captured. The sample is stable: a verdict takes its call out and lets
    the next one in, the others stay where they were."""
    standing = _standing(campaign).where(CallAttempt.agent_id == agent_id).subquery()
    checked = sa.select(QualityCheck.call_attempt_id)
    big = sa.BigInteger()
    scramble = (sa.cast(standing.c.id, big) * sa.literal(_SCRAMBLE, big)) % sa.literal(
        _MODULUS, big
    )
    rows = session.execute(
        sa.select(
            standing.c.id,
            Account.company_name,
            standing.c.started_at,
            standing.c.answers,
            standing.c.notes,
            sa.func.coalesce(standing.c.call_script_id, campaign.call_script_id),
        )
        .join(Account, Account.id == standing.c.account_id)
        .where(standing.c.id.not_in(checked))
        .order_by(scramble, standing.c.id)
        .limit(limit)
    ).all()
    scripts = {
        stored.id: script_of(stored)
        for stored in session.scalars(
            sa.select(CallScript).where(CallScript.id.in_({row[5] for row in rows}))
        )
    }
    return [
        ToCheck(
            call_id,
            account,
            called_at,
            captured(scripts.get(script_id), answers or {}, locale),
            notes,
        )
        for call_id, account, called_at, answers, notes, script_id in rows
    ]


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
