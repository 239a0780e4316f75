"""An RQ worker's work horse is killed (SIGKILL, as the OOM killer does) in the middle of
an import and of an export: the job is seen as failed, nothing half-written is visible,
and running it again completes it.

Real processes throughout: a private redis-server, the production worker
(``flask jobs worker``) in a process of its own, and a database of the test's own where
everything commits for real.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app.accounts.models import Account
from app.distribution import services as distribution
from app.distribution.models import ExportRun, ExportStatus
from app.extensions import db
from app.imports import services as imports
from app.imports.models import BatchStatus, ImportBatch
from app.jobs.models import JobRun, JobStatus
from app.territory.models import TerritoryRule
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from app.users.models import User
from tests import factories
from tests.conftest import Auth, build_app, csrf_token, migrate_to_head
from tests.integration.distribution.conftest import Network
from tests.integration.faults.conftest import (
    ROOT,
    own_database,
    start_worker,
    stop_worker,
    work_horse,
)

ROWS = 6000  # big enough that the import is still running a second after it starts


@dataclass
class World:
    web: Flask
    env: dict[str, str]
    root: Path

    def scalar(self, statement):
        with self.web.app_context():
            return db.session.scalar(statement)


@pytest.fixture
def world(app, tmp_path, private_redis):
    url = own_database(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, "killed")
    settings = {
        "REDIS_URL": private_redis.url,
        "RQ_QUEUE": "faults",
        "IMPORT_DIR": str(tmp_path / "imports"),
        "EXPORT_DIR": str(tmp_path / "exports"),
        "EXPORT_PARTS": 1,
    }
    web = build_app(url, **settings)
    migrate_to_head(web)
    with web.app_context():
        factories.users_by_role(db.session)
        load_municipalities(db.session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
        db.session.commit()
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": private_redis.url,
        "RQ_QUEUE": "faults",
        "QUALIFICA_IMPORT_DIR": settings["IMPORT_DIR"],
        "QUALIFICA_EXPORT_DIR": settings["EXPORT_DIR"],
        "QUALIFICA_EXPORT_PARTS": "1",
        "SECRET_KEY": "test-secret-key-not-for-production",
    }
    yield World(web, env, tmp_path)
    with web.app_context():
        db.engine.dispose()


def _wait(what, condition, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.1)


def _kill(horse: int) -> None:
    os.kill(horse, signal.SIGKILL)


def _text(client, url: str) -> str:
    return client.get(url).get_data(as_text=True)


def _job_status(world: World, run_id: str) -> JobStatus:
    return world.scalar(sa.select(JobRun.status).where(JobRun.id == run_id))


def test_a_killed_import_is_failed_writes_nothing_and_completes_when_retried(world):
    big = world.root / "base.csv"
    subprocess.run(  # noqa: S603 - our own generator
        [sys.executable, "scripts/make_dirty_accounts.py", "--rows", str(ROWS), "--seed", "3",
         "--out", str(big)], cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    client = world.web.test_client()
    Auth(client).login("staff")
    token = csrf_token(client, "/imports/")
    with big.open("rb") as handle:
        uploaded = client.post(
            "/imports/", data={"csrf_token": token, "source_kind": "customer_base",
                               "file": (handle, "base.csv")},
            content_type="multipart/form-data",
        )  # fmt: skip
    # The test client spooled this large body to a temporary file, which it closes only
    # when the request follows its redirects: close it here.
    uploaded.request.input_stream.close()
    assert uploaded.status_code == 302
    with world.web.app_context():
        batch = db.session.scalars(sa.select(ImportBatch)).one()
        batch_id, headers = batch.id, imports.headers_of(batch)
        suggested = imports.suggested_mapping(db.session, batch)
    mapping = {f"col_{i}": suggested.get(h, "") for i, h in enumerate(headers)}
    worker = start_worker(world.env, world.root / "worker.log")
    try:
        started = client.post(f"/imports/{batch_id}/mapping", data={"csrf_token": token, **mapping})
        assert started.status_code == 302
        run_id = world.scalar(sa.select(ImportBatch.job_run_id).where(ImportBatch.id == batch_id))
        _wait("the import starting", lambda: _job_status(world, run_id) == JobStatus.RUNNING)
        time.sleep(1.0)  # into the file: reading, cleaning, writing its first chunks
        horse = work_horse(worker)  # the job runs in it now
        assert _job_status(world, run_id) == JobStatus.RUNNING, "ended before the kill"
        _kill(horse)

        batch_page = f"/imports/{batch_id}"
        _wait("the failure showing", lambda: "import-failed" in _text(client, batch_page))
        # Recorded by the worker, which saw its work horse die (the page records nothing).
        assert _job_status(world, run_id) == JobStatus.FAILED
        assert "worker stopped" in world.scalar(sa.select(JobRun.message).where(
            JobRun.id == run_id))  # fmt: skip
        assert world.scalar(sa.select(sa.func.count(Account.id))) == 0  # nothing half-written
        assert 'data-testid="import-failed"' in _text(client, batch_page)

        retried = client.post(f"/imports/{batch_id}/retry", data={"csrf_token": token})
        assert retried.status_code == 302
        again = world.scalar(sa.select(ImportBatch.job_run_id).where(ImportBatch.id == batch_id))
        assert again != run_id
        _wait("the retry finishing", lambda: _job_status(world, again) == JobStatus.FINISHED,
              timeout=300)  # fmt: skip
    finally:
        stop_worker(worker)
    page = client.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert 'data-testid="import-report"' in page
    with world.web.app_context():
        batch = db.session.get_one(ImportBatch, batch_id)
        created = batch.report["accounts_created"]
        assert batch.status == BatchStatus.DONE and created > ROWS * 0.8
        assert db.session.scalar(sa.select(sa.func.count(Account.id))) == created


def _confirmed_wave(world: World) -> int:
    with world.web.app_context():
        session = db.session
        zone = factories.zone(session)
        dealer = factories.dealer(session, zone, "D-MI")
        people = [factories.salesperson(session, dealer, f"MI-V0{n}") for n in (1, 2)]
        session.add(TerritoryRule(province="MI", zone=zone, dealer=dealer))
        agent = session.scalar(sa.select(User).where(User.username == "agent"))
        network = Network(people, people[0], agent, factories.campaign(session, code="K1"))
        for n in range(6):
            network.qualified(session, province="MI", company_name=f"Trasporti {n} SRL")
        wave = distribution.create_wave(session, "Novembre", 50, by=None)
        distribution.confirm_wave(session, wave, by=None)
        session.commit()
        return wave.id


def test_a_killed_export_is_failed_publishes_nothing_and_completes_when_run_again(world):
    exports = Path(world.web.config["EXPORT_DIR"])
    wave_id = _confirmed_wave(world)
    client = world.web.test_client()
    Auth(client).login("staff")
    token = csrf_token(client, f"/distribution/waves/{wave_id}")
    worker = start_worker(world.env, world.root / "worker.log", slow_pdf=1.0)
    try:
        started = client.post(f"/distribution/waves/{wave_id}/export",
                              data={"csrf_token": token, "locale": "it", "pdf": "y"})  # fmt: skip
        assert started.status_code == 302 and "/distribution/exports/" in started.location
        run_id = world.scalar(sa.select(ExportRun.id))
        staging = exports / f".staging-{run_id}"
        _wait("the export writing its files", lambda: list(staging.glob("*.partial/*.xlsx")))
        _kill(work_horse(worker))  # the job runs in it now

        status_url = f"/distribution/exports/{run_id}/status"
        _wait("the failure showing",
              lambda: client.get(status_url).get_json()["status"] == "failed")  # fmt: skip
        assert 'data-testid="export-failed"' in client.get(started.location).get_data(as_text=True)
        # The worker recorded its part failed, and the part's failure handler the run.
        assert world.scalar(sa.select(ExportRun.status)) == ExportStatus.FAILED
        assert not list(exports.glob("run-*"))  # nothing published
        assert client.get(f"/distribution/exports/{run_id}/download").status_code == 404

        again = client.post(f"/distribution/exports/{run_id}/again", data={"csrf_token": token})
        assert again.status_code == 302 and again.location != started.location
        new_id = int(again.location.rsplit("/", 1)[1])
        _wait("the new export finishing", lambda: client.get(
            f"/distribution/exports/{new_id}/status").get_json()["status"] == "finished",
            timeout=300)  # fmt: skip
    finally:
        stop_worker(worker)
    with world.web.app_context():
        run = db.session.get_one(ExportRun, new_id)
        assert run.status == ExportStatus.DONE and run.manifest["totals"]["accounts"] == 6
        assert (exports / run.folder / run.manifest["zip"]["name"]).exists()
        assert not (exports / f".staging-{run_id}").exists()  # what the killed part left
    with client.get(f"/distribution/exports/{new_id}/download") as download:  # holds the file
        assert download.status_code == 200
