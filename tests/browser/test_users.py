"""Luca, the administrator, sets up a call centre in the browser: a team, an agent in it
with a temporary password; the agent signs in and must choose their own password first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in(page, username, password=factories.PASSWORD):
    page.goto("/login")
    expect(page.get_by_label("Nome utente")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")


def test_a_team_an_agent_and_the_first_sign_in(page):
    sign_in(page, "admin")
    page.wait_for_url("**/users/")
    page.get_by_role("link", name="Team", exact=True).click()
    page.wait_for_url("**/teams/")
    # The code field has the focus: type, Tab, type, Enter.
    expect(page.get_by_label("Codice")).to_be_focused()
    page.keyboard.type("cc-browser")
    page.keyboard.press("Tab")
    page.keyboard.type("Call center Browser")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CC-BROWSER")
    expect(page.get_by_role("status")).to_have_text("Team CC-BROWSER creato.")
    page.get_by_role("link", name="Torna ai team").click()
    screenshot(page, "teams")

    page.goto("/users/new")
    expect(page.get_by_label("Nome utente")).to_be_focused()
    form = page.get_by_test_id("user-form")
    form.get_by_label("Nome utente").fill("op.browser")
    form.get_by_label("Nome e cognome").fill("Marco Operatore")
    # The zone is for staff, the team for agents and supervisors: the form shows what fits.
    form.get_by_label("Ruolo").select_option("staff")
    expect(form.get_by_label("Zona")).to_be_visible()
    expect(form.get_by_label("Team")).to_be_hidden()
    form.get_by_label("Ruolo").select_option("agent")
    expect(form.get_by_label("Zona")).to_be_hidden()
    form.get_by_label("Team").select_option(label="CC-BROWSER · Call center Browser")
    screenshot(page, "user-new")
    form.get_by_role("button", name="Crea l\u2019utente").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utente creato")
    password = page.get_by_test_id("temporary-password").inner_text()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    screenshot(page, "user-temporary-password")
    page.get_by_role("link", name="Torna all\u2019utente").click()
    expect(page.get_by_test_id("user-state")).to_contain_text("deve scegliere una sua password")
    screenshot(page, "user-edit")
    page.get_by_role("button", name="Esci").click()

    sign_in(page, "op.browser", password)
    page.wait_for_url("**/password")
    expect(page.get_by_test_id("password-forced")).to_be_visible()
    page.goto("/desk/")
    page.wait_for_url("**/password")  # every page leads here first
    expect(page.get_by_label("Password attuale")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Tab")
    page.keyboard.type("una frase facile")
    page.keyboard.press("Tab")
    page.keyboard.type("una frase diversa")
    page.keyboard.press("Enter")
    expect(page.locator(".errors")).to_contain_text("non coincidono")
    screenshot(page, "password-refused")
    page.get_by_label("Password attuale").fill(password)
    page.get_by_label("Nuova password", exact=True).fill("una frase facile")
    page.get_by_label("Ripeti la nuova password").fill("una frase facile")
    page.get_by_role("button", name="Cambia la password").click()
    page.wait_for_url("**/desk/")
    expect(page.get_by_role("status").first).to_have_text("La tua password è stata cambiata.")
