"""PostgreSQL restarts under load: requests in flight fail cleanly (an error page, never a
hang), the next ones succeed, and after the agents' retries every call is recorded
exactly once. Restarted while idle, not even the first request fails (a pooled connection
whose server closed it is dropped at checkout: ``app.extensions._closed_while_idle``).

A live server (real HTTP, several threads) serves agents working a queue, each posting
outcomes and, on an error, posting again with the same ``client_token`` (as resubmitting
the desk's form does), while the test restarts the server with ``pg_ctl restart -m fast``.
PostgreSQL only: ``scripts/test`` starts a private cluster and says where it lives.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.accounts.models import AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.campaigns.queueing import enqueue_accounts
from app.desk.models import CallAttempt
from app.extensions import db
from app.scripting.services import load_script
from app.security import Role
from config import ROOT
from tests import factories
from tests.conftest import build_app, migrate_to_head
from tests.integration.faults.conftest import own_database

AGENTS = 4
ACCOUNTS = 600  # more than the agents can call in the test: the queue never runs dry
TIMEOUT = 30  # seconds: a request that takes longer has hung
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
TOKEN_RE = re.compile(r'name="client_token"[^>]*value="([0-9a-f]+)"')


@dataclass
class Cluster:
    data: str
    bin: str
    log: str
    user: str

    def restart(self) -> None:
        command = [f"{self.bin}/pg_ctl", "restart", "-w", "-t", "60", "-m", "fast",
                   "-D", self.data, "-l", self.log]  # fmt: skip
        if self.user and os.geteuid() == 0:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(  # noqa: S603 - the test cluster's own pg_ctl
            command, cwd=Path(self.data).parent, check=True, capture_output=True, timeout=120
        )


@pytest.fixture
def cluster(app) -> Cluster:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        if os.environ.get("CI"):
            pytest.fail("CI must run the restart test on PostgreSQL: set TEST_DATABASE_URL")
        pytest.skip("restarting the database server needs PostgreSQL (run scripts/test)")
    data, pg_bin = os.environ.get("QUALIFICA_TEST_PGDATA"), os.environ.get("QUALIFICA_TEST_PGBIN")
    if not data or not pg_bin:
        pytest.fail(
            "The tests run on PostgreSQL but QUALIFICA_TEST_PGDATA / QUALIFICA_TEST_PGBIN are "
            "not set, so this test cannot restart the server: run it through scripts/test, "
            "which starts a private cluster and exports them."
        )
    log = os.environ.get("QUALIFICA_TEST_PGLOG") or str(Path(data).parent / "postgres.log")
    return Cluster(data, pg_bin, log, os.environ.get("QUALIFICA_TEST_PGUSER", ""))


@dataclass
class Exchange:
    """One HTTP request as an agent's browser saw it."""

    started: float
    ended: float
    status: int | None  # None: no answer at all (connection refused, reset, timed out)
    clean: bool  # a success, or the application's own error page


@dataclass
class Agent:
    base: str
    username: str
    exchanges: list[Exchange] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # outcomes the agent saw recorded

    def __post_init__(self) -> None:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Status, body and Location; a failure to answer is recorded and raised."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.monotonic()
        try:
            response = self.opener.open(self.base + path, data=body, timeout=TIMEOUT)
        except urllib.error.HTTPError as error:
            response = error
        except OSError:
            self.exchanges.append(Exchange(started, time.monotonic(), None, False))
            raise
        with response:
            text = response.read().decode()
            status, location = response.status, response.headers.get("Location", "")
        clean = status < 500 or 'class="error-page"' in text
        self.exchanges.append(Exchange(started, time.monotonic(), status, clean))
        return status, text, urllib.parse.urlsplit(location).path

    def until_answered(self, path: str, data=None, ok=(200, 302), deadline: float = 90):
        """The request, repeated (same form, same token) until it succeeds."""
        stop = time.monotonic() + deadline
        while True:
            try:
                status, text, location = self.request(path, data)
                if status in ok:
                    return status, text, location
            except OSError:
                pass
            assert time.monotonic() < stop, f"{path} never succeeded again"
            time.sleep(0.2)

    def sign_in(self, deadline: float = 90) -> None:
        """Open the sign-in page and sign in; on an error, start again from the page (an
        interrupted sign-in may have reset the session, and its form token with it)."""
        stop = time.monotonic() + deadline
        while True:
            try:
                status, page, _ = self.request("/login")
                if status == 200:
                    form = {"username": self.username, "password": factories.PASSWORD,
                            "csrf_token": html.unescape(CSRF_RE.search(page).group(1))}  # fmt: skip
                    if self.request("/login", form)[0] == 302:
                        return
            except OSError:
                pass
            assert time.monotonic() < stop, "the agent could not sign in again"
            time.sleep(0.2)

    def work(self, campaign_id: int, stop: threading.Event) -> None:
        self.sign_in()
        _, page, _ = self.until_answered("/desk/")
        csrf = html.unescape(CSRF_RE.search(page).group(1))
        _, _, call = self.until_answered(f"/desk/campaigns/{campaign_id}/next",
                                         {"csrf_token": csrf}, ok=(302,))  # fmt: skip
        while not stop.is_set() and call.startswith("/desk/calls/"):
            _, page, _ = self.until_answered(call)
            form = {"csrf_token": html.unescape(CSRF_RE.search(page).group(1)),
                    "client_token": TOKEN_RE.search(page).group(1),
                    "outcome": "not_interested"}  # fmt: skip
            _, _, following = self.until_answered(call + "/outcome", form, ok=(302,))
            self.tokens.append(form["client_token"])
            call = following


