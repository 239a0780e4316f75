"""Luca, the administrator, makes a key for the dealers' CRM: he sees it once, the CRM
reads with it, and after he revokes it the key opens nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def call(page, live_server: str, token: str | None) -> int:
    """A call from the signed-in browser's own context: its session cookie goes along, and
    only the key counts."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return page.request.get(f"{live_server}/api/v1/campaigns", headers=headers).status


def test_an_admin_creates_a_key_sees_it_once_and_revokes_it(page, live_server):
    page.goto("/login")
    page.get_by_label("Nome utente").fill("admin")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/users/")
    page.get_by_role("navigation", name="Principale").get_by_role("link", name="Chiavi API").click()
    page.wait_for_url("**/api-keys/")
    page.get_by_role("link", name="Nuova chiave").click()
    form = page.get_by_test_id("api-key-form")
    form.get_by_label("Nome").fill("CRM concessionari")
    form.get_by_label(re.compile("^campaigns:read")).check()
    form.get_by_role("button", name="Crea la chiave").click()
    secret = page.get_by_test_id("api-key-secret")
    expect(secret).to_have_text(re.compile(r"^qk_[0-9a-f]{8}_\S{43,}$"))
    token = secret.inner_text()
    prefix = token.split("_")[1]
    screenshot(page, "api-key-created")
    assert call(page, live_server, token) == 200
    assert call(page, live_server, None) == 401  # the admin's session opens nothing there

    page.get_by_role("link", name="Torna alle chiavi API").click()
    row = page.get_by_test_id(f"api-key-{prefix}")
    expect(row).to_contain_text("CRM concessionari")
    expect(row).to_contain_text("campaigns:read")
    assert token not in page.content()  # the list shows the prefix only, never the key

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id(f"revoke-{prefix}").click()
    expect(page.get_by_role("status")).to_contain_text("revocata")
    expect(page.get_by_test_id(f"api-key-{prefix}")).to_contain_text("revocata il")
    assert call(page, live_server, token) == 401
