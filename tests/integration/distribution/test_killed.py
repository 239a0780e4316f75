"""A worker killed (SIGKILL) in the middle of an export publishes nothing, and the export
can be run again. Jobs commit for real here, so the test has a database of its own."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.distribution import exporting, services
from app.distribution.models import ExportRun, ExportStatus, Wave
from app.extensions import db
from app.jobs import runner as job_runner
from app.territory.models import TerritoryRule
from tests import factories
from tests.conftest import build_app, migrate_to_head
from tests.integration.distribution.conftest import Network

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def own_app(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/killed.db"
    app = build_app(url, EXPORT_DIR=str(tmp_path / "exports"), JOB_TIMEOUT_SECONDS=2)
    migrate_to_head(app)
    dispatched: list[str] = []
    monkeypatch.setattr(job_runner, "_dispatch", lambda _app, run_id: dispatched.append(run_id))
    app.extensions["dispatched"] = dispatched
    yield app
    with app.app_context():
        db.engine.dispose()


def _confirmed_wave(app) -> int:
    with app.app_context():
        session = db.session
        zone = factories.zone(session)
        dealer = factories.dealer(session, zone, "D-MI")
        people = [factories.salesperson(session, dealer, f"MI-V0{n}") for n in (1, 2)]
        session.add(TerritoryRule(province="MI", zone=zone, dealer=dealer))
        agent = factories.user(session, username="agente")
        network = Network(people, people[0], agent, factories.campaign(session, code="K1"))
        for n in range(4):
            network.qualified(session, province="MI", company_name=f"Trasporti {n} SRL")
        wave = services.create_wave(session, "Novembre", 50, by=None)
        services.confirm_wave(session, wave, by=None)
        session.commit()
        return wave.id


def _export(app, wave_id: int) -> int:
    with app.test_request_context():
        run = exporting.start_export(
            db.session, db.session.get_one(Wave, wave_id), parts=1, by=None
        )
        db.session.commit()
        return run.id


def test_a_killed_export_publishes_nothing_and_runs_again(own_app):
    exports = Path(own_app.config["EXPORT_DIR"])
    wave_id = _confirmed_wave(own_app)
    run_id = _export(own_app, wave_id)
    [part] = own_app.extensions["dispatched"]
    child = subprocess.Popen(  # noqa: S603 - our own module, our own arguments
        [
            sys.executable,
            "-m",
            "tests.integration.distribution.killable",
            own_app.config["SQLALCHEMY_DATABASE_URI"],
            str(exports),
            part,
        ],
        cwd=ROOT,
    )
    staging = exports / f".staging-{run_id}"
    deadline = time.monotonic() + 60
    while not list(staging.glob("*.partial/*.xlsx")):
        assert child.poll() is None, "the export part ended before it could be killed"
        assert time.monotonic() < deadline, "the export part never started writing"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)

    with own_app.app_context():
        run = db.session.get_one(ExportRun, run_id)
        assert run.status != ExportStatus.DONE and run.folder is None
        assert not list(exports.glob("run-*"))  # nothing published
        time.sleep(2.1)  # the job time limit: without Redis, that is how a dead job shows
        assert exporting.refresh(db.session, run).status == "failed"  # shown, not written
        assert not db.session.dirty and run.status == ExportStatus.QUEUED
    own_app.extensions["dispatched"].clear()
    again = _export(own_app, wave_id)  # the next export records the dead run's failure
    with own_app.app_context():
        dead = db.session.get_one(ExportRun, run_id)
        assert dead.status == ExportStatus.FAILED and "in time" in dead.message
    assert not staging.exists()  # what the killed part left is swept
    while own_app.extensions["dispatched"]:
        job_id = own_app.extensions["dispatched"].pop(0)
        with own_app.app_context():
            job_runner.perform(job_id)
            db.session.remove()
    with own_app.app_context():
        run = db.session.get_one(ExportRun, again)
        assert run.status == ExportStatus.DONE
        assert run.manifest["totals"]["accounts"] == 4
        assert (exports / run.folder / run.manifest["zip"]["name"]).exists()
        assert db.session.scalar(sa.select(sa.func.count(ExportRun.id))) == 2
