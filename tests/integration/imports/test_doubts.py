"""Resolving an account's doubts: correct through the cleaning, or keep as it is."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import AccountFlag, FlagStatus
from app.accounts.status import AccountStatus
from app.imports import doubts
from app.imports.models import FieldChange
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def doubtful(session, reference, monkeypatch):
    monkeypatch.setattr(doubts, "reference", lambda _session: reference)
    account = factories.account(
        session, company_name="NERI", municipality="Castro", vat_number="00743110158",
        status=AccountStatus.TO_REVIEW,
    )  # fmt: skip
    session.flush()
    session.add_all([
        AccountFlag(account_id=account.id, field="municipality", value="Castro",
                    reason="municipality_ambiguous"),
        AccountFlag(account_id=account.id, field="vat_number", value="00743110158",
                    reason="vat_check_digit_wrong"),
    ])  # fmt: skip
    session.flush()
    return account


def test_a_corrected_value_is_cleaned_and_the_account_gets_ready(session, doubtful, users):
    outcome = doubts.resolve(session, doubtful, {"province": "LE", "vat_number": "743110157"},
                             set(), user_id=users["staff"].id)  # fmt: skip
    assert outcome.errors == {} and outcome.resolved == 2 and outcome.ready
    assert (doubtful.istat_code, doubtful.province) == ("075096", "LE")  # Castro (LE)
    assert doubtful.vat_number == "00743110157" and doubtful.status == AccountStatus.READY
    reasons = session.scalars(sa.select(FieldChange.reason).where(
        FieldChange.account_id == doubtful.id)).all()  # fmt: skip
    assert set(reasons) == {"corrected_in_review"}


def test_a_value_still_in_doubt_is_refused_and_nothing_saved(session, doubtful, users):
    outcome = doubts.resolve(session, doubtful, {"vat_number": "12345"}, set(), user_id=None)
    assert "vat_number" in outcome.errors and not outcome.ready
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(FieldChange.id))) == 0


def test_a_doubt_kept_as_it_is_is_resolved(session, doubtful, users):
    flags = doubts.open_flags(session, doubtful.id)
    vat_flag = next(f for f in flags if f.field == "vat_number")
    outcome = doubts.resolve(session, doubtful, {}, {vat_flag.id}, user_id=None)
    assert outcome.resolved == 1 and not outcome.ready  # the municipality is still open
    assert doubtful.vat_number == "00743110158"  # left as it was
    assert [f.field for f in doubts.open_flags(session, doubtful.id)] == ["municipality"]


def test_the_pages(client, session, doubtful, users, auth) -> None:
    session.commit()
    auth.login("staff")
    page = client.get("/workspace/doubts").get_data(as_text=True)
    assert "Neri" in page and "nome condiviso da più comuni" in page  # the name as people read it
    page = client.get(f"/workspace/doubts/{doubtful.id}").get_data(as_text=True)
    assert 'name="municipality" value="Castro"' in page
    token = csrf_token(client, f"/workspace/doubts/{doubtful.id}")
    flags = {f.field: f.id for f in doubts.open_flags(session, doubtful.id)}
    response = client.post(f"/workspace/doubts/{doubtful.id}", data={
        "csrf_token": token, "municipality": "Castro (LE)", "vat_number": "00743110158",
        "keep": str(flags["vat_number"])})  # fmt: skip
    assert response.status_code == 302
    session.expire_all()
    assert doubtful.status == AccountStatus.READY and doubtful.istat_code == "075096"
    assert session.scalar(sa.select(sa.func.count(AccountFlag.id)).where(
        AccountFlag.status == FlagStatus.OPEN)) == 0  # fmt: skip


def test_a_review_that_clears_an_account_qualified_elsewhere_qualifies_it(
    session, doubtful, users
) -> None:
    """An earlier action qualified it while it waited for review: once its doubts are
    answered it goes to the qualified, not to the ready to call; an undo takes it back."""
    doubtful.qualified_elsewhere_on = date(2026, 11, 20)
    outcome = doubts.resolve(session, doubtful, {"province": "LE", "vat_number": "743110157"},
                             set(), user_id=users["staff"].id)  # fmt: skip
    assert outcome.ready and doubtful.status == AccountStatus.QUALIFIED
    doubts.reopen(session, doubtful, outcome, version=doubtful.version,
                  user_id=users["staff"].id)  # fmt: skip
    assert doubtful.status == AccountStatus.TO_REVIEW
