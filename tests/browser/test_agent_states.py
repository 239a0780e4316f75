"""The agent's states as the desk shows and records them: dial, answered (the first
answer typed), hang up, the outcome with a pause after the call, the pause's time running,
resume with one key. Every step waits for the state the page shows, never for time."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.users.models import User
from app.workday.machine import AgentState as S
from app.workday.machine import Moment as M
from app.workday.models import PauseReason, StatePeriod
from tests.browser.conftest import sign_in_and_take

pytestmark = pytest.mark.browser
CLOCK = re.compile(r"^\d\d:\d\d$")  # mm:ss, the state's time running


def _log_since(live_app, first_id):
    with live_app.app_context():
        agent = db.session.scalar(sa.select(User.id).where(User.username == "agent"))
        rows = db.session.execute(
            sa.select(StatePeriod.state, StatePeriod.moment, StatePeriod.pause_reason_id,
                      StatePeriod.ended_at)
            .where(StatePeriod.agent_id == agent, StatePeriod.id > first_id)
            .order_by(StatePeriod.id)
        ).all()  # fmt: skip
        reason = db.session.scalar(sa.select(PauseReason.id).where(PauseReason.code == "break"))
        return rows, reason


def _last_id(live_app):
    with live_app.app_context():
        return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(StatePeriod.id), 0)))


# This machine has no softphone: a ``tel:`` link would hand Chromium to the system, and the
# page would stop receiving keys. The link's default action is cancelled here, as a
# softphone taking the number would leave the page; the desk's own click handler runs.
NO_SOFTPHONE = """document.addEventListener("click", (event) => {
  if (event.target.closest("a[href^='tel:']")) event.preventDefault();
}, true);"""


def test_dial_hang_up_record_pause_and_resume(page, live_app, desk_campaign, office_hours):
    page.add_init_script(NO_SOFTPHONE)
    first_id = _last_id(live_app)
    sign_in_and_take(page, desk_campaign)
    state = page.get_by_test_id("agent-state")
    expect(state).to_have_attribute("data-state", "ready")
    expect(state).to_contain_text("Pronto")
    page.keyboard.press("Alt+t")  # the number's link: the softphone dials, the desk records
    expect(state).to_have_attribute("data-state", "dialling")
    expect(state).to_contain_text("In composizione")
    expect(state.get_by_role("button", name="Ha risposto")).to_be_visible()
    # The first answer typed means someone answered.
    page.get_by_role("group", name="Parlo con la persona").get_by_label("Sì").check()
    expect(state).to_have_attribute("data-state", "in_call")
    expect(state).to_contain_text("In chiamata")
    expect(state.locator("[data-running]")).to_have_text(CLOCK)
    page.keyboard.press("Alt+f")  # hang up: the wrap-up starts
    expect(state).to_have_attribute("data-state", "wrap_up")
    expect(state).to_contain_text("Post-chiamata")
    expect(state.get_by_role("button", name="Riaggancia")).to_be_hidden()
    page.get_by_test_id("pause-after").select_option(label="Pausa")
    with page.expect_navigation():
        page.keyboard.press("Alt+o")  # Occupato (busy), then the break
    page.wait_for_url("**/desk/")
    home_state = page.get_by_test_id("agent-state")
    expect(home_state).to_have_attribute("data-state", "paused")
    expect(home_state).to_contain_text("In pausa")
    expect(page.get_by_test_id("pause-reason")).to_contain_text("Pausa")
    expect(home_state).to_contain_text("al massimo 15 minuti")
    running = home_state.locator("[data-running]")
    expect(running).to_have_text(CLOCK)
    expect(running).not_to_have_text("00:00")  # the pause's time runs on the page
    expect(page.get_by_role("button", name="Prossimo account")).to_have_count(0)
    with page.expect_navigation():
        page.keyboard.press("Alt+p")  # resume: one key
    expect(home_state).to_have_attribute("data-state", "ready")
    expect(page.get_by_role("button", name="Prossimo account").first).to_be_visible()
    rows, break_id = _log_since(live_app, first_id)
    assert [(r.state, r.moment) for r in rows] == [
        (S.READY, M.SIGN_IN),
        (S.READY, M.TAKE),
        (S.DIALLING, M.DIAL),
        (S.IN_CALL, M.ANSWER),
        (S.WRAP_UP, M.HANG_UP),
        (S.PAUSED, M.PAUSE_AFTER_CALL),
        (S.READY, M.RESUME),
    ]
    assert rows[5].pause_reason_id == break_id
    assert [r.ended_at is None for r in rows] == [False] * 6 + [True]


def test_pause_from_the_desk_home(page, live_app, desk_campaign, office_hours):
    page.goto("/login")
    page.get_by_label("Nome utente").fill("agent")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/")
    state = page.get_by_test_id("agent-state")
    expect(state).to_have_attribute("data-state", "ready")
    page.keyboard.press("Alt+p")  # the reason list
    reasons = page.get_by_label("Motivo della pausa")
    expect(reasons).to_be_focused()
    reasons.select_option(label="Riunione")
    with page.expect_navigation():
        reasons.press("Enter")
    expect(state).to_have_attribute("data-state", "paused")
    expect(page.get_by_test_id("pause-reason")).to_contain_text("Riunione")
    page.get_by_role("button", name="Riprendi").click()
    expect(state).to_have_attribute("data-state", "ready")
