"""Shared fixtures.

The database comes from ``TEST_DATABASE_URL`` (``scripts/test`` starts a private
PostgreSQL and sets it) or is a throwaway SQLite file. The schema is built once per run
from the migrations, never from ``create_all``, so the tests also prove the migrations.
Each test runs inside a transaction that is rolled back at the end; the application's own
commits only release savepoints inside it.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

# Before the application is imported (tests/__init__.py has set QUALIFICA_INSTANCE_PATH).
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import flask_migrate
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.board import cache as board_cache
from app.campaigns.calendar import public_holidays
from app.extensions import db
from app.jobs import runner as job_runner
from app.users import services as user_services
from config import normalise_database_url
from tests import OWN_INSTANCE_PATH, factories

# Argon2id at the library's recommended cost (64 MiB, 3 passes) takes about 0.3 s a hash
# here, on purpose; the suite creates thousands of users and signs them in, which made
# password hashing most of its time. The tests hash and verify with argon2id all the same,
# at a cost of 1 MiB and one pass; the production parameters are kept here and checked in
# tests/integration/users/test_auth.py.
PRODUCTION_HASHER = user_services._hasher
user_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
user_services._DUMMY_HASH = user_services._hasher.hash("qualifica-timing-equaliser")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="WHEN",
        help="run the whole suite as if it were WHEN (ISO 8601; Europe/Rome wall time when "
        "it names no offset), the clock ticking on from there: a check that nothing depends "
        "on the day the suite runs, e.g. --clock 2026-12-06T21:30 (a Sunday evening) or "
        "--clock 2026-12-25T10:00 (Christmas). Browser tests keep Chromium's real clock, "
        "so for them WHEN must not be in the past.",
    )


@pytest.fixture(scope="session", autouse=True)
def suite_clock(request: pytest.FixtureRequest) -> Iterator[datetime | None]:
    """``--clock WHEN``: the whole run travels to WHEN (tests that travel elsewhere still
    do; they come back to WHEN)."""
    when = request.config.getoption("--clock")
    if not when:
        yield None
        return
    moment = datetime.fromisoformat(when)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Europe/Rome"))
    with time_machine.travel(moment, tick=True):
        yield moment


@pytest.fixture(autouse=True)
def fresh_board_figures() -> None:
    """The board keeps its figures in this process's memory for a few seconds, whichever
    application (test database, live server) computed them: no test starts with another
    test's."""
    board_cache.forget()


def pytest_report_header(config: pytest.Config) -> str | None:
    when = config.getoption("--clock")
    return f"clock: the suite runs as if it were {when} (--clock)" if when else None


def pytest_unconfigure(config: pytest.Config) -> None:
    """The run leaves nothing in the temp folder: its instance folder goes with it."""
    if OWN_INSTANCE_PATH is not None:
        shutil.rmtree(OWN_INSTANCE_PATH)


CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def test_database_url(tmp_dir: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    if os.environ.get("CI"):
        pytest.fail("TEST_DATABASE_URL is not set in CI: scripts/test should start PostgreSQL")
    return f"sqlite:///{tmp_dir}/test.db"


def reset_schema(engine: sa.Engine) -> None:
    """Start from an empty database, whatever an earlier run left."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            meta.drop_all(conn)


def build_app(url: str, **overrides: object) -> Flask:
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "WTF_CSRF_ENABLED": True,
        **overrides,
    }
    return create_app(settings)


def migrate_to_head(app: Flask) -> None:
    with app.app_context():
        reset_schema(db.engine)
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    app = build_app(test_database_url(str(tmp_path_factory.mktemp("db"))))
    migrate_to_head(app)
    yield app
    with app.app_context():
        db.engine.dispose()  # its pooled connections are closed, not left to the collector


def _seeing(own: sa.orm.Session) -> type[FlaskClient]:
    """A test client after whose every request ``own`` reads the rows again.

    The request writes through a session of its own; without this, ``own`` would go on
    answering from its identity map (an account still 'queued' after the request qualified
    it) for as long as the garbage collector happens to keep that object alive, so a test's
    outcome would depend on when the collector ran. The test's unflushed changes are
    flushed first, not thrown away."""

    class Seeing(FlaskClient):
        def open(self, *args, **kwargs):
            response = super().open(*args, **kwargs)
            if own.is_active:
                if own.new or own.dirty or own.deleted:
                    own.flush()
                own.expire_all()
            return response

    return Seeing


@contextmanager
def rolled_back(app: Flask) -> Iterator[sa.orm.Session]:
    """A session whose work is all undone at the end, shared by the application's own
    ``db.session``: in a transaction of its own or, while a shared world is open, in a
    savepoint of the world's transaction.

    No application context stays pushed meanwhile: Flask would reuse it for every request,
    and ``g`` (the signed-in user, the locale) would leak from one request to the next.
    Instead the engine is swapped for one connection in an outer transaction, and both this
    session and each request's session work in savepoints inside it.
    """
    with app.app_context():
        engines = db.engines
    engine = engines[None]
    if isinstance(engine, sa.Connection):  # a shared world's connection: nest in it
        connection, outer = engine, engine.begin_nested()
    else:
        connection = engine.connect()
        outer = connection.begin()
    engines[None] = connection
    original = db.session
    db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
    own = sa.orm.Session(bind=connection, join_transaction_mode="create_savepoint")
    original_client_class = app.test_client_class
    app.test_client_class = _seeing(own)
    # Jobs started in here are recorded, not run: a job thread would share this one
    # connection. Tests of the runner itself use the committing fixtures in tests/integration/jobs.
    original_dispatch = job_runner._dispatch
    dispatched = own.info.setdefault("dispatched_jobs", [])
    job_runner._dispatch = lambda _app, run_id: dispatched.append(run_id)
    try:
        yield own
    finally:
        # Restored first: a test that broke its transaction must not leave the next
        # module (or the app's teardown) on this connection.
        job_runner._dispatch = original_dispatch
        app.test_client_class = original_client_class
        db.session = original
        engines[None] = engine
        try:
            own.close()
            outer.rollback()
        except sa.exc.SQLAlchemyError:
            if connection is engine:  # a savepoint the failed test lost: undo the world
                connection.rollback()
            else:
                raise
        finally:
            if connection is not engine:
                connection.close()


_OPEN_WORLDS: list[str] = []  # the fixture names of the shared worlds open now


@contextmanager
def shared_world(app: Flask, name: str) -> Iterator[sa.orm.Session]:
    """For a module-scoped fixture ``name`` that builds what all its module's tests read
    (a world that costs seconds to build): its session, rolled back after the module's
    last test. Each test of the module runs in a savepoint of it, rolled back after the
    test, so the tests stay independent; a test that does not ask for the world fails
    rather than run on it unawares (give it a module of its own)."""
    with rolled_back(app) as world:
        _OPEN_WORLDS.append(name)
        try:
            yield world
        finally:
            _OPEN_WORLDS.remove(name)


@pytest.fixture
def session(app: Flask, request: pytest.FixtureRequest) -> Iterator[sa.orm.Session]:
    """The test's own database session; everything is rolled back after the test."""
    strangers = [name for name in _OPEN_WORLDS if name not in request.fixturenames]
    if strangers:
        pytest.fail(f"{request.node.nodeid} would run on the shared world {strangers[0]}:"
                    " only the tests that use a shared world may share its module")  # fmt: skip
    with rolled_back(app) as test_session:
        yield test_session


def next_working_morning(today: date) -> datetime:
    """10:30 in Rome on the next working day: inside calling hours, and always in the
    future, so that cookies a real browser receives are not already expired."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5 or day in public_holidays(day.year):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 30, tzinfo=ZoneInfo("Europe/Rome"))


def in_office_hours() -> time_machine.travel:
    """Views read the clock; live calls are allowed only in calling hours: the next working
    morning after today (after --clock's day). In the future, since a real browser keeps
    its own clock and would drop cookies that expired by it."""
    return time_machine.travel(next_working_morning(date.today()), tick=True)


@pytest.fixture
def office_hours():
    with in_office_hours() as traveller:
        yield traveller


@pytest.fixture
def client(app: Flask, session) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask, session):
    return app.test_cli_runner()


@pytest.fixture
def users(session) -> dict[str, object]:
    """One active user per role, username = role name, password ``factories.PASSWORD``."""
    return factories.users_by_role(session)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """A CSRF token for ``client``'s session, read from a page (every page carries one)."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = factories.PASSWORD, **kwargs):
        token = csrf_token(self.client, "/login")
        return self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token},
            **kwargs,
        )

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def redis_url() -> str:
    """The private Redis that scripts/test (and so CI) starts; without it, outside CI,
    the test is skipped, never counted as passed."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("TEST_REDIS_URL is not set in CI: scripts/test should start Redis")
        pytest.skip("no Redis: run through scripts/test, which starts a private redis-server")
    return url
