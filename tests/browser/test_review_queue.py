"""A reviewer clears a queue of 30 doubts and 10 duplicate pairs with the keyboard alone:
each decision brings the next item at once (swapped in, the page never reloads), what is
left counts down to 0, a letter typed in the correction field stays in the field."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import Account, AccountFlag, FlagStatus
from app.accounts.normalise.municipality import bundled_index
from app.accounts.status import AccountStatus
from app.extensions import db
from app.imports.models import DuplicatePair, PairStatus
from app.imports.pipeline import Reference
from app.territory.models import Municipality
from app.territory.municipalities import (
    BUNDLED_REFERENCE_DATE,
    bundled_municipalities,
    search_key,
)
from app.territory.services import load_municipalities
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
# (municipality, province, postcode) as files write them, and the doubt each leaves:
PLACES = [
    ("Cernusco sul Naviglio", "MI", "20100"),  # a CAP of Milan: Cernusco's own is suggested
    ("Monza", "XX", "20900"),  # an unknown province: Monza's is on the account already
    ("Castro", None, None),  # two Castros in Italy: a person decides
]


@pytest.fixture
def review_queue(live_app):
    """Exactly 30 open doubts and 10 pending pairs on the live server's database (what
    other tests left is decided first, so that the count can reach 0)."""
    with live_app.app_context():
        session = db.session
        if session.scalar(sa.select(sa.func.count(Municipality.belfiore))) == 0:
            load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
        session.execute(sa.update(AccountFlag).where(AccountFlag.status == FlagStatus.OPEN)
                        .values(status=FlagStatus.RESOLVED))  # fmt: skip
        session.execute(sa.update(DuplicatePair).where(DuplicatePair.status == PairStatus.PENDING)
                        .values(status=PairStatus.REJECTED))  # fmt: skip
        provinces = {search_key(r.province_name): r.province_code for r in bundled_municipalities()}
        ref = Reference(bundled_index(), provinces, BUNDLED_REFERENCE_DATE)
        for n in range(30):
            factories.doubtful_account(session, ref, *PLACES[n % 3], company_name=f"DUBBIO {n}")
        for n in range(10):
            a = factories.account(session, company_name=f"DOPPIO {n}", status=AccountStatus.READY)
            b = factories.account(session, company_name=f"DOPPIO {n} SRL",
                                  status=AccountStatus.READY)  # fmt: skip
            session.add(DuplicatePair(account_a_id=a.id, account_b_id=b.id, score=0.9 - n / 100,
                                      reasons=["similar_name"]))  # fmt: skip
        session.commit()


def _sign_in(page) -> None:
    page.goto("/login")
    page.get_by_label("Nome utente").fill("staff")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("who")).to_be_visible()


def _left(page, n: int) -> None:
    expect(page.get_by_test_id("left")).to_have_attribute("data-left", str(n))


def test_a_reviewer_clears_doubts_and_pairs_with_the_keyboard(page, review_queue, live_app):
    _sign_in(page)
    page.goto("/workspace/doubts/next")
    expect(page.get_by_test_id("review-keys")).to_contain_text("accetta il suggerimento")
    page.evaluate("window.notReloaded = true")  # gone if a decision reloaded the page
    _left(page, 30)
    screenshot(page, "review-doubt-one-at-a-time")
    item = page.get_by_test_id("doubt-item")
    skipped = item.get_attribute("data-flag")
    page.keyboard.press("s")  # skip: the next one, nothing decided
    expect(item).not_to_have_attribute("data-flag", skipped)
    _left(page, 30)

    left, corrected, undone = 30, 0, False
    while left:
        shown = item.get_attribute("data-flag")
        if page.get_by_test_id("accept").count():
            page.keyboard.press("a")
        elif corrected < 5:  # E opens the field; the letters typed stay in it
            page.keyboard.press("e")
            expect(page.locator("#review-value")).to_be_focused()
            page.keyboard.type("Castro (LE)")
            page.keyboard.press("Enter")
            corrected += 1
        else:
            page.keyboard.press("k")
        left -= 1
        _left(page, left)
        if left == 20 and not undone:  # undo the last decision: the doubt is back
            page.keyboard.press("u")
            left, undone = left + 1, True
            _left(page, left)
            expect(item).to_have_attribute("data-flag", shown)
    expect(page.get_by_test_id("nothing-left")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True

    page.goto("/workspace/review/next")
    page.evaluate("window.notReloaded = true")
    _left(page, 10)
    screenshot(page, "review-pair-one-at-a-time")
    heading = page.get_by_role("table").first
    first = page.url
    page.keyboard.press("s")
    expect(page).not_to_have_url(first)
    for n in range(10):
        page.keyboard.press("m" if n < 3 else "d")
        _left(page, 9 - n)
        if n == 1:
            page.keyboard.press("u")  # the merge undone: the pair waits again
            _left(page, 8 + 1)
            page.keyboard.press("m")
            _left(page, 8)
    expect(heading).to_be_visible()
    assert page.evaluate("window.notReloaded") is True

    with live_app.app_context():
        opened = sa.select(sa.func.count(AccountFlag.id)).where(
            AccountFlag.status == FlagStatus.OPEN)  # fmt: skip
        pending = sa.select(sa.func.count(DuplicatePair.id)).where(
            DuplicatePair.status == PairStatus.PENDING)  # fmt: skip
        assert db.session.scalar(opened) == 0 and db.session.scalar(pending) == 0
        decided = db.session.scalars(sa.select(DuplicatePair.status).where(
            DuplicatePair.status.in_([PairStatus.CONFIRMED]))).all()  # fmt: skip
        assert len(decided) == 3
        castro_le = sa.select(sa.func.count(Account.id)).where(Account.istat_code == "075096")
        assert db.session.scalar(castro_le) == 5  # the five corrections, cleaned: Castro (LE)
        db.session.remove()
