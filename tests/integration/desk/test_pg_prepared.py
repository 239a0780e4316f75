"""The queue's statements rendered once for PostgreSQL and run on the driver's cursor."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.desk.queue.claim_sql import CLAIM_PARAMS, _claim_statements
from app.desk.queue.prepared import Prepared

AC = Account.__table__
NOW = datetime(2025, 4, 22, 8, 0, tzinfo=UTC)


def status_of() -> sa.Select:
    return sa.select(AC.c.id, AC.c.status, sa.bindparam("p_now", type_=AC.c.updated_at.type)).where(
        AC.c.id == sa.bindparam("p_id", type_=sa.Integer()),
        AC.c.status.in_([AccountStatus.QUEUED, AccountStatus.CALLBACK]),
    )


def test_fixed_values_are_rendered_once_and_converted() -> None:
    statement = Prepared(status_of(), postgresql.psycopg.dialect(), ("p_id", "p_now"))
    assert "POSTCOMPILE" not in statement.sql  # the IN list is expanded at build time
    assert sorted(statement.fixed.values()) == ["callback", "queued"]  # enums as their values
    values = statement.values({"p_id": 7, "p_now": NOW})
    assert values["p_id"] == 7 and values["p_now"] == NOW


def test_each_call_converts_its_values_as_sqlalchemy_would() -> None:
    statement = Prepared(status_of(), postgresql.psycopg.dialect(), ("p_id", "p_now"))
    with pytest.raises(ValueError, match="naive datetime"):
        statement.values({"p_id": 7, "p_now": datetime(2025, 4, 22, 8, 0)})
    with pytest.raises(KeyError):
        statement.values({"p_id": 7})  # a missing value is an error, never a NULL


def test_the_claim_renders_for_postgresql() -> None:
    statement = Prepared(_claim_statements(True)[0], postgresql.psycopg.dialect(), CLAIM_PARAMS)
    assert "FOR UPDATE OF waiting, waiting_account SKIP LOCKED" in statement.sql
    assert set(CLAIM_PARAMS) <= set(statement.processors)


@pytest.fixture
def pg_session(session):
    if session.get_bind().dialect.name != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs on PostgreSQL: set TEST_DATABASE_URL")
        pytest.skip("runs the statement on PostgreSQL (scripts/test)")
    return session


def test_rows_run_with_a_generic_plan_and_restore_the_plan_mode(pg_session) -> None:
    account = Account(key="PREP-1", company_name="Ditta", status=AccountStatus.QUEUED)
    pg_session.add(account)
    pg_session.flush()
    account.status = AccountStatus.CALLBACK  # pending: the statement must see it (autoflush)
    statement = Prepared(status_of(), pg_session.get_bind().dialect, ("p_id", "p_now"))
    for _ in range(3):
        rows = statement.rows(pg_session, {"p_id": account.id, "p_now": NOW})
    assert [(r[0], r[1]) for r in rows] == [(account.id, "callback")]
    assert pg_session.execute(sa.text("SHOW plan_cache_mode")).scalar() == "auto"
    generic, custom = pg_session.execute(
        sa.text(
            "SELECT sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements "
            "WHERE statement LIKE 'SELECT accounts.id, accounts.status, $1%'"
        )
    ).one()
    assert (generic, custom) == (3, 0)
