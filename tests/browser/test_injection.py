"""What only a browser proves: hostile names on the desk, the board and the distribution
pages stay text. No injected script runs (``window.__pwned`` stays undefined), no injected
element appears in the page, no dialog opens and the console stays free of errors (a
Content-Security-Policy refusal would show there). The server-side half of the story, and
the files, are in tests/integration/test_injection_flow.py and test_injection_worked.py."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import AccountPhone, PhoneKind
from app.accounts.names import company_display
from app.accounts.status import AccountStatus
from app.campaigns.queueing import enqueue_accounts
from app.distribution.models import Wave, WaveStatus
from app.extensions import db
from app.scripting.services import load_script
from app.users.models import User
from config import ROOT
from tests import factories
from tests.browser.conftest import qualify, screenshot

pytestmark = pytest.mark.browser
IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=2</script>"
QUOTE = '"\'><img src=x onerror="window.__pwned=3"> {{ 7*7 }}'


@pytest.fixture
def hostile(live_app):
    """A campaign named with a payload, two payload accounts in its queue, a qualified one
    no territory rule covers, and a cancelled wave with a payload label (it hands out
    nothing, so the other browser tests' waves are untouched)."""
    tag = uuid.uuid4().hex[:6]
    with live_app.app_context():
        script = load_script(db.session, ROOT / "call_scripts" / "fleet_qualification.toml")
        campaign = factories.campaign(
            db.session, code=f"X{tag}", name=f"{SCRIPT} {tag}", call_script_id=script.id
        )
        ids = []
        for n, name in enumerate((IMG, SCRIPT)):
            account = factories.account(
                db.session, company_name=f"{name} {tag}", street=QUOTE, postcode="40121",
                municipality="Bologna", province="BO", status=AccountStatus.READY, notes=QUOTE,
            )  # fmt: skip
            number = f"05198765{n}0"
            account.phones.append(
                AccountPhone(raw=number, e164="+39" + number, kind=PhoneKind.FIXED)
            )
            db.session.flush()
            ids.append(account.id)
        enqueue_accounts(db.session, campaign, ids)
        agent = db.session.scalars(sa.select(User).where(User.username == "agent")).one()
        factories.qualified(
            db.session, campaign, agent, province="AO", postcode="11100", horizon="3",
            company_name=f"{IMG} {tag}", contact=QUOTE, notes=SCRIPT,
        )  # fmt: skip
        wave = Wave(label=f"{IMG} {tag}", per_salesperson=5, status=WaveStatus.CANCELLED)
        db.session.add(wave)
        db.session.commit()
        yield {"id": campaign.id, "name": campaign.name, "tag": tag, "wave": wave.id}


class Watch:
    """What a page did that it must not: dialogs, console errors, uncaught errors, and
    requests that failed (an injected ``<img src=x>`` would ask for ``/x``)."""

    def __init__(self, page) -> None:
        self.events: list[str] = []
        page.on("dialog", lambda dialog: (self.events.append(f"dialog {dialog.message}"),
                                          dialog.dismiss()))  # fmt: skip
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.events.append(f"error {error}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        # A failed load is told by the response handler, with its address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.events.append(f"console {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.events.append(f"{response.status} {response.url}")


def assert_inert(page, watch: Watch, *texts: str) -> None:
    """The payloads are on the page as text, and none of them became markup or ran."""
    for text in texts:
        expect(page.locator("body")).to_contain_text(text)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("img[onerror]").count() == 0
    assert page.evaluate(
        "[...document.scripts].filter(s => s.textContent.includes('__pwned')).length"
    ) == 0  # fmt: skip
    assert watch.events == []


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def test_payloads_stay_text_on_the_desk_board_and_distribution(
    browser, live_server, page, hostile, office_hours
) -> None:
    tag = hostile["tag"]
    watch = Watch(page)
    sign_in(page, "agent")
    page.wait_for_url("**/desk/")
    assert_inert(page, watch, hostile["name"])
    card = page.locator("li.card", has_text=hostile["name"])
    card.get_by_role("button", name="Prossimo account").click()
    page.wait_for_url("**/desk/calls/*")
    assert_inert(page, watch, company_display(f"{IMG} {tag}"))  # the name as people read it
    expect(page.locator("#q-company_name")).to_have_value(f"{IMG} {tag}")
    expect(page.locator("#q-street")).to_have_value(QUOTE)
    # Typed answers come back as typed after the draft's autosave and a reload.
    page.locator("#notes").fill(IMG + SCRIPT)
    expect(page.locator("#draft-status")).to_have_text("Bozza salvata", timeout=15_000)
    page.reload()
    assert_inert(page, watch)
    expect(page.locator("#notes")).to_have_value(IMG + SCRIPT)
    qualify(page)
    page.wait_for_url("**/desk/calls/*")
    expect(page.get_by_role("status").first).to_have_text("Esito salvato.")
    assert_inert(page, watch, company_display(f"{SCRIPT} {tag}"))
    screenshot(page, "injection-desk")

    # Each window is closed once read: an open board polls for figures the whole session
    # long, and the board's cache is this process's, shared with other live servers.
    board_context = browser.new_context(base_url=live_server)
    board = board_context.new_page()
    board_watch = Watch(board)
    sign_in(board, "supervisor")
    board.goto(f"/board/campaigns/{hostile['id']}")
    assert_inert(board, board_watch, hostile["name"], f"{SCRIPT} {tag}")  # held by the agent
    board.get_by_test_id("agents").get_by_role("link").first.click()
    assert_inert(board, board_watch, f"{IMG} {tag}")  # the qualified account, to check
    board.goto("/board/")
    assert_inert(board, board_watch, hostile["name"])
    screenshot(board, "injection-board")
    board_context.close()

    staff_context = browser.new_context(base_url=live_server)
    staff = staff_context.new_page()
    staff_watch = Watch(staff)
    sign_in(staff, "staff")
    staff.goto("/distribution/")
    assert_inert(staff, staff_watch, f"{IMG} {tag}")  # waiting, covered by no rule
    staff.goto(f"/distribution/waves/{hostile['wave']}")
    assert_inert(staff, staff_watch, f"{IMG} {tag}")
    screenshot(staff, "injection-distribution")
    staff_context.close()
