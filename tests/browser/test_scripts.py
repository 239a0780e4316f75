"""Staff change a call script in the browser: a broken file is refused with its line, they
correct it in the text area, check it, preview it as the agent will see it (a branch shows
and hides), save it, and switch a campaign to the new version."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.scripting.services import load_script
from tests import factories
from tests.browser.conftest import screenshot
from tests.integration.setup.scripts_support import SHORT, SHORT_BROKEN

pytestmark = pytest.mark.browser


@pytest.fixture
def campaign_on_v1(live_app):
    """A campaign on version 1 of a script of its own; the test writes version 2."""
    tag = uuid.uuid4().hex[:6]
    name = f"short_check_{tag}"
    text = SHORT.replace('"short_check"', f'"{name}"')
    with live_app.app_context():
        stored = load_script(db.session, text.replace("Apertura", "Inizio"))
        campaign = factories.campaign(
            db.session, code=f"S{tag}", name=f"Script {tag}", call_script_id=stored.id
        )
        db.session.commit()
        yield {"name": name, "text": text, "code": campaign.code}


def test_staff_correct_check_preview_save_and_switch(page, campaign_on_v1):
    name = campaign_on_v1["name"]
    broken = SHORT_BROKEN.replace('"short_check"', f'"{name}"')
    page.goto("/login")
    page.get_by_label("Nome utente").fill("staff")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Script").click()
    expect(page.get_by_role("heading", name="Script di chiamata", level=1)).to_be_visible()

    # A broken file: refused, with its line and column, and its text in the editor.
    page.get_by_label("File dello script (.toml)").set_input_files(
        {"name": f"{name}.toml", "mimeType": "text/plain", "buffer": broken.encode()}
    )
    page.get_by_role("button", name="Carica e salva").click()
    problems = page.get_by_test_id("problems")
    expect(problems).to_contain_text("1 problema: lo script non può essere salvato")
    expect(problems).to_contain_text("riga 28, colonna 3")
    expect(problems).to_contain_text("tipo sconosciuto 'testo'")
    expect(page.locator("[data-gutter]")).to_contain_text("28")
    screenshot(page, "scripts-refused")

    # The problem's link puts the cursor on the mistake; the agent types the fix.
    problems.get_by_role("link", name="riga 28, colonna 3").click()
    text = page.get_by_label("Testo dello script (TOML)")
    expect(text).to_be_focused()
    page.keyboard.type('type = "text"')
    expect(text).to_have_value(campaign_on_v1["text"])

    page.get_by_role("button", name=re.compile("^Controlla")).click()
    expect(page.get_by_test_id("check-ok")).to_contain_text(f"Nessun problema: script {name}")

    # The preview: the agent's call screen with a sample account; branching works.
    page.get_by_role("button", name=re.compile("^Anteprima")).click()
    expect(page.get_by_test_id("preview-banner")).to_be_visible()
    preview = page.locator("#preview-form")
    referral = preview.locator("#q-referral_phone")
    expect(referral).to_be_hidden()
    opening = preview.get_by_role("group", name="Parlo con chi si occupa")
    opening.get_by_label("No", exact=True).check()
    expect(referral).to_be_visible()
    opening.get_by_label("Sì", exact=True).check()
    expect(referral).to_be_hidden()
    expect(preview.locator("#q-company_name")).to_have_value("Autotrasporti Esempio S.r.l.")
    expect(page.get_by_test_id("phone")).not_to_have_attribute("href", re.compile("tel:"))
    opening.get_by_label("No", exact=True).check()
    screenshot(page, "scripts-preview")

    page.get_by_role("button", name=re.compile("^Salva come nuova versione")).click()
    expect(page.get_by_role("status").first).to_have_text(f"Salvato: {name} versione 2.")
    expect(page.get_by_test_id("newest")).to_be_visible()

    # The campaign is still on version 1 until switched, in one action.
    row = page.locator(f"tr[data-campaign='{campaign_on_v1['code']}']")
    expect(row).to_contain_text("versione 1")
    screenshot(page, "scripts-version")
    row.get_by_role("button", name="Passa alla versione 2").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"La campagna {campaign_on_v1['code']} ora usa {name} versione 2"
    )
    row = page.locator(f"tr[data-campaign='{campaign_on_v1['code']}']")
    expect(row).to_contain_text("versione 2")
    expect(row.get_by_role("button")).to_have_count(0)

    page.get_by_role("link", name="Differenze").first.click()
    expect(page.get_by_test_id("diff")).to_contain_text("Inizio")
    expect(page.get_by_test_id("diff")).to_contain_text("Apertura")
    screenshot(page, "scripts-diff")
