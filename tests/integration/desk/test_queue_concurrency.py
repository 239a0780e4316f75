"""Many agents claiming at once never get the same entry (PostgreSQL, real commits).

Row locks only matter between separate transactions, so this test cannot use the rolled-back
``session`` fixture: it commits through its own engine on the test database and deletes
what it created.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.keys import new_account_key
from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.desk.queue import claim_next, reschedule
from app.security import Role
from app.users.models import User

AGENTS = 16
ENTRIES = 300
NOW = datetime(2025, 4, 22, 10, 0, tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)


@pytest.fixture
def pg_engine(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        if os.environ.get("CI"):
            pytest.fail("CI must run the concurrency test on PostgreSQL: set TEST_DATABASE_URL")
        pytest.skip("row-lock concurrency needs PostgreSQL (run through scripts/test)")
    engine = sa.create_engine(url, pool_size=AGENTS, max_overflow=0)
    yield engine
    engine.dispose()


@pytest.fixture
def committed_queue(pg_engine):
    """A committed campaign with ENTRIES waiting accounts and AGENTS agents; removed after."""
    tag = uuid.uuid4().hex[:8]
    with Session(pg_engine) as session:
        campaign = Campaign(code=f"CC-{tag}", name="Concurrency", status=CampaignStatus.ACTIVE)
        agents = [
            User(username=f"cc-{tag}-{i}", full_name="Agent", role=Role.AGENT, password_hash="x")
            for i in range(AGENTS)
        ]
        accounts = [
            Account(key=new_account_key(), company_name=f"Ditta {i}", status=AccountStatus.QUEUED)
            for i in range(ENTRIES)
        ]
        session.add_all([campaign, *agents, *accounts])
        session.flush()
        session.add_all(QueueEntry(campaign_id=campaign.id, account_id=a.id) for a in accounts)
        session.commit()
        ids = (campaign.id, [a.id for a in agents], [a.id for a in accounts])
    yield ids
    campaign_id, agent_ids, account_ids = ids
    with pg_engine.begin() as conn:
        conn.execute(sa.delete(QueueEntry).where(QueueEntry.campaign_id == campaign_id))
        conn.execute(sa.delete(Campaign).where(Campaign.id == campaign_id))
        conn.execute(sa.delete(Account).where(Account.id.in_(account_ids)))
        conn.execute(sa.delete(User).where(User.id.in_(agent_ids)))


def test_concurrent_claims_never_share_an_entry(pg_engine, committed_queue) -> None:
    campaign_id, agent_ids, _ = committed_queue
    served: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(AGENTS)

    def work(agent_id: int) -> None:
        try:
            with Session(pg_engine) as session:
                start.wait()
                while True:
                    campaign = session.get_one(Campaign, campaign_id)
                    entry = claim_next(session, campaign, agent_id, now=NOW)
                    session.commit()
                    if entry is None:
                        return
                    served.append((entry.id, agent_id))
                    reschedule(
                        session,
                        entry,
                        now=NOW,
                        retry_after_minutes=None,
                        final=True,
                        callback_at=None,
                        callback_agent_id=None,
                    )
                    session.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(agent,)) for agent in agent_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    twice = [entry for entry, n in Counter(e for e, _ in served).items() if n > 1]
    assert twice == []
    assert len(served) == ENTRIES
    assert len({agent for _, agent in served}) > 1  # the claims really did interleave
    with Session(pg_engine) as session:
        states = session.scalars(
            sa.select(QueueEntry.state).where(QueueEntry.campaign_id == campaign_id)
        ).all()
    assert set(states) == {QueueState.DONE}


def test_a_claim_passes_over_an_account_another_transaction_holds(
    pg_engine, committed_queue
) -> None:
    """An import or an external company's return holds the accounts it writes until its
    one transaction ends (minutes for a big file): the agent is served the next account at
    once, never left waiting on the held one."""
    campaign_id, agent_ids, account_ids = committed_queue
    first = min(account_ids)  # the oldest entry: the one the claim would serve
    with Session(pg_engine) as holder, Session(pg_engine) as desk:
        holder.execute(sa.select(Account.id).where(Account.id == first).with_for_update())
        desk.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # a wait fails, not hangs
        entry = claim_next(desk, desk.get_one(Campaign, campaign_id), agent_ids[0], now=NOW)
        assert entry is not None and entry.account_id != first
        desk.commit()
        holder.rollback()
