"""A live server on its own database, and Debian's Chromium driven by Playwright.

The live server runs in a thread with real commits, so it gets a database of its own
(a sibling PostgreSQL database, or a SQLite file) instead of the rolled-back test
transaction. Chromium is never downloaded: it is Debian's ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server
from werkzeug.wsgi import ClosingIterator

from app.accounts.models import AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.board import cache as board_cache
from app.campaigns.queueing import enqueue_accounts
from app.extensions import db
from app.scripting.services import load_script
from config import ROOT
from tests import factories
from tests.conftest import build_app, migrate_to_head, test_database_url

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _browser_database(tmp_dir: str, suffix: str = "browser") -> str:
    """A fresh database for a live server: the test database's name plus ``_suffix``."""
    url = sa.engine.make_url(test_database_url(tmp_dir))
    if url.get_backend_name() != "postgresql":
        return f"sqlite:///{tmp_dir}/{suffix}.db"
    name = f"{url.database}_{suffix}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


class AnsweredRequests:
    """Counts the requests the live server has answered, by the end of their path, so that
    a test can wait for one a page sends on its own (the draft it sends as it unloads)
    instead of sleeping. A request counts once its answer is sent: its commit is done."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app
        self._paths: list[str] = []
        self._changed = threading.Condition()  # reentrant: count() runs inside wait_for()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        answer = self.wsgi_app(environ, start_response)
        return ClosingIterator(answer, lambda: self._answered(path))

    def _answered(self, path: str) -> None:
        with self._changed:
            self._paths.append(path)
            self._changed.notify_all()

    def count(self, ending: str) -> int:
        with self._changed:
            return sum(path.endswith(ending) for path in self._paths)

    def wait_beyond(self, ending: str, seen: int, timeout: float = 10) -> None:
        """Wait until more than ``seen`` requests ending in ``ending`` have been answered."""
        with self._changed:
            answered = self._changed.wait_for(lambda: self.count(ending) > seen, timeout)
        assert answered, f"no further {ending} request answered within {timeout} s"


@pytest.fixture(scope="session")
def live_app(tmp_path_factory) -> Iterator[Flask]:
    """The application behind the live server, on a database of its own."""
    app = build_app(_browser_database(str(tmp_path_factory.mktemp("browser"))))
    app.wsgi_app = AnsweredRequests(app.wsgi_app)  # type: ignore[method-assign]
    migrate_to_head(app)
    with app.app_context():
        factories.users_by_role(db.session)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` served from a thread on a free port, for as long as the block lasts."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


@pytest.fixture
def answered(live_app) -> AnsweredRequests:
    return live_app.wsgi_app


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        message = f"Debian's Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: a missing browser is a broken CI
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def stand_still(context) -> None:
    """Stop the clock of the pages in ``context``: their own timers (the autosave's pause,
    the board's poll) fire only when the test moves it on, so nothing a page does by itself
    races the test."""
    start = datetime.now(UTC)
    context.clock.install(time=start)
    context.clock.pause_at(start + timedelta(minutes=1))


def refresh_board(page) -> None:
    """The open board's next poll, now, with figures computed afresh: the server's shared
    copy (``app.board.cache``, in this process's memory) is dropped and the page's stopped
    clock moved on by the poll's interval."""
    seconds = page.locator("[data-refresh]").first.get_attribute("data-refresh")
    board_cache.forget()
    page.clock.run_for(int(seconds) * 1000)


def screenshot(page, name: str) -> None:
    """Keep a picture of what a person would see (test-artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def desk_campaign(live_app):
    """A committed campaign on the live server's database with two queued accounts."""
    yield from _committed_campaign(live_app, practice=False)


@pytest.fixture
def practice_campaign(live_app):
    """The same, as a practice campaign of practice accounts: served at any hour."""
    yield from _committed_campaign(live_app, practice=True)


def _committed_campaign(live_app, *, practice: bool):
    code = uuid.uuid4().hex[:8]
    with live_app.app_context():
        script = load_script(db.session, ROOT / "call_scripts" / "fleet_qualification.toml")
        campaign = factories.campaign(db.session, code=f"B{code}", name=f"Browser {code}",
                                      call_script_id=script.id, practice=practice)  # fmt: skip
        names = [f"Trasporti Alfa {code} SRL", f"Trasporti Beta {code} SRL"]
        ids = []
        for n, name in enumerate(names):
            account = factories.account(
                db.session, company_name=name, street="Via Emilia 12", postcode="40121",
                municipality="Bologna", province="BO", status=AccountStatus.READY,
                practice=practice,
            )  # fmt: skip
            number = f"05112345{n}0"
            account.phones.append(
                AccountPhone(raw=number, e164="+39" + number, kind=PhoneKind.FIXED)
            )
            db.session.flush()
            ids.append(account.id)
        enqueue_accounts(db.session, campaign, ids)
        db.session.commit()
        yield {"id": campaign.id, "name": campaign.name, "accounts": names}


def sign_in_and_take(page, campaign, username: str = "agent"):
    page.goto("/login")
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/")
    card = page.locator("li.card", has_text=campaign["name"])
    card.get_by_role("button", name="Prossimo account").click()
    page.wait_for_url("**/desk/calls/*")


def qualify(page) -> None:
    """Answer the shipped script as a qualified account needs, and save the outcome."""
    page.get_by_role("group", name="Parlo con la persona").get_by_label("Sì").check()
    page.get_by_role("group", name="L'azienda ha dei veicoli").get_by_label("Sì").check()
    page.get_by_label("Marca 1", exact=True).select_option(label="Renault Trucks")
    page.get_by_label("Veicoli 1", exact=True).fill("14")
    page.get_by_label("Classe di portata 1", exact=True).select_option("gt_16")
    page.locator("#q-contact_name").fill("Giulia Bianchi")
    page.locator("#q-contact_phone").fill("333 1234567")
    page.locator("#q-purchase_horizon").select_option("3")
    page.locator("#q-vehicle_kind").select_option("tractor_unit")
    page.locator("#q-vehicle_quantity").fill("2")
    page.get_by_role("button", name="Qualificato").click()
