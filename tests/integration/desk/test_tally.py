"""The board's counts, kept as the desk records outcomes, equal a hand count after a
random sequence of calls (retries, attempts running out, final outcomes)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.board import tally_reads
from app.board.counts import Slice, gather
from app.board.metrics import figures
from app.campaigns.models import QueueEntry, QueueState
from app.campaigns.outcomes import rules_from_config
from app.desk.queue import claim_next
from app.desk.services import open_call
from tests.integration.desk.conftest import queued_account
from tests.integration.desk.test_outcomes import NOW, QUALIFYING, outcome

CODES = ["qualified", "not_interested", "no_answer", "busy", "company_closed"]


def test_empty_campaign_has_no_redemption(session, campaign):
    total = tally_reads.read(session, campaign.id, None, None).total
    assert total.attempts == total.final == 0
    assert figures(total).redemption is None


def test_counts_match_a_hand_count(session, campaign, agent):
    rng = random.Random(5)
    rules = rules_from_config(None)
    campaign.max_attempts = 3
    for n in range(12):
        queued_account(session, campaign, f"Azienda {n} SRL")
    attempts = reached = 0
    last_outcome: dict[int, str] = {}
    now = NOW
    for _ in range(40):
        entry = claim_next(session, campaign, agent.id, now=now)
        if entry is None:  # everything waits for a retry: come back later
            now += timedelta(hours=3)
            continue
        code = rng.choice(CODES)
        call = open_call(session, entry.id, agent.id, now=now)
        answers = QUALIFYING if code == "qualified" else {}
        outcome(session, call, code, answers, now=now, token=f"t{attempts}")
        attempts += 1
        reached += rules[code].reached
        last_outcome[entry.account_id] = code
        now += timedelta(minutes=20)
    entries = session.scalars(sa.select(QueueEntry).where(QueueEntry.campaign_id == campaign.id))
    final = {e.account_id for e in entries if e.state == QueueState.DONE}
    qualified = {a for a in final if last_outcome[a] == "qualified"}
    recounted = gather(session, Slice(campaign_id=campaign.id))[None]
    for total in (tally_reads.read(session, campaign.id, None, None).total, recounted):
        assert total.attempts == attempts > 0
        assert total.reached == reached
        assert total.called == len(last_outcome)
        assert total.final == len(final) > 0
        assert total.qualified == len(qualified) > 0
        assert figures(total).redemption == Decimal(len(qualified)) / Decimal(len(final))