@pytest.fixture
def desk_server(app, tmp_path):
    """A live server on a database of its own with AGENTS agents and a long queue."""
    url = own_database(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, "restart")
    # As in production: an error becomes the error page instead of propagating.
    web = build_app(url, PROPAGATE_EXCEPTIONS=False)
    migrate_to_head(web)
    with web.app_context():
        session = db.session
        for n in range(AGENTS):
            factories.user(session, Role.AGENT, username=f"agente{n}")
        script = load_script(session, ROOT / "call_scripts" / "fleet_qualification.toml")
        campaign = factories.campaign(session, code="RIAVVIO", call_script_id=script.id)
        ids = []
        for n in range(ACCOUNTS):
            account = factories.account(session, company_name=f"Trasporti {n} SRL",
                                        province="BO", status=AccountStatus.READY)  # fmt: skip
            number = f"051{n:07d}"
            account.phones.append(AccountPhone(raw=number, e164="+39" + number,
                                               kind=PhoneKind.FIXED))  # fmt: skip
            ids.append(account.id)
        session.flush()
        enqueue_accounts(session, campaign, ids)
        session.commit()
        campaign_id = campaign.id
    server = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield web, f"http://127.0.0.1:{server.server_port}", campaign_id
    server.shutdown()
    thread.join(timeout=10)
    with web.app_context():
        db.engine.dispose()


def _until(what: str, condition, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)


def _postmaster_started(web) -> object:
    with web.app_context():
        return db.session.scalar(sa.text("SELECT pg_postmaster_start_time()"))


def test_a_restart_under_load_fails_requests_cleanly_and_loses_or_doubles_no_call(
    cluster, desk_server, office_hours
):
    web, base, campaign_id = desk_server
    before = _postmaster_started(web)
    stop = threading.Event()
    agents = [Agent(base, f"agente{n}") for n in range(AGENTS)]
    failures: list[BaseException] = []

    def run(agent: Agent) -> None:
        try:
            agent.work(campaign_id, stop)
        except BaseException as exc:  # reported by the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    _until("every agent is working", lambda: all(a.tokens for a in agents) or failures)
    restart_began = time.monotonic()
    cluster.restart()
    restarted = time.monotonic()
    done_before = [len(a.tokens) for a in agents]
    time.sleep(2)  # the agents go on working on the restarted server...
    _until("every agent is working again",  # ...each recording calls again
           lambda: all(len(a.tokens) > n + 1 for a, n in zip(agents, done_before, strict=True))
           or failures)  # fmt: skip
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an agent hung"
    assert not failures, failures

    assert _postmaster_started(web) > before  # the server really restarted
    exchanges = [e for a in agents for e in a.exchanges]
    assert all(e.ended - e.started < TIMEOUT for e in exchanges), "a request hung"
    messy = [e for e in exchanges if e.status is not None and not e.clean]
    assert messy == [], "an error came back without the application's error page"
    hit = [e for e in exchanges if e.status is None or e.status >= 500]
    assert all(restart_began - 1 <= e.ended for e in hit), "errors before the restart"
    # Once the server is back, every new request succeeds: no stale pooled connection.
    after = [e for e in exchanges if e.started > restarted]
    assert after and all(e.status is not None and e.status < 500 for e in after)

    # Restarted while idle, no request to notice: the pooled connections are all dead,
    # and the pool's check before use replaces them, so not even the first request fails.
    cluster.restart()
    idle = [a.request("/desk/")[0] for a in agents for _ in range(2)]
    assert idle == [200] * len(idle)

    tokens = [t for a in agents for t in a.tokens]
    with web.app_context():
        recorded = db.session.execute(
            sa.select(CallAttempt.client_token, CallAttempt.account_id)
        ).all()
    assert Counter(t for t, _ in recorded) == Counter(tokens)  # once each, none lost
    assert len({account for _, account in recorded}) == len(recorded)  # one call per account
    print(f"{len(exchanges)} requests, {len(hit)} failed during the restart, "
          f"{len(tokens)} calls recorded")  # fmt: skip
