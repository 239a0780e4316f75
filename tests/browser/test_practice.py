"""Practice, any day: the desk serves a practice campaign whatever the day and hour the suite
runs (no clock travel here: the server and Chromium share the real one), marks it, and
offers no number to dial."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in_and_take

pytestmark = pytest.mark.browser


def test_practice_is_served_now_marked_and_not_dialable(page, practice_campaign):
    sign_in_and_take(page, practice_campaign)
    banner = page.get_by_test_id("practice-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("PROVA")
    expect(banner).to_contain_text("Non comporre il numero")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("PROVA")
    expect(page).to_have_title(re.compile(r"^PROVA · Trasporti (Alfa|Beta) "))
    phone = page.get_by_test_id("phone")
    expect(phone).to_have_text(re.compile(r"^\+39 051 123 45[01]0$"))
    expect(phone).not_to_have_attribute("href", re.compile(".*"))
    expect(page.locator("a[href^='tel:']")).to_have_count(0)
    expect(page.locator("[data-copy]")).to_have_count(0)
    screenshot(page, "desk-practice-call")
    first = heading.inner_text()
    with page.expect_navigation():
        page.keyboard.press("Alt+o")  # Occupato (busy): the practice retry waits 15 minutes
    expect(page.get_by_role("status").first).to_have_text("Esito salvato.")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(first)
    expect(page.get_by_test_id("practice-banner")).to_be_visible()
