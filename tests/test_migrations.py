"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import _include_object, _render_item, db
from tests.conftest import build_app, migrate_to_head, reset_schema


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


def test_the_board_tallies_migration_fills_in_existing_calls(tmp_path):
    """Calls recorded before the tallies existed: the upgrade fixes where each counts and
    recounts the tallies, which then equal a recount of the calls."""
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from app.accounts.models import Horizon
    from app.board import tally_reads
    from app.board.counts import Slice, gather
    from app.campaigns.models import QueueState
    from app.desk.models import CallAttempt
    from tests import factories

    app = build_app(f"sqlite:///{tmp_path}/calls.db")
    with app.app_context():
        reset_schema(db.engine)
        flask_migrate.upgrade(revision="62a17f9dace9")
        session = db.session
        zone = factories.zone(session)
        dealer = factories.dealer(session, zone)
        stamp = datetime(2026, 6, 30, tzinfo=UTC).replace(tzinfo=None)

        def insert(table: str, **row):
            """A row with the given columns only, as that revision had them (the ORM models
            have grown since: their Python defaults name newer columns)."""
            row = {"created_at": stamp, "updated_at": stamp, **row}
            shape = sa.table(table, sa.column("id"), *(sa.column(n) for n in row))
            inserted = session.execute(sa.insert(shape).values(row).returning(shape.c.id))
            return SimpleNamespace(id=inserted.scalar_one())

        campaign = insert("campaigns", code="C1", name="Campagna 1", status="active")

        def account(**kw):
            row = {"key": factories.new_account_key(), "company_name": "Trasporti SRL", **kw}
            return insert("accounts", **{"status": "new", **row})

        agent = insert(
            "users", username="before", full_name="Before", role="agent", password_hash="x"
        )

        done = factories.queue_entry(
            session, campaign, account(zone_id=zone.id, dealer_id=dealer.id)
        )
        done.state = QueueState.DONE
        waiting = factories.queue_entry(session, campaign, account(status="queued"))
        session.commit()
        t = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
        calls = [(done, "no_answer", 0), (done, "qualified", 5), (waiting, "busy", 60)]
        names = ("id", "campaign_id", "account_id", "agent_id", "started_at", "ended_at",
                 "outcome", "answers")  # fmt: skip
        table = sa.table("call_attempts", *(sa.column(n) for n in names))
        for n, (entry, outcome, minutes) in enumerate(calls, start=1):
            start = t + timedelta(minutes=minutes)
            session.execute(sa.insert(table).values(
                id=n, campaign_id=campaign.id, account_id=entry.account_id, agent_id=agent.id,
                started_at=start.replace(tzinfo=None), ended_at=(start + timedelta(minutes=2))
                .replace(tzinfo=None), outcome=outcome, answers="{}",
            ))  # fmt: skip
        insert("opportunities", account_id=done.account_id, horizon=Horizon.M6.value,
               call_attempt_id=2)  # fmt: skip
        session.commit()
        flask_migrate.upgrade()

        found = {c.id: c for c in session.scalars(sa.select(CallAttempt))}
        assert [found[n].final for n in (1, 2, 3)] == [False, True, False]
        assert (found[2].zone_id, found[2].dealer_id, found[2].horizon_months) == (
            zone.id, dealer.id, 6)  # fmt: skip
        # 2 min; then from the first call's end, 3 min before the second began, to its end
        assert [found[n].agent_seconds for n in (1, 2, 3)] == [120.0, 300.0, 120.0]
        total = tally_reads.read(session, campaign.id, None, None).total
        recounted = gather(session, Slice(campaign_id=campaign.id))[None]
        assert recounted.handling_seconds == pytest.approx(total.handling_seconds, abs=0.01)
        assert total == replace(recounted, handling_seconds=total.handling_seconds)
        assert (total.final, total.qualified, total.horizons) == (1, 1, {6: 1})


def test_the_sites_migration_gives_each_account_its_address_as_head_office(tmp_path):
    """Accounts from before sites: each gets one site, its address, as its head office, and
    its phones are that site's."""
    from datetime import UTC, datetime

    from app.accounts.models import Account, AccountPhone, AccountSite

    app = build_app(f"sqlite:///{tmp_path}/sites.db")
    with app.app_context():
        reset_schema(db.engine)
        flask_migrate.upgrade(revision="5f998abdbf7d")
        session = db.session
        stamp = datetime(2026, 6, 30, tzinfo=UTC).replace(tzinfo=None)
        accounts = sa.table("accounts", *(sa.column(n) for n in (
            "id", "key", "company_name", "status", "street", "house_number", "postcode",
            "municipality", "province", "istat_code", "created_at", "updated_at")))  # fmt: skip
        session.execute(sa.insert(accounts), [
            dict(id=1, key="K1", company_name="ROSSI", status="ready", street="VIA ROMA",
                 house_number="12", postcode="06121", municipality="Perugia", province="PG",
                 istat_code="054039", created_at=stamp, updated_at=stamp),
            dict(id=2, key="K2", company_name="BIANCHI", status="new", street=None,
                 house_number=None, postcode=None, municipality=None, province=None,
                 istat_code=None, created_at=stamp, updated_at=stamp),
        ])  # fmt: skip
        phones = sa.table("account_phones", *(sa.column(n) for n in (
            "account_id", "position", "raw", "e164", "kind")))  # fmt: skip
        session.execute(sa.insert(phones), [
            dict(account_id=1, position=0, raw="075 1234567", e164="+390751234567", kind="fixed"),
            dict(account_id=1, position=1, raw="333 1234567", e164="+393331234567", kind="mobile"),
        ])  # fmt: skip
        session.commit()
        flask_migrate.upgrade()

        sites = session.scalars(sa.select(AccountSite).order_by(AccountSite.account_id)).all()
        assert [(s.account_id, s.position, s.head_office) for s in sites] == [
            (1, 0, True), (2, 0, True)]  # fmt: skip
        rossi = sites[0]
        assert (rossi.street, rossi.house_number, rossi.postcode, rossi.municipality,
                rossi.province, rossi.istat_code) == (
            "VIA ROMA", "12", "06121", "Perugia", "PG", "054039")  # fmt: skip
        assert {p.site_id for p in session.scalars(sa.select(AccountPhone))} == {rossi.id}
        assert session.get(Account, 1).sites == [rossi]
        flask_migrate.downgrade(revision="5f998abdbf7d")
        assert "account_sites" not in sa.inspect(db.engine).get_table_names()
