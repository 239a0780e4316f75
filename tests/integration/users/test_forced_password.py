"""A temporary password must be changed at the next sign-in: every page leads to the
change-password page until the user has chosen their own."""

from __future__ import annotations

import pytest

from app.users.changes import reset_password
from app.users.services import verify_password
from tests.conftest import Auth, csrf_token


@pytest.fixture
def temporary(session, users):
    password = reset_password(session, users["agent"], actor_id=users["admin"].id)
    session.flush()
    return password


def change(client, current, new, confirm=None):
    token = csrf_token(client, "/password")
    data = {"current": current, "new": new, "confirm": confirm or new, "csrf_token": token}
    return client.post("/password", data=data)


def test_every_page_leads_to_the_password_change(client, users, temporary):
    assert Auth(client).login("agent", temporary).status_code == 302
    for url in ("/", "/desk/", "/board/", "/users/", "/jobs/x"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/password", url
    page = client.get("/password").get_data(as_text=True)
    assert "impostata da un amministratore: scegline una tua" in page
    assert "autofocus" in page
    # A page's background call learns it too, in words, not through a redirect.
    refused = client.post("/desk/calls/1/lease", json={}, headers={
        "X-CSRFToken": csrf_token(client, "/password")})  # fmt: skip
    assert refused.status_code == 403 and "password" in refused.get_json()["error"]
    # Signing out is still possible.
    assert Auth(client).logout().headers["Location"] == "/login"


def test_the_new_password_follows_the_rules(client, users, session, temporary):
    Auth(client).login("agent", temporary)
    cases = [
        ("not-the-temporary", "a-good-new-one", None, "non è la tua password attuale"),
        (temporary, "corta", None, "almeno 10 caratteri"),
        (temporary, temporary, None, "diversa da quella attuale"),
        (temporary, "a-good-new-one", "a-different-one", "non coincidono"),
    ]
    for current, new, confirm, message in cases:
        response = change(client, current, new, confirm)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert client.get("/desk/").headers["Location"] == "/password"
    response = change(client, temporary, "a-good-new-one")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/desk/").status_code == 200
    session.refresh(users["agent"])
    assert verify_password(users["agent"], "a-good-new-one")
    assert not users["agent"].must_change_password


def test_a_reset_while_signed_in_applies_at_the_next_page(client, users, session):
    """The reset ends the user's sessions (app/users/sessions.py): the next page asks
    them to sign in, and the temporary password leads to choosing their own."""
    Auth(client).login("agent")
    assert client.get("/desk/").status_code == 200
    temporary = reset_password(session, users["agent"])
    session.flush()
    assert client.get("/desk/").headers["Location"].startswith("/login")
    Auth(client).login("agent", temporary)
    assert client.get("/desk/").headers["Location"] == "/password"


def test_anyone_may_change_their_password_when_they_like(client, users, session):
    Auth(client).login("staff")
    page = client.get("/password").get_data(as_text=True)
    assert "impostata da un amministratore" not in page
    from tests import factories

    assert change(client, factories.PASSWORD, "my-own-new-password").status_code == 302
    session.refresh(users["staff"])
    assert verify_password(users["staff"], "my-own-new-password")
