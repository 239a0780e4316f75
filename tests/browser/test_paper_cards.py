"""A sales secretary types a paper card with a sloppy value, sees the correction on the
check step and the live warning of an account like it, says it is another company and
saves; another staff member validates it, and the account is in the base, ready (issue 27,
docs/data-entry.md)."""

from __future__ import annotations

import random
import string

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.cards.models import CardStatus, PaperCard
from app.extensions import db
from app.security import Role
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.test_import import reference  # noqa: F401 - the municipalities, loaded
from tests.browser.test_injection import sign_in

pytestmark = pytest.mark.browser


def sign_out(page) -> None:
    page.get_by_role("button", name="Esci").click()
    page.wait_for_url("**/login*")


@pytest.fixture
def world(live_app, reference):  # noqa: F811
    """A typist of her own, and a namesake in the base: ROSSI TRASPORTI <word> of Bergamo."""
    word = "".join(random.choices(string.ascii_uppercase, k=7))
    with live_app.app_context():
        typist = factories.user(db.session, Role.STAFF, username=f"segr-{word.lower()}",
                                full_name="Sara Segreteria")  # fmt: skip
        stored = factories.account(
            db.session, company_name=f"ROSSI TRASPORTI {word}", legal_form="SRL",
            municipality="Bergamo", province="BG", istat_code="016024", postcode="24125",
            status=AccountStatus.READY,
        )  # fmt: skip
        db.session.commit()
        yield {"word": word, "typist": typist.username, "stored_id": stored.id}


def test_a_card_is_typed_checked_warned_saved_and_validated_by_another(page, live_app, world):
    word = world["word"]
    sign_in(page, world["typist"])
    page.get_by_role("link", name="Schede cartacee").click()
    page.get_by_test_id("new-card").click()
    expect(page.get_by_label("Ragione sociale")).to_be_focused()  # autofocus: type at once
    page.keyboard.type(f"rossi trasporti {word.lower()} s.r.l.")
    page.get_by_label("Indirizzo").fill("v. roma 3")
    page.get_by_label("CAP").fill("24125")
    page.get_by_label("Comune").fill("bergamo")
    page.get_by_label("Telefono", exact=True).fill("035 4567890")

    # The live warning, while typing: the namesake of the same town.
    warning = page.get_by_test_id("similar-account")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text("Bergamo (BG)")
    expect(warning).to_contain_text("Sembra Rossi Trasporti")
    warning.get_by_label("È un'altra azienda").check()
    screenshot(page, "paper-card-live-warning")

    # Enter in a field: the check step, the values kept, the correction and its reason.
    page.get_by_label("Telefono", exact=True).press("Enter")
    check = page.get_by_test_id("check")
    expect(check).to_be_visible()
    expect(page.get_by_test_id("check-ok")).to_be_visible()
    street = check.locator("tr[data-field=street]")
    expect(street).to_contain_text("VIA ROMA")
    expect(street).to_contain_text("tipo di via scritto per esteso")
    expect(page.get_by_label("Indirizzo")).to_have_value("v. roma 3")
    expect(
        page.get_by_test_id("similar-account").get_by_label("È un'altra azienda")
    ).to_be_checked()
    screenshot(page, "paper-card-check-step")
    page.get_by_test_id("save-button").click()
    expect(page.get_by_test_id("card-status")).to_have_text("In attesa di convalida")
    expect(page.get_by_test_id("confirm")).to_have_count(0)  # not the typist's to confirm
    sign_out(page)

    # Another staff member validates it.
    sign_in(page, "staff")
    page.get_by_role("link", name="Schede cartacee").click()
    page.get_by_test_id("pending-cards").get_by_role(
        "link", name=f"rossi trasporti {word.lower()} s.r.l.").click()  # fmt: skip
    expect(page.get_by_test_id("declared")).to_contain_text("Rossi Trasporti")
    screenshot(page, "paper-card-validation")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("card-status")).to_have_text("Scheda convalidata")
    expect(page.get_by_test_id("validated")).to_contain_text("un nuovo account")

    with live_app.app_context():
        card = db.session.scalars(sa.select(PaperCard).order_by(PaperCard.id.desc())).first()
        account = db.session.get(Account, card.account_id)
        assert card.status == CardStatus.VALIDATED
        assert account.id != world["stored_id"] and account.status == AccountStatus.READY
        assert (account.company_name, account.street, account.house_number) == (
            f"ROSSI TRASPORTI {word}", "VIA ROMA", "3")  # fmt: skip
