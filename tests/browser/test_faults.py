"""The desk when things go wrong on the agent's side: the browser dies in the middle of
a call, or the network drops the answer to the outcome. Nothing typed is lost, and no
call is recorded twice. (The account an agent never comes back to returns to the queue
once its lease expires: tests/integration/desk/test_queue.py.)"""

from __future__ import annotations

import contextlib
import os

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.desk.models import CallAttempt, CallDraft
from app.extensions import db
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, sign_in_and_take, stand_still

pytestmark = pytest.mark.browser


def _answer(page) -> str:
    """Type a few answers, as an agent in the middle of a call; the account's name."""
    page.get_by_role("group", name="Parlo con la persona").get_by_label("Sì").check()
    page.locator("#q-contact_name").fill("Paolo Neri")
    page.locator("#notes").fill("Richiamare il titolare dopo le 15")
    return page.get_by_role("heading", level=1).inner_text()


def _back_at_the_desk(browser, live_server, desk_campaign):
    """A new browser window: sign in again and take the next account."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in_and_take(page, desk_campaign)
    return context, page


def _settle(page, answered) -> None:
    """Leave the desk and wait until the server has answered the draft the page sends as
    it goes, so that it does not race the next test's setup (SQLite has one writer)."""
    drafts = answered.count("/draft")
    # Closed as the test closes its first tab (that path sent its draft in every run;
    # navigating away once did not, and this wait failed).
    page.close(run_before_unload=True)
    answered.wait_beyond("/draft", drafts)


def _draft_notes(live_app, call_url: str) -> str | None:
    """The notes of the draft the server keeps for the call at ``call_url``, if any."""
    entry_id = int(call_url.rstrip("/").rsplit("/", 1)[1])  # /desk/calls/<entry id>
    with live_app.app_context():
        return db.session.scalar(
            sa.select(CallDraft.notes).where(CallDraft.queue_entry_id == entry_id)
        )


def _expect_answers_back(page, company: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(company)  # the same account
    expect(page.locator("#q-contact_name")).to_have_value("Paolo Neri")
    expect(page.locator("#q-contact_name")).to_be_visible()
    expect(page.locator("#notes")).to_have_value("Richiamare il titolare dopo le 15")


def test_the_browser_crashing_mid_call_loses_no_saved_answer(
    browser, live_server, answered, desk_campaign, office_hours, tmp_path_factory
):
    # A crashed Chromium cannot remove its temporary files (its singleton socket's folder):
    # it is given a folder of the test's own for them, not the system's temp folder (with
    # a short path: a socket's path must stay under 108 bytes).
    own_tmp = str(tmp_path_factory.mktemp("chromium"))
    doomed = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS,
                                         env={**os.environ, "TMPDIR": own_tmp})  # fmt: skip
    page = doomed.new_context(base_url=live_server).new_page()
    page.set_default_timeout(10_000)
    sign_in_and_take(page, desk_campaign)
    company = _answer(page)
    expect(page.locator("#draft-status")).to_have_text("Bozza salvata", timeout=10_000)
    crash = doomed.new_browser_cdp_session()
    with contextlib.suppress(Exception):  # the browser is gone before it can answer
        crash.send("Browser.crash")  # the whole browser dies: no unload, no last request
    context, page = _back_at_the_desk(browser, live_server, desk_campaign)
    try:
        _expect_answers_back(page, company)
    finally:
        _settle(page, answered)
        context.close()


def test_closing_the_tab_right_after_typing_keeps_the_answers(
    browser, live_app, live_server, answered, desk_campaign, office_hours
):
    """Closed before the autosave's pause is over: the page sends its draft as it goes."""
    context = browser.new_context(base_url=live_server)
    # The page's clock stands still, so its autosave never comes due, however slowly the
    # typing goes: the only draft is the one sent as the tab closes.
    stand_still(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in_and_take(page, desk_campaign)
    company = _answer(page)
    expect(page.locator("#draft-status")).not_to_have_text("Bozza salvata")
    call_url = page.url
    assert _draft_notes(live_app, call_url) is None  # nothing saved while the tab was open
    drafts = answered.count("/draft")
    page.close(run_before_unload=True)
    # The tab is closed, the browser still runs (as when an agent closes a tab): closing the
    # whole context at once could tear down the request the page just sent, which is not
    # what happens on an agent's computer (seen once, under a loaded run).
    answered.wait_beyond("/draft", drafts)
    context.close()
    sent = _draft_notes(live_app, call_url)  # by the page as it closed
    assert sent == "Richiamare il titolare dopo le 15"
    context, page = _back_at_the_desk(browser, live_server, desk_campaign)
    try:
        _expect_answers_back(page, company)
    finally:
        _settle(page, answered)
        context.close()


def _calls_for(live_app, company: str) -> int:
    from app.accounts.models import Account

    with live_app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(CallAttempt.id))
            .join(Account, Account.id == CallAttempt.account_id)
            .where(Account.company_name == company)
        )


@pytest.mark.parametrize("reached", [True, False], ids=["answer-lost", "request-lost"])
def test_a_dropped_outcome_sent_again_is_recorded_once(
    live_app, page, answered, desk_campaign, office_hours, reached
):
    """The connection drops while the outcome is being saved, after the server recorded
    it (the answer is lost) or before (the request is lost); the agent sends it again."""
    sign_in_and_take(page, desk_campaign)
    company = page.get_by_role("heading", level=1).inner_text()
    stored = page.locator("#q-company_name").input_value()  # the name as the account keeps it
    dropped: list[str] = []

    def drop_first(route) -> None:
        if dropped:
            route.continue_()
            return
        dropped.append(route.request.url)
        if reached:
            route.fetch()  # the server records the call; its answer never arrives
        route.abort("connectionreset")

    page.route("**/outcome", drop_first)
    page.get_by_role("button", name="Non interessato").click()
    page.wait_for_url("chrome-error://**")  # the browser's "no connection" page
    assert dropped
    page.reload()  # its "reload" button: the same form sent again, same client_token
    page.wait_for_url("**/desk/calls/*")
    expect(page.get_by_role("status").first).to_have_text("Esito salvato.")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(company)  # the next one
    assert _calls_for(live_app, stored) == 1
    _settle(page, answered)
