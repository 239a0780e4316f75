"""Each kind of user signs in from the keyboard and lands on their own home page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

HOMES = {
    "agent": ("/desk/", "Postazione operatore", ["Postazione"]),
    "supervisor": (
        "/board/",
        "Cruscotto supervisore",
        ["Cruscotto", "Sala", "Fogli ore", "Campagne", "Script"],
    ),
    "staff": (
        "/workspace/",
        "Area di lavoro staff",
        [
            "Sala",
            "Fogli ore",
            "Area di lavoro",
            "Campagne",
            "Importazioni",
            "Schede cartacee",
            "Distribuzione",
            "Non chiamare",
            "Script",
            "Privacy",
        ],
    ),
    "admin": (
        "/users/",
        "Utenti",
        [
            "Cruscotto",
            "Sala",
            "Fogli ore",
            "Area di lavoro",
            "Campagne",
            "Importazioni",
            "Schede cartacee",
            "Distribuzione",
            "Non chiamare",
            "Script",
            "Privacy",
            "Utenti",
            "Webhook",
            "Chiavi API",
        ],
    ),
}


@pytest.mark.parametrize("role", list(HOMES))
def test_role_signs_in_and_sees_home(page, role):
    path, heading, nav = HOMES[role]
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    # The username field has the focus: type, Tab, type, Enter. No mouse.
    page.keyboard.type(role)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    links = page.get_by_role("navigation", name="Principale").get_by_role("link")
    expect(links).to_have_text(nav)
    expect(page.get_by_test_id("who")).to_contain_text(role)
    screenshot(page, f"home-{role}")
    page.get_by_role("button", name="Esci").click()
    page.wait_for_url("**/login")
    expect(page.get_by_role("status")).to_have_text("Sei uscito.")


def test_wrong_password_then_english(page):
    page.goto("/login")
    page.get_by_label("Nome utente").fill("agent")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Accedi").click()
    expect(page.get_by_role("alert")).to_contain_text("Nome utente o password errati")
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "login-english")


def test_agent_is_refused_the_board(page):
    page.goto("/login")
    page.get_by_label("Nome utente").fill("agent")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/")
    response = page.goto("/board/")
    assert response is not None and response.status == 403
    expect(page.get_by_test_id("error-403")).to_contain_text("Accesso negato")
