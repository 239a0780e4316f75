"""CESSATA on an account that waits in a campaign queue: a closed company is not called.

It is taken out of its queue (the campaigns' own withdrawal: QUEUED -> READY, its entry
ended) and closed (READY -> INVALID) in the same transaction; an account an agent holds
right now, or one in a final state, stays as it is and is listed with the reason."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.campaigns.models import QueueEntry, QueueState
from app.columns import utcnow
from app.external.layout import HEADER
from app.imports.models import FieldChange
from app.jobs.models import JobRun, JobStatus
from tests import factories
from tests.integration.external.conftest import company
from tests.integration.external.test_round_trip import as_csv, send_back


def row(key: str, verdict: str = "CESSATA") -> list[str]:
    cells = dict.fromkeys(HEADER, "")
    cells.update(KEY=key, ESITO=verdict)
    return [cells[h] for h in HEADER]


def test_closed_companies_leave_their_queue_unless_in_a_call(app, session, ref,
                                                             tmp_path) -> None:  # fmt: skip
    campaign = factories.campaign(session)
    agent = factories.user(session)
    queued = company(session, "TRASPORTI IN CODA", status=AccountStatus.QUEUED)
    callback = company(session, "TRASPORTI RICHIAMO", status=AccountStatus.CALLBACK)
    in_call = company(session, "TRASPORTI IN LINEA", status=AccountStatus.IN_CALL)
    qualified = company(session, "TRASPORTI QUALIFICATI", status=AccountStatus.QUALIFIED)
    waiting = factories.queue_entry(session, campaign, queued)
    promised = factories.queue_entry(session, campaign, callback, is_callback=True,
                                     next_call_at=utcnow() + timedelta(days=1))  # fmt: skip
    leased = factories.queue_entry(session, campaign, in_call, state=QueueState.LEASED,
                                   lease_holder_id=agent.id,
                                   lease_expires_at=utcnow() + timedelta(minutes=5))  # fmt: skip
    rows = [list(HEADER), *(row(a.key) for a in (queued, callback, in_call, qualified))]

    batch = send_back(app, session, as_csv(rows, tmp_path), ref)

    session.expire_all()
    assert (queued.status, callback.status) == (AccountStatus.INVALID, AccountStatus.INVALID)
    assert (in_call.status, qualified.status) == (AccountStatus.IN_CALL, AccountStatus.QUALIFIED)
    assert (waiting.state, promised.state) == (QueueState.DONE, QueueState.DONE)
    assert leased.state == QueueState.LEASED and leased.lease_holder_id == agent.id
    report = batch.report["external"]
    assert [(c["key"], c.get("withdrawn")) for c in report["closed"]] == [
        (queued.key, campaign.code), (callback.key, campaign.code)]  # fmt: skip
    assert [(r["key"], r["value"], r["reason"]) for r in report["refused"]] == [
        (in_call.key, "in_call", "account_in_call"),
        (qualified.key, "qualified", "cannot_close"),
    ]
    history = session.execute(
        sa.select(FieldChange.account_id, FieldChange.before, FieldChange.after)
        .where(FieldChange.field == "status").order_by(FieldChange.id)
    ).all()  # fmt: skip
    assert history == [(queued.id, "queued", "invalid"), (callback.id, "callback", "invalid")]
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "external.returned"))
    assert audit.one().details["withdrawn"] == 2


def test_a_closed_company_is_not_served_again(app, session, ref, tmp_path) -> None:
    """What matters to the floor: no waiting entry is left to claim."""
    campaign = factories.campaign(session)
    queued = company(session, "TRASPORTI IN CODA", status=AccountStatus.QUEUED)
    factories.queue_entry(session, campaign, queued)
    send_back(app, session, as_csv([list(HEADER), row(queued.key)], tmp_path), ref)
    waiting = sa.select(sa.func.count(QueueEntry.id)).where(
        QueueEntry.account_id == queued.id, QueueEntry.state == QueueState.WAITING
    )
    assert session.scalar(waiting) == 0


def test_the_report_says_the_account_left_its_queue(app, client, session, auth, users, ref,
                                                    tmp_path) -> None:  # fmt: skip
    campaign = factories.campaign(session, code="AUTUNNO")
    queued = company(session, "TRASPORTI IN CODA", status=AccountStatus.QUEUED)
    in_call = company(session, "TRASPORTI IN LINEA", status=AccountStatus.IN_CALL)
    factories.queue_entry(session, campaign, queued)
    rows = [list(HEADER), row(queued.key), row(in_call.key)]
    batch = send_back(app, session, as_csv(rows, tmp_path), ref)
    session.get_one(JobRun, batch.job_run_id).status = JobStatus.FINISHED  # its work, above
    session.commit()
    auth.login("staff")
    page = client.get(f"/external/{batch.id}").get_data(as_text=True)
    closed = page[page.index('data-testid="closed"') :]
    assert "tolto dalla coda della campagna AUTUNNO" in closed[: closed.index("</ul>")]
    assert "un operatore sta chiamando l&#39;azienda in questo momento" in page
    assert "<td>In chiamata</td>" in page  # the status, as people name it
