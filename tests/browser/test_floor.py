"""The supervisor's floor follows an agent without a reload: in one browser the agent
dials, is answered, hangs up, records the outcome with a break after it and resumes; in
another the supervisor's floor shows each state within a few seconds. Every step waits for
a state the page shows, never for time."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.floor import live, views
from app.security import Role
from app.users.models import User
from tests import factories
from tests.browser.conftest import sign_in_and_take
from tests.browser.test_agent_states import NO_SOFTPHONE

pytestmark = pytest.mark.browser
FEW_SECONDS = 15_000  # the floor polls every 3 s a copy at most 2 s old (here, sooner)


@pytest.fixture
def quick_floor(monkeypatch) -> None:
    """The open floor asks every half second for a copy at most 0.3 s old, not every 3 s
    for one at most 2 s old: the same polling and the same shared copy, six times sooner
    (a state took two polls, 6 s, to show, six times over). The live server runs in this
    process, so it reads these values."""
    monkeypatch.setattr(views, "REFRESH_SECONDS", 0.5)
    monkeypatch.setattr(live, "FRESH_SECONDS", 0.3)


def _floor_agent(live_app) -> int:
    """An agent of this test's own: another test's agent may have a log in the future of
    this test's clock (each test travels to the same morning)."""
    with live_app.app_context():
        found = db.session.scalar(sa.select(User.id).where(User.username == "floor-agent"))
        if found is None:
            found = factories.user(db.session, Role.AGENT, username="floor-agent").id
            db.session.commit()
        return found


def _take(page, campaign) -> None:
    sign_in_and_take(page, campaign, username="floor-agent")


def test_the_floor_follows_the_agent(browser, live_server, live_app, desk_campaign,
                                     office_hours, quick_floor):  # fmt: skip
    contexts = [browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 900})
                for _ in range(2)]  # fmt: skip
    try:
        desk, boss = (context.new_page() for context in contexts)
        for page in (desk, boss):
            page.set_default_timeout(10_000)
        desk.add_init_script(NO_SOFTPHONE)
        boss.goto("/login")
        boss.get_by_label("Nome utente").fill("supervisor")
        boss.get_by_label("Password").fill(factories.PASSWORD)
        boss.keyboard.press("Enter")
        boss.wait_for_url("**/board/")
        boss.get_by_role("link", name="Sala").click()
        boss.wait_for_url("**/floor/")
        boss.evaluate("window.sameFloorPage = true")  # gone if the page reloads
        row = boss.locator(f'tr[data-agent="{_floor_agent(live_app)}"]')

        def floor_shows(state: str, text: str) -> None:
            expect(row).to_have_attribute("data-state", state, timeout=FEW_SECONDS)
            expect(row.get_by_test_id("floor-state")).to_contain_text(text)

        _take(desk, desk_campaign)
        state = desk.get_by_test_id("agent-state")
        floor_shows("ready", "Pronto")
        expect(row).to_contain_text(desk_campaign["accounts"][0].split(" SRL")[0], ignore_case=True)
        desk.keyboard.press("Alt+t")
        expect(state).to_have_attribute("data-state", "dialling")
        floor_shows("dialling", "In composizione")
        desk.get_by_role("group", name="Parlo con la persona").get_by_label("Sì").check()
        expect(state).to_have_attribute("data-state", "in_call")
        floor_shows("in_call", "In chiamata")
        desk.keyboard.press("Alt+f")
        expect(state).to_have_attribute("data-state", "wrap_up")
        floor_shows("wrap_up", "Post-chiamata")
        desk.get_by_test_id("pause-after").select_option(label="Pausa")
        with desk.expect_navigation():
            desk.keyboard.press("Alt+o")  # busy, then the break
        expect(desk.get_by_test_id("agent-state")).to_have_attribute("data-state", "paused")
        floor_shows("paused", "Pausa")
        with desk.expect_navigation():
            desk.keyboard.press("Alt+p")  # resume
        expect(desk.get_by_test_id("agent-state")).to_have_attribute("data-state", "ready")
        floor_shows("ready", "Pronto")
        assert boss.evaluate("window.sameFloorPage === true")
    finally:
        for context in contexts:
            context.close()
