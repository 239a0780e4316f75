"""Rows written through the driver read back exactly as SQLAlchemy would have written them."""

from __future__ import annotations

import sqlalchemy as sa

from app.accounts.models import Account, AccountFlag, AccountSource, FlagStatus
from app.accounts.status import AccountStatus
from app.columns import utcnow
from app.imports.bulk import insert_rows


def test_types_and_defaults_survive_the_round_trip(session) -> None:
    now = utcnow()
    insert_rows(session, Account.__table__, [
        {"key": "QBULK000001", "company_name": "ROSSI", "status": AccountStatus.READY,
         "created_at": now, "updated_at": now},
    ])  # fmt: skip
    account = session.scalars(sa.select(Account).where(Account.key == "QBULK000001")).one()
    assert account.status == AccountStatus.READY and account.created_at == now
    assert account.version == 1 and account.do_not_call is False  # the columns' defaults
    insert_rows(session, AccountSource.__table__, [
        {"account_id": account.id, "source_kind": "warranty", "data": {"CITTÀ": "Cantù"},
         "used_fields": ["email"]},
    ])  # fmt: skip
    insert_rows(session, AccountFlag.__table__, [
        {"account_id": account.id, "field": "email", "value": "x", "reason": "email_invalid",
         "status": FlagStatus.OPEN},
    ])  # fmt: skip
    session.expire_all()
    source = session.scalars(sa.select(AccountSource)).one()
    assert source.data == {"CITTÀ": "Cantù"} and source.used_fields == ["email"]
    assert source.imported_at is not None  # a callable default, called
    flag = session.scalars(sa.select(AccountFlag)).one()
    assert flag.status == FlagStatus.OPEN and flag.created_at is not None


def test_nothing_to_insert_is_fine(session) -> None:
    insert_rows(session, Account.__table__, [])
