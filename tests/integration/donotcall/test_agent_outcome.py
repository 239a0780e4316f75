"""The agent's "do not call again" puts the account and its numbers on the list at once."""

from __future__ import annotations

import sqlalchemy as sa

from app.accounts.status import AccountStatus as S
from app.campaigns.models import QueueEntry, QueueState
from app.campaigns.queueing import enqueue_accounts
from app.desk.queue import claim, claim_next
from app.desk.services import open_call, record_outcome
from app.donotcall.models import DncEntry, DncSource
from tests import factories
from tests.integration.donotcall.conftest import NOW, with_phone


def test_do_not_call_outcome_adds_entries_in_the_same_transaction(session, campaign, users):
    agent = users["agent"]
    account = factories.account(session, company_name="Rossi SRL", status=S.READY,
                                vat_number="01114601006")  # fmt: skip
    with_phone(session, account, "02 1234 5678", "+390212345678")
    with_phone(session, account, "347 123 4567", "+393471234567")
    enqueue_accounts(session, campaign, [account.id])
    # The same switchboard, under another account waiting in another campaign.
    other_campaign = factories.campaign(session, call_script_id=campaign.call_script_id)
    twin = factories.account(session, company_name="Rossi Logistica SRL", status=S.READY)
    with_phone(session, twin, "02.1234.5678", "+390212345678")
    enqueue_accounts(session, other_campaign, [twin.id])

    entry = claim_next(session, campaign, agent.id, now=NOW)
    call = open_call(session, entry.id, agent.id, now=NOW)
    record_outcome(session, call, code="do_not_call", fields={}, notes=None,
                   client_token="tok-dnc", now=NOW)  # fmt: skip

    rows = session.scalars(sa.select(DncEntry).order_by(DncEntry.e164)).all()
    assert [(r.e164, r.account_id, r.vat_number, r.source, r.added_by_id) for r in rows] == [
        ("+390212345678", account.id, "01114601006", DncSource.AGENT, agent.id),
        ("+393471234567", account.id, "01114601006", DncSource.AGENT, agent.id),
    ]
    session.refresh(account), session.refresh(twin)
    assert account.do_not_call and account.status == S.DO_NOT_CALL
    assert twin.do_not_call and twin.status == S.DO_NOT_CALL
    twin_entry = session.scalars(sa.select(QueueEntry).where(QueueEntry.account_id == twin.id))
    assert twin_entry.one().state == QueueState.DONE
    assert claim(session, other_campaign, agent.id, NOW) is None


def test_do_not_call_outcome_without_a_phone_lists_the_account(session, campaign, users):
    agent = users["agent"]
    account = factories.account(session, company_name="Senza Numero SRL", status=S.READY)
    enqueue_accounts(session, campaign, [account.id])
    entry = claim_next(session, campaign, agent.id, now=NOW)
    call = open_call(session, entry.id, agent.id, now=NOW)
    record_outcome(session, call, code="do_not_call", fields={}, notes=None,
                   client_token="tok-dnc-2", now=NOW)  # fmt: skip
    row = session.scalars(sa.select(DncEntry)).one()
    assert (row.account_id, row.e164, row.vat_number) == (account.id, None, None)
