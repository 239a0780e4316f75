"""Two staff edit the same account at once: the second save is refused with a clear
message and the current values, and nothing is silently overwritten (optimistic locking
on ``accounts.version``)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account, AccountFlag, FlagStatus
from app.accounts.status import AccountStatus
from app.extensions import db
from app.imports import doubts
from app.imports.models import FieldChange
from tests import factories
from tests.conftest import Auth, csrf_token

VERSION_RE = re.compile(r'name="version" value="(\d+)"')


def stale_message(app, locale: str) -> str:
    """The stale-save message as the interface shows it in ``locale``."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        return str(doubts.StaleAccount())


@pytest.fixture
def doubtful(session):
    """An account waiting for review with two doubts: its e-mail and its VAT number."""
    account = factories.account(
        session, company_name="NERI", email="info@neri", vat_number="00743110158",
        status=AccountStatus.TO_REVIEW,
    )  # fmt: skip
    session.add_all([
        AccountFlag(account_id=account.id, field="email", value="info@neri",
                    reason="email_invalid"),
        AccountFlag(account_id=account.id, field="vat_number", value="00743110158",
                    reason="vat_check_digit_wrong"),
    ])  # fmt: skip
    session.flush()
    return account


def _open(client, account) -> tuple[str, str]:
    page = client.get(f"/workspace/doubts/{account.id}").get_data(as_text=True)
    return csrf_token(client, f"/workspace/doubts/{account.id}"), VERSION_RE.search(page).group(1)


def test_the_second_of_two_concurrent_saves_is_refused(app, session, users, doubtful):
    first, second = app.test_client(), app.test_client()
    Auth(first).login("staff")
    Auth(second).login("admin")
    token_1, version_1 = _open(first, doubtful)
    token_2, version_2 = _open(second, doubtful)  # both see the same account
    assert version_1 == version_2 == str(doubtful.version)

    saved = first.post(f"/workspace/doubts/{doubtful.id}", data={
        "csrf_token": token_1, "version": version_1, "email": "info@neri.it"})  # fmt: skip
    assert saved.status_code == 302
    late = second.post(f"/workspace/doubts/{doubtful.id}", data={
        "csrf_token": token_2, "version": version_2, "email": "amministrazione@neri.it",
        "vat_number": "743110157"})  # fmt: skip

    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert f'class="flash flash-error" role="alert">{stale_message(app, "it")}</p>' in page
    assert 'value="info@neri.it"' not in page  # the e-mail doubt is resolved: not offered
    assert 'name="vat_number" value="00743110158"' in page  # the current value, not the typed
    assert int(VERSION_RE.search(page).group(1)) == int(version_1) + 1  # ready to try again
    session.expire_all()
    assert doubtful.email == "info@neri.it" and doubtful.vat_number == "00743110158"
    changes = session.scalars(sa.select(FieldChange.after).where(
        FieldChange.account_id == doubtful.id)).all()  # fmt: skip
    assert changes == ["info@neri.it"]  # the refused save wrote nothing

    again = second.post(f"/workspace/doubts/{doubtful.id}", data={
        "csrf_token": token_2, "version": VERSION_RE.search(page).group(1),
        "vat_number": "743110157"})  # fmt: skip
    assert again.status_code == 302  # with the current version, the save goes through
    session.expire_all()
    assert doubtful.vat_number == "00743110157" and doubtful.status == AccountStatus.READY


def test_the_stale_message_is_english_for_an_english_user(app, session, users, doubtful):
    client = app.test_client()
    users["staff"].locale = "en"
    session.flush()
    Auth(client).login("staff")
    token, version = _open(client, doubtful)
    doubtful.notes = "edited elsewhere"  # someone saves: the version moves on
    session.flush()
    late = client.post(f"/workspace/doubts/{doubtful.id}", data={
        "csrf_token": token, "version": version, "email": "info@neri.it"})  # fmt: skip
    assert late.status_code == 409
    assert "Someone else saved this account while you were editing it" in late.get_data(
        as_text=True
    )
    assert stale_message(app, "en").startswith("Someone else saved this account")


@pytest.fixture
def committed_account(app):
    """A committed account with one doubt, for two real transactions; removed after."""
    with factories.committed_doubt(app, "x@bianchi") as account_id:
        yield account_id


def test_a_save_that_loses_the_race_is_refused_not_merged(app, committed_account):
    """Both read version n, so both pass the page check; the second to write finds the
    row moved on (StaleDataError) and is refused as stale. (``two`` ends its read
    transaction and keeps its objects, so that SQLite, one writer at a time, lets it
    write after ``one``; PostgreSQL would let both transactions overlap.)"""
    with app.app_context():
        engine = db.engine
        with Session(engine) as one, Session(engine, expire_on_commit=False) as two:
            second = two.get_one(Account, committed_account)
            loaded = second.version
            two.commit()
            first = one.get_one(Account, committed_account)
            doubts.resolve(one, first, {"email": "uno@bianchi.it"}, set(), user_id=None,
                           version=first.version)  # fmt: skip
            one.commit()
            with pytest.raises(doubts.StaleAccount):
                doubts.resolve(two, second, {"email": "due@bianchi.it"}, set(), user_id=None,
                               version=loaded)  # fmt: skip
            two.rollback()
        with Session(engine) as check:
            account = check.get_one(Account, committed_account)
            assert account.email == "uno@bianchi.it"
            assert account.version == loaded + 1
            flags = check.scalars(sa.select(AccountFlag.status).where(
                AccountFlag.account_id == committed_account)).all()  # fmt: skip
            assert flags == [FlagStatus.RESOLVED]
