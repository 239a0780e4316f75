"""An agent works the queue: takes an account, fills the script, qualifies it, and the
next account is on screen; a reload in the middle of a call loses nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.accounts.names import company_display
from tests.browser.conftest import sign_in_and_take

pytestmark = pytest.mark.browser


def test_agent_qualifies_and_gets_the_next_account(page, desk_campaign, office_hours):
    sign_in_and_take(page, desk_campaign)
    first = page.get_by_role("heading", level=1).inner_text()
    shown = [company_display(name) for name in desk_campaign["accounts"]]  # "… S.r.l."
    assert first in shown
    stored = desk_campaign["accounts"][shown.index(first)]
    number = "+390511234500" if first.startswith("Trasporti Alfa") else "+390511234510"
    expect(page.get_by_test_id("phone")).to_have_attribute("href", f"tel:{number}")
    # Branching: the contact section appears only for the decision maker.
    contact = page.locator("#q-contact_name")
    expect(contact).to_be_hidden()
    page.get_by_role("group", name="Parlo con la persona").get_by_label("Sì").check()
    expect(contact).to_be_visible()
    expect(page.locator("#q-company_name")).to_have_value(stored)  # pre-filled
    page.get_by_role("group", name="L'azienda ha dei veicoli").get_by_label("Sì").check()
    page.get_by_label("Marca 1", exact=True).select_option(label="Renault Trucks")
    page.get_by_label("Veicoli 1", exact=True).fill("14")
    page.get_by_label("Classe di portata 1", exact=True).select_option("gt_16")
    contact.fill("Giulia Bianchi")
    phone = page.locator("#q-contact_phone")
    phone.fill("2 1234")
    expect(page.locator("#q-contact_phone-error")).to_contain_text("numero di telefono valido")
    phone.fill("333 1234567")
    expect(page.locator("#q-contact_phone-error")).to_have_text("")
    expect(page.locator("#q-vehicle_kind")).to_be_hidden()  # shown only for a purchase
    page.locator("#q-purchase_horizon").select_option("3")
    expect(page.locator("#q-vehicle_kind")).to_be_visible()
    page.locator("#q-vehicle_kind").select_option("tractor_unit")
    page.locator("#q-vehicle_quantity").fill("2")
    page.get_by_role("button", name="Qualificato").click()
    page.wait_for_url("**/desk/calls/*")
    second = page.get_by_role("heading", level=1)
    expect(second).not_to_have_text(first)
    assert second.inner_text() in shown
    expect(page.get_by_role("status").first).to_have_text("Esito salvato.")


def test_reload_mid_call_keeps_the_answers(page, desk_campaign, office_hours):
    sign_in_and_take(page, desk_campaign)
    page.get_by_role("group", name="Parlo con la persona").get_by_label("Sì").check()
    page.locator("#q-contact_name").fill("Paolo Neri")
    page.locator("#notes").fill("Preferisce essere chiamato dopo le 15")
    page.get_by_role("group", name="L'azienda ha dei veicoli").get_by_label("Sì").check()
    for _ in range(2):
        page.get_by_role("button", name="Aggiungi una riga").click()
    page.get_by_label("Veicoli 5", exact=True).fill("9")
    expect(page.locator("#draft-status")).to_have_text("Bozza salvata", timeout=10_000)
    page.reload()
    expect(page.get_by_label("Veicoli 5", exact=True)).to_have_value("9")
    expect(page.locator("#q-contact_name")).to_have_value("Paolo Neri")
    expect(page.locator("#q-contact_name")).to_be_visible()
    expect(page.locator("#notes")).to_have_value("Preferisce essere chiamato dopo le 15")


def test_outcome_by_keyboard_shortcut(page, desk_campaign, office_hours):
    sign_in_and_take(page, desk_campaign)
    first = page.get_by_role("heading", level=1).inner_text()
    with page.expect_navigation():
        page.keyboard.press("Alt+o")  # Occupato (busy)
    expect(page.get_by_role("status").first).to_have_text("Esito salvato.")
    print("STEP", 'expect(page.get_by_role("headi', flush=True)
    expect(page.get_by_role("heading", level=1)).not_to_have_text(first)


def test_no_check_or_draft_is_sent_after_the_outcome(page, desk_campaign, office_hours):
    """The checks as typed and the autosave wait 0.5 s and 0.8 s: an outcome sent before
    they fire must cancel them, or they hit a closed call (409). Chromium's clock is under
    the test's control and the outcome's answer is "204 No Content" (the page stays where
    it is, as it does while a loaded server takes its time), so the timers get every
    chance to fire, whatever the machine's load."""
    page.clock.install()
    sign_in_and_take(page, desk_campaign)
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    sent, after_submit = [], []
    page.route("**/outcome", lambda route: (sent.append(route), route.fulfill(status=204)))
    page.on("request", lambda r: after_submit.append(r.url) if sent else None)
    page.get_by_role("group", name="Parlo con la persona").get_by_label("Sì").check()
    page.locator("#q-contact_phone").fill("333 1234567")  # a check and a draft are due
    with page.expect_response("**/outcome"):
        page.get_by_role("button", name="Non risponde").click(no_wait_after=True)
    page.clock.run_for(60_000)  # every timer the page had fires now, the lease's too
    expect(page.locator("#draft-status")).to_have_text("Salvataggio dell'esito…")
    late = [url for url in after_submit if url.endswith(("/check", "/draft", "/lease"))]
    assert late == []
