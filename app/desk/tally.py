"""The counts that the redemption rate is made of, for one campaign, straight from the
recorded calls (the board will build its figures on these definitions)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.desk.models import CallAttempt
from app.desk.outcomes import rules_from_config


@dataclass(frozen=True)
class Tally:
    attempts: int  # calls recorded
    reached: int  # calls in which a person answered
    accounts_called: int  # accounts with at least one call
    accounts_final: int  # accounts worked to a final outcome (queue entry done)
    accounts_qualified: int  # of those, the ones whose final call qualified them

    @property
    def redemption(self) -> Decimal | None:
        """Qualified / worked to a final outcome; None before any account is final."""
        if not self.accounts_final:
            return None
        return Decimal(self.accounts_qualified) / Decimal(self.accounts_final)


def campaign_tally(session: Session, campaign: Campaign) -> Tally:
    rules = rules_from_config(campaign.outcomes)
    reached = [code for code, rule in rules.items() if rule.reached]
    qualifying = [code for code, rule in rules.items() if rule.qualified]
    calls = sa.select(
        sa.func.count(),
        sa.func.count().filter(CallAttempt.outcome.in_(reached)),
        sa.func.count(sa.distinct(CallAttempt.account_id)),
    ).where(CallAttempt.campaign_id == campaign.id)
    attempts, reached_count, called = session.execute(calls).one()
    done = sa.select(QueueEntry.account_id).where(
        QueueEntry.campaign_id == campaign.id, QueueEntry.state == QueueState.DONE
    )
    final = session.scalar(sa.select(sa.func.count()).select_from(done.subquery()))
    # The last call of each finished account decides whether it counts as qualified.
    last = (
        sa.select(CallAttempt.account_id, sa.func.max(CallAttempt.id).label("last_id"))
        .where(CallAttempt.campaign_id == campaign.id)
        .group_by(CallAttempt.account_id)
        .subquery()
    )
    qualified = session.scalar(
        sa.select(sa.func.count())
        .select_from(last)
        .join(CallAttempt, CallAttempt.id == last.c.last_id)
        .where(CallAttempt.outcome.in_(qualifying), last.c.account_id.in_(done))
    )
    return Tally(attempts, reached_count, called, final or 0, qualified or 0)
