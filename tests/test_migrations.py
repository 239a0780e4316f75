"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import _include_object, _render_item, db
from tests.conftest import build_app, migrate_to_head


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "render_item": _render_item,
                "include_object": _include_object,
            },
        )
        return compare_metadata(context, db.metadata)


def test_models_match_migrations_on_the_test_database(app):
    """In CI this is PostgreSQL (scripts/test), elsewhere the SQLite fallback."""
    assert schema_differences(app) == []


def test_models_match_migrations_on_sqlite(tmp_path):
    app = build_app(f"sqlite:///{tmp_path}/fresh.db")
    migrate_to_head(app)
    assert schema_differences(app) == []


def test_one_linear_chain_and_full_downgrade(tmp_path):
    app = build_app(f"sqlite:///{tmp_path}/down.db")
    migrate_to_head(app)
    with app.app_context():
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert len(script.get_heads()) == 1
        flask_migrate.downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names())
        assert tables <= {"alembic_version"}
        flask_migrate.upgrade()
        assert "accounts" in sa.inspect(db.engine).get_table_names()


@pytest.mark.parametrize(
    ("table", "index"),
    [
        ("queue_entries", "ix_queue_entries_next"),
        ("queue_entries", "ix_queue_entries_lease"),
        ("queue_entries", "ix_queue_entries_claim"),
        ("accounts", "ix_accounts_merged_into_id"),
        ("call_attempts", "ix_call_attempts_campaign_ended"),
        ("call_attempts", "ix_call_attempts_agent_ended"),
        ("accounts", "ix_accounts_zone_status"),
        ("accounts", "ix_accounts_status"),
    ],
)
def test_indexes_for_queue_and_reports_exist(app, table, index):
    with app.app_context():
        names = {ix["name"] for ix in sa.inspect(db.engine).get_indexes(table)}
    assert index in names
