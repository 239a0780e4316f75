"""A GET changes nothing: every GET route of the URL map, opened by a role allowed to open
it on objects of its own (the authorization matrix's world, ``tests/authz_world.py``),
commits nothing. A page that shows a dead job derives it; the next write records it.

The detector listens to ``before_commit`` on every ORM session while the request runs. In
tests an application commit only releases a savepoint of the test's transaction, and
SQLAlchemy fires the event for that too (``test_the_detector_sees_a_commit``).
"""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app.audit.models import AuditEntry
from app.columns import utcnow
from app.distribution.models import ExportRun, ExportStatus
from app.extensions import db
from app.imports.models import BatchStatus, ImportBatch
from app.jobs.models import JobRun, JobStatus
from app.security import Role, access_for, is_keyed
from tests.authz_world import FACTORIES, OWN, World
from tests.conftest import Auth
from tests.test_authz_matrix import id_params

APP = Path(__file__).resolve().parents[1] / "app"

# Routes whose GET commits on purpose, each with the reason.
DOWNLOAD_AUDITED = (
    "handing out personal data is itself recorded (an audit entry: who took which "
    "accounts' or person's data, when), and the record must outlive the response; nothing "
    "else changes"
)
EXEMPT: dict[str, str] = {
    "privacy.account_report": DOWNLOAD_AUDITED,  # said in app/privacy/views.py too
    "privacy.contact_report": DOWNLOAD_AUDITED,
    "distribution.download_all": DOWNLOAD_AUDITED,
    "distribution.download_one": DOWNLOAD_AUDITED,
    "packs.download": DOWNLOAD_AUDITED,  # a salesperson's pack through their e-mail's link
}
# Who opens a route: the first of these roles its declaration allows (public routes are
# opened signed in as staff). World users, each the owner of the world's own objects.
OPENERS = (Role.STAFF, Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
USERS = {Role.STAFF: "staff", Role.AGENT: "agent", Role.SUPERVISOR: "supervisor",
         Role.ADMIN: "admin"}  # fmt: skip


@contextmanager
def commits() -> Iterator[list[str]]:
    """The commits any ORM session makes inside the block (savepoint releases included)."""
    seen: list[str] = []

    def spot(_session: sa.orm.Session) -> None:
        frames = [f for f in traceback.extract_stack() if f"{APP}/" in f.filename]
        seen.append(" < ".join(f"{Path(f.filename).relative_to(APP)}:{f.lineno}" for f in frames))

    sa.event.listen(sa.orm.Session, "before_commit", spot)
    try:
        yield seen
    finally:
        sa.event.remove(sa.orm.Session, "before_commit", spot)


def opener(app: Flask, endpoint: str) -> Role:
    allowed = access_for(app, endpoint)
    return next(role for role in OPENERS if allowed is None or role in allowed)


def get_rules(app: Flask) -> list:
    """Every GET of a signed-in person's. Not the API's (keyed): each call with a key is
    audited, which commits, as the issue asks (tests/integration/api/test_auth.py)."""
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if r.endpoint != "static" and not is_keyed(r.endpoint) and "GET" in r.methods
        ),
        key=lambda rule: (opener(app, rule.endpoint).value, rule.rule),
    )


@pytest.fixture
def export_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))


def dead_jobs(app: Flask, session, world: World, values: dict) -> list[str]:
    """Give the world jobs whose process died (without Redis: still running past the time
    limit): the job polled, the batch's import, a second export of the wave. Their pages
    must show them failed without recording it. Returns those export pages."""
    long_ago = utcnow() - timedelta(seconds=app.config["JOB_TIMEOUT_SECONDS"] + 60)
    polled = session.get_one(JobRun, values["job_id"])
    polled.status, polled.started_at = JobStatus.RUNNING, long_ago
    batch = session.get_one(ImportBatch, values["batch_id"])
    batch.status, batch.job_run_id = BatchStatus.MAPPED, _dead(session, "imports.run", long_ago)
    part = _dead(session, "distribution.export_part", long_ago)
    export = ExportRun(wave_id=values["wave_id"], status=ExportStatus.RUNNING, parts_total=1,
                       job_ids=[part], created_by_id=world.me.id)  # fmt: skip
    session.add(export)
    session.flush()
    return [f"/distribution/exports/{export.id}", f"/distribution/exports/{export.id}/status"]


def _dead(session, kind: str, started_at) -> str:
    run = JobRun(id=str(uuid.uuid4()), kind=kind, status=JobStatus.RUNNING, started_at=started_at)
    session.add(run)
    session.flush()
    return run.id


def test_no_get_commits(app, client, session, export_dir):
    world = World(app, session, "staff")  # the jobs are staff's own
    rules = get_rules(app)
    values = {name: FACTORIES[name](world, OWN) for rule in rules for name in id_params(rule)}
    dead_export_pages = dead_jobs(app, session, world, values)
    session.commit()
    auth, committed, signed_in = Auth(client), {}, None
    for rule in rules:
        role = opener(app, rule.endpoint)
        if role != signed_in:
            if signed_in is not None:
                auth.logout()
            auth.login(world.users[USERS[role]].username)
            signed_in = role
        fixed = {n: min(c.items) for n, c in rule._converters.items() if hasattr(c, "items")}
        args = {**fixed, **{name: values[name] for name in id_params(rule)}}
        url = app.url_map.bind("localhost").build(rule.endpoint, args, method="GET")
        with commits() as seen, client.get(url) as response:  # closed: a download holds its file
            status = response.status_code
        where = f"GET {url} ({rule.endpoint}) as {role.value}"
        assert status < 500, where
        assert status not in (401, 403, 404), f"{where}: {status}"
        if seen:
            committed[rule.endpoint] = seen
    auth.logout()
    auth.login(world.me.username)
    for url in dead_export_pages:
        with commits() as seen, client.get(url) as response:
            body, status = response.get_data(as_text=True), response.status_code
        # The page says it in the reader's words; the status data as the job stored it.
        said = "in time" if url.endswith("/status") else "non è finito in tempo"
        assert status == 200 and "failed" in body and said in body
        if seen:
            committed[url] = seen
    assert {endpoint for endpoint in committed if endpoint not in EXEMPT} == set(), committed
    assert set(EXEMPT) <= set(committed), "an exempt route no longer commits: remove it"
    shown = client.get(f"/jobs/{values['job_id']}").get_json()
    assert shown["status"] == "failed"  # shown so, and left for a write path to record
    session.expire_all()
    assert session.get_one(JobRun, values["job_id"]).status == JobStatus.RUNNING


def test_the_detector_sees_a_commit(app, session, users):
    """A view's commit, as the tests run it (a savepoint released), is seen."""
    with app.test_request_context(), commits() as seen:
        db.session.add(AuditEntry(action="test.get_commits", user_id=users["staff"].id))
        db.session.commit()
    assert len(seen) == 1
    with app.test_request_context(), commits() as seen:
        db.session.get(AuditEntry, 1)
        db.session.rollback()
    assert seen == []
