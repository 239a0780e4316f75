"""The do-not-call page: roles, loading a file, refusals, adding by hand, searching."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.donotcall.models import DncEntry, DncList
from tests import factories
from tests.conftest import csrf_token
from tests.integration.donotcall.conftest import TODAY, with_phone

PAGE = "/do-not-call/"
pytestmark = pytest.mark.usefixtures("on_a_tuesday")  # first: the clock, then the rest


@pytest.fixture
def staff(auth, users):
    auth.login("staff")
    return users["staff"]


def upload(client, text: str, *, source="registry", list_date=None, token=True, name="rpo.csv"):
    data = {
        "source": source,
        "list_date": (list_date or TODAY).isoformat() if list_date != "" else "",
        "file": (io.BytesIO(text.encode()), name),
    }
    if token:
        data["csrf_token"] = csrf_token(client, PAGE)
    return client.post(PAGE + "upload", data=data, content_type="multipart/form-data")


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count(model.id)))


@pytest.mark.parametrize(("role", "code"), [("agent", 403), ("supervisor", 403),
                                            ("staff", 200), ("admin", 200)])  # fmt: skip
def test_only_staff_and_admins_open_the_page(client, auth, users, role, code):
    auth.login(role)
    assert client.get(PAGE).status_code == code


def test_the_page_warns_when_no_extract_was_loaded(client, staff):
    page = client.get(PAGE).get_data(as_text=True)
    assert 'data-testid="dnc-warning"' in page
    assert 'accesskey="o"' in page and 'href="/do-not-call/"' in page
    assert "autofocus" in page


def test_upload_loads_the_list_and_shows_its_date(client, session, staff):
    account = factories.account(session, company_name="Rossi SRL")
    with_phone(session, account, "06 6982 1234", "+390669821234")
    response = upload(client, "Utenza;Esito\n06 6982 1234;opposto\n347 123 4567;libero\n")
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert 'class="flash flash-info"' in page
    assert 'data-testid="dnc-warning"' not in page  # a fresh extract
    assert "rpo.csv" in page
    assert count(session, DncList) == 1 and count(session, DncEntry) == 1
    session.refresh(account)
    assert account.do_not_call


def test_a_bad_file_is_refused_with_its_lines(client, session, staff):
    response = upload(client, "telefono\n0669821234\n612345678\n")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "612345678" in page and "3" in page and 'class="errors"' in page
    assert count(session, DncList) == 0 and count(session, DncEntry) == 0


@pytest.mark.parametrize("list_date", ["", TODAY + timedelta(days=2)])
def test_the_list_date_is_required_and_not_in_the_future(client, session, staff, list_date):
    response = upload(client, "0669821234\n", list_date=list_date)
    assert response.status_code == 400
    assert 'class="errors"' in response.get_data(as_text=True)
    assert count(session, DncList) == 0


def test_an_upload_without_csrf_token_is_refused(client, session, staff):
    response = upload(client, "0669821234\n", token=False)
    assert response.status_code == 400
    assert count(session, DncList) == 0


def test_staff_add_by_hand_and_search(client, session, staff):
    token = csrf_token(client, PAGE)
    refused = client.post(PAGE + "add", data={"csrf_token": token, "phone": "347 123 4567"})
    assert refused.status_code == 400 and count(session, DncEntry) == 0
    bad = client.post(PAGE + "add", data={"csrf_token": token, "phone": "12", "reason": "x"})
    assert bad.status_code == 400 and 'data-testid="dnc-add-error"' in bad.get_data(as_text=True)
    added = client.post(
        PAGE + "add", data={"csrf_token": token, "phone": "347 123 4567", "reason": "al telefono"}
    )
    assert added.status_code == 302
    entry = session.scalars(sa.select(DncEntry)).one()
    assert entry.e164 == "+393471234567" and entry.added_by_id == staff.id
    found = client.get(PAGE, query_string={"q": "3471234567"}).get_data(as_text=True)
    assert 'data-testid="dnc-found"' in found and "al telefono" in found
    missing = client.get(PAGE, query_string={"q": "02 1234 5678"}).get_data(as_text=True)
    assert 'data-testid="dnc-not-found"' in missing


def test_the_board_shows_the_campaign_warning(client, session, auth, users):
    campaign = factories.campaign(session, name="Flotte Nord")
    auth.login("supervisor")
    home = client.get("/board/").get_data(as_text=True)
    assert 'data-testid="dnc-campaign-warning"' in home and "Flotte Nord" in home
    page = client.get(f"/board/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'data-testid="dnc-campaign-warning"' in page
    session.add(DncList(source="registry", list_date=TODAY, entries=0))
    session.flush()
    assert 'data-testid="dnc-campaign-warning"' not in client.get("/board/").get_data(as_text=True)
