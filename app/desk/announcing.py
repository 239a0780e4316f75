"""The desk's webhook events: a call recorded, and the account it qualified. Practice
calls announce nothing (their accounts are invented); payloads carry ids, keys and codes,
no personal data (docs/webhooks.md)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.campaigns.models import Campaign
from app.desk.models import CallAttempt
from app.webhooks.events import emit


def announce_call(
    session: Session, attempt: CallAttempt, campaign: Campaign, account: Account, *,
    qualified: bool,
) -> None:  # fmt: skip
    """``call.recorded``, and ``account.qualified`` when the call qualified the account."""
    if campaign.practice:
        return
    common = {"account_key": account.key, "campaign": campaign.code, "call_id": attempt.id}
    emit(session, "call.recorded", {
        **common, "outcome": attempt.outcome, "qualified": qualified,
        "agent_id": attempt.agent_id, "started_at": attempt.started_at.isoformat(),
        "ended_at": attempt.ended_at.isoformat(),
    })  # fmt: skip
    if qualified:
        emit(session, "account.qualified",
             {**common, "qualified_at": attempt.ended_at.isoformat()})  # fmt: skip
