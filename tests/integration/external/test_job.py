"""The data company's file applied by a job, run for real: by the in-process runner (a
thread of this process) and by an RQ worker. Jobs commit, so these tests use the
database without the rolled-back transaction and empty what they filled afterwards.

The guarantees: the whole file lands, or nothing of it does (a refused file, a job that
fails half-way), and the batch says which."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale
from redis import Redis
from rq import Queue

from app.accounts.models import Account, AccountFlag
from app.accounts.status import AccountStatus
from app.extensions import db
from app.external.applying import REASON
from app.external.layout import HEADER
from app.external.refusals import sentence
from app.external.returning import receive_return
from app.imports.models import BatchStatus, FieldChange, ImportBatch
from app.jobs.models import JobStatus
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from tests.conftest import build_app
from tests.integration.external.conftest import company
from tests.integration.external.test_round_trip import as_csv
from tests.integration.jobs.conftest import InProcessWorker, wait_for


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables}  # fmt: skip


def _empty(app: Flask, before: dict[str, int]) -> None:
    """Every table that was empty before the test, emptied again (children first); a
    table that held rows (a migration's own) must hold just as many."""
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            if before[table.name] == 0:
                db.session.execute(sa.delete(table))
        db.session.commit()
    after = _counts(app)
    assert {n: c for n, c in after.items() if c != before[n]} == {}


@pytest.fixture
def world(app: Flask) -> Iterator[dict[str, str]]:
    """Three committed companies of Milan and the municipality reference; their keys."""
    before = _counts(app)
    with app.app_context():
        session = db.session
        load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
        accounts = {
            "rossi": company(session, "TRASPORTI ROSSI", legal_form="SRL", street="VIA TORINO",
                             house_number="12"),
            "verdi": company(session, "VERDI LOGISTICA", legal_form="SPA", street="VIA LARGA",
                             house_number="1"),
            "neri": company(session, "NERI TRASPORTI", legal_form="SAS", street="VIA DANTE",
                            house_number="7"),
        }  # fmt: skip
        session.commit()
        keys = {name: account.key for name, account in accounts.items()}
    try:
        yield keys
    finally:
        _empty(app, before)


def row(**cells: str) -> list[str]:
    return [cells.get(h, "") for h in HEADER]


def company_file(keys: dict[str, str], tmp_path: Path, *extra: list[str]) -> Path:
    """The company's answer: a street corrected, a doubt, a closure, a new company."""
    rows = [
        list(HEADER),
        row(KEY=keys["rossi"], INDIRIZZO="Via Milano", CIVICO="8", ESITO="MODIFICATO"),
        row(KEY=keys["verdi"], ESITO="ERRATO", NOTE="Ora si chiama VERDI GROUP"),
        row(KEY=keys["neri"], ESITO="CESSATA"),
        row(RAGIONE_SOCIALE="NUOVI TRASPORTI", FORMA_GIURIDICA="SRL", INDIRIZZO="Via Roma",
            CIVICO="1", CAP="20121", COMUNE="Milano", PROVINCIA="MI",
            PARTITA_IVA="11111110158"),
        *extra,
    ]  # fmt: skip
    return as_csv(rows, tmp_path)


def upload(app: Flask, path: Path) -> tuple[int, str]:
    """The upload as the page makes it, committed: the job is dispatched at the commit."""
    with app.test_request_context():
        batch = receive_return(db.session, path, path.name, user_id=None, zone_id=None)
        db.session.commit()
        found = (batch.id, batch.job_run_id)
        db.session.remove()
    return found


def landed(app: Flask, keys: dict[str, str]) -> dict[str, object]:
    """What the file left in the database."""
    with app.app_context():
        s = db.session
        accounts = {a.key: a for a in s.scalars(sa.select(Account))}
        changes = sa.select(FieldChange.field, FieldChange.after).where(
            FieldChange.reason == REASON
        )
        return {
            "changes": sorted(s.execute(changes).all()),
            "doubts": s.scalar(sa.select(sa.func.count(AccountFlag.id))),
            "accounts": len(accounts),
            "rossi_street": accounts[keys["rossi"]].street,
            "neri": accounts[keys["neri"]].status,
        }


NOTHING = {"changes": [], "doubts": 0, "accounts": 3, "rossi_street": "VIA TORINO",
           "neri": AccountStatus.READY}  # fmt: skip


def batch_of(app: Flask, batch_id: int) -> ImportBatch:
    with app.app_context():
        batch = db.session.get_one(ImportBatch, batch_id)
        db.session.expunge(batch)
        return batch


def test_the_in_process_runner_applies_the_whole_file(app, world, tmp_path) -> None:
    batch_id, run_id = upload(app, company_file(world, tmp_path))
    run = wait_for(app, run_id, timeout=60)
    assert run.status == JobStatus.FINISHED, run.message
    assert run.result == {"new_rows": 1, "keyed": 3, "closed": 1, "created": 1,
                          "changed": {"street": 1, "house_number": 1, "status": 1}}  # fmt: skip
    assert run.progress == run.total == 4  # every row, the bar full
    batch = batch_of(app, batch_id)
    assert batch.status == BatchStatus.DONE and batch.rows_read == 4
    assert landed(app, world) == {
        "changes": [("house_number", "8"), ("status", "invalid"), ("street", "VIA MILANO")],
        "doubts": 1, "accounts": 4, "rossi_street": "VIA MILANO",
        "neri": AccountStatus.INVALID,
    }  # fmt: skip


def test_a_refused_file_lands_nothing_and_says_why(app, world, tmp_path) -> None:
    repeated = row(KEY=world["rossi"], ESITO="OK")
    unknown = row(KEY="QZZZZZZZZZZ", RAGIONE_SOCIALE="FANTASMA SRL", ESITO="OK")
    batch_id, run_id = upload(app, company_file(world, tmp_path, repeated, unknown))
    run = wait_for(app, run_id, timeout=60)
    assert run.status == JobStatus.FINISHED and run.result == {"refused": 3}
    batch = batch_of(app, batch_id)
    assert batch.status == BatchStatus.FAILED
    assert batch.report["refused"] == [
        {"reason": "repeated_key", "row": 6, "key": world["rossi"], "first": 2},
        {"reason": "unknown_key", "row": 7, "key": "QZZZZZZZZZZ"},
        {"reason": "by_key_only"},
    ]
    with app.test_request_context(), force_locale("en"):
        assert sentence(batch.report["refused"][1]) == (
            "Row 7: the KEY QZZZZZZZZZZ names no account.")  # fmt: skip
    assert landed(app, world) == NOTHING


def test_a_failure_half_way_lands_nothing(app, world, tmp_path, monkeypatch) -> None:
    """The keyed rows are applied and flushed, then the new rows' import breaks: the job's
    one transaction rolls all of it back, and the batch is failed with its job."""

    def broken(session, batch, *args, **kwargs):
        assert session.scalar(sa.select(sa.func.count(FieldChange.id))) == 3  # flushed
        raise RuntimeError("the database went away")

    monkeypatch.setattr("app.external.returning.import_rows", broken)
    batch_id, run_id = upload(app, company_file(world, tmp_path))
    run = wait_for(app, run_id, timeout=60)
    assert run.status == JobStatus.FAILED
    assert run.message == "RuntimeError: the database went away"
    assert batch_of(app, batch_id).status == BatchStatus.FAILED
    assert landed(app, world) == NOTHING


def test_an_rq_worker_applies_the_whole_file(app, world, tmp_path, redis_url) -> None:
    rq = build_app(app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url,
                   RQ_QUEUE=f"test-{uuid.uuid4().hex[:8]}")  # fmt: skip
    try:
        batch_id, run_id = upload(rq, company_file(world, tmp_path))
        with rq.app_context():
            queue = Queue(rq.config["RQ_QUEUE"], connection=Redis.from_url(redis_url))
            assert queue.job_ids == [run_id]
            InProcessWorker([queue], connection=queue.connection).work(burst=True)
        run = wait_for(rq, run_id, timeout=10)
        assert run.status == JobStatus.FINISHED, run.message
        assert batch_of(rq, batch_id).status == BatchStatus.DONE
        assert landed(rq, world)["neri"] == AccountStatus.INVALID
    finally:
        with rq.app_context():
            db.session.remove()
            db.engine.dispose()
