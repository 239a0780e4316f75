"""A supervisor watches the redemption rate change, without reloading, after an agent
qualifies an account, on the board's home and on the campaign's page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import (
    qualify,
    refresh_board,
    screenshot,
    sign_in_and_take,
    stand_still,
)

pytestmark = pytest.mark.browser


def test_the_board_follows_an_agent_s_qualification(browser, live_server, page, desk_campaign,
                                                     office_hours):  # fmt: skip
    board_context = browser.new_context(
        base_url=live_server, viewport={"width": 1366, "height": 768}
    )
    stand_still(board_context)  # the board polls when the test says, not when time passes
    board = board_context.new_page()
    board.goto("/login")
    board.get_by_label("Nome utente").fill("supervisor")
    board.get_by_label("Password").fill(factories.PASSWORD)
    board.keyboard.press("Enter")
    board.wait_for_url("**/board/")
    row = board.locator(f'tr[data-campaign="{desk_campaign["id"]}"]')
    expect(row).to_contain_text(desk_campaign["name"])
    redemption = row.locator('[data-field="redemption"]')
    expect(redemption).to_have_text("\u2013")  # a dash: nothing final yet
    expect(row.locator('[data-field="waiting"]')).to_have_text("2")

    sign_in_and_take(page, desk_campaign)
    qualify(page)
    page.wait_for_url("**/desk/calls/*")
    expect(page.get_by_role("status").first).to_have_text("Esito salvato.")

    # The open board refreshes by itself: its next poll brings the new figures. (How
    # fresh the server keeps them: tests/integration/board/test_board.py.)
    refresh_board(board)
    expect(redemption).to_have_text("100,0%")
    expect(row.locator('[data-field="qualified"]')).to_have_text("1")
    expect(row.locator('[data-field="waiting"]')).to_have_text("1")
    screenshot(board, "board-after-qualification")
    row.get_by_role("link", name=desk_campaign["name"]).click()
    expect(board.get_by_test_id("redemption")).to_have_text("100,0%")
    expect(board.get_by_test_id("agents")).to_contain_text("agent")
    agents = board.get_by_test_id("agents")
    agents.get_by_role("button", name="Chiamate", exact=True).click()  # sort by calls
    expect(agents.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    screenshot(board, "board-campaign")

    # The agent's next account is not interested: the open campaign page, not reloaded,
    # shows the redemption fall to 1 in 2, and the agents table keeps its order.
    page.get_by_role("button", name="Non interessato").click()
    expect(page.get_by_role("status").first).to_have_text("Esito salvato.")
    refresh_board(board)
    expect(board.get_by_test_id("redemption")).to_have_text("50,0%")
    agents = board.get_by_test_id("agents")
    expect(agents.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    expect(agents).to_contain_text("50,0%")
    board_context.close()
