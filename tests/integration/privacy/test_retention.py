"""The retention run picks exactly the accounts never qualified and inactive too long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import Account, AccountPhone, PhoneKind
from app.accounts.status import AccountStatus as S
from app.audit.models import AuditEntry
from app.campaigns.models import QueueState
from app.desk.models import CallAttempt
from app.imports.models import ImportBatch, ImportRejection, SourceKind
from app.privacy.retention import run_retention
from app.security import Role
from tests import factories

NOW = datetime(2026, 11, 23, 3, 15, tzinfo=UTC)
OLD = datetime(2023, 6, 1, tzinfo=UTC)  # 41 months before NOW
RECENT = datetime(2026, 9, 1, tzinfo=UTC)


def make(session, name: str, status: S = S.NOT_INTERESTED, updated: datetime = OLD) -> Account:
    account = factories.account(
        session, company_name=name, status=status, created_at=updated, updated_at=updated
    )
    session.add(AccountPhone(account_id=account.id, raw="02 1", e164=None, kind=PhoneKind.INVALID))
    session.flush()
    return account


def called(session, campaign, agent, account, outcome: str, when: datetime) -> None:
    session.add(CallAttempt(campaign_id=campaign.id, account_id=account.id, agent_id=agent.id,
                            outcome=outcome, started_at=when, ended_at=when))  # fmt: skip
    session.flush()


def test_retention_picks_exactly_the_old_unqualified_accounts(session):
    agent = factories.user(session, Role.AGENT)
    campaign = factories.campaign(session)
    due = [make(session, "Vecchia senza chiamate", S.READY), make(session, "Mai trovata")]
    called(session, campaign, agent, due[1], "not_interested", OLD)
    kept = {
        "qualified": make(session, "Qualificata", S.QUALIFIED),
        "distributed": make(session, "Distribuita", S.DISTRIBUTED),
        "once qualified": make(session, "Rimessa in coda", S.READY),
        "called lately": make(session, "Chiamata di recente"),
        "changed lately": make(session, "Modificata di recente", updated=RECENT),
        "held now": make(session, "In chiamata", S.IN_CALL),
        "anonymised": make(session, "Già anonimizzata"),
    }
    called(session, campaign, agent, kept["once qualified"], "qualified", OLD)
    called(session, campaign, agent, kept["called lately"], "no_answer", RECENT)
    lease = {"lease_holder_id": agent.id, "lease_expires_at": NOW + timedelta(minutes=5)}
    factories.queue_entry(session, campaign, kept["held now"], state=QueueState.LEASED, **lease)
    kept["anonymised"].anonymised_at = OLD
    session.flush()
    commits = []
    result = run_retention(session, months=24, now=NOW, commit=lambda: commits.append(1),
                           batch_size=1)  # fmt: skip
    session.expire_all()
    assert result["anonymised"] == 2 and result["due"] == 2
    assert len(commits) == 3  # one per batch of one, and the closing one
    for account in due:
        account = session.get(Account, account.id)
        assert account.anonymised_at == NOW and account.company_name.startswith("Anonimizzato")
        assert account.phones == []
    for why, account in kept.items():
        account = session.get(Account, account.id)
        assert not account.company_name.startswith("Anonimizzato"), why
    entries = session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("privacy.%"))).all()  # fmt: skip
    assert sorted(entries) == ["privacy.anonymise"] * 2 + ["privacy.retention"]


def test_dry_run_and_retention_off_change_nothing(session):
    account = make(session, "Vecchia")
    assert run_retention(session, months=24, now=NOW, dry_run=True)["due"] == 1
    assert run_retention(session, months=0, now=NOW) == {"enabled": False, "anonymised": 0}
    session.expire_all()
    assert session.get(Account, account.id).anonymised_at is None


def test_old_import_files_lose_their_rejected_rows_data(session):
    old = ImportBatch(source_kind=SourceKind.PURCHASED_LIST, filename="lista.csv", created_at=OLD)
    new = ImportBatch(
        source_kind=SourceKind.PURCHASED_LIST, filename="nuova.csv", created_at=RECENT
    )
    session.add_all([old, new])
    session.flush()
    for batch in (old, new):
        session.add(ImportRejection(batch_id=batch.id, row_number=2, reason="company_name_missing",
                                    data={"Telefono": "333 1234567"}))  # fmt: skip
    session.flush()
    result = run_retention(session, months=24, now=NOW)
    session.expire_all()
    assert result["rejections_blanked"] == 1
    data = dict(session.execute(sa.select(ImportRejection.batch_id, ImportRejection.data)).all())
    assert data == {old.id: {}, new.id: {"Telefono": "333 1234567"}}
