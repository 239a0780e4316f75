from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.security import SESSION_STARTED, Role
from app.users.services import find_user, hash_password, verify_password
from tests import factories

HOMES = {
    "agent": "/desk/",
    "supervisor": "/board/",
    "staff": "/workspace/",
    "admin": "/users/",
}


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_lands_on_its_home(client, auth, users, role):
    response = auth.login(role)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.headers["Location"] == HOMES[role]
    page = client.get(HOMES[role])
    assert page.status_code == 200


def test_wrong_password(client, auth, users, session):
    response = auth.login("agent", "not-the-password")
    assert response.status_code == 401
    text = response.get_data(as_text=True)
    assert "Nome utente o password errati" in text  # Italian by default
    assert client.get("/desk/").status_code == 302
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "auth.login_failed" in actions


def test_unknown_user_same_message(auth, users):
    response = auth.login("nobody", "whatever-password")
    assert response.status_code == 401
    assert "Nome utente o password errati" in response.get_data(as_text=True)


def test_disabled_user_cannot_sign_in(auth, users, session):
    users["agent"].active = False
    session.flush()
    assert auth.login("agent").status_code == 401


def test_empty_form_explains_what_is_missing(client, users):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    response = client.post("/login", data={"csrf_token": token})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Inserisci il nome utente." in text


def test_logout(client, auth, users):
    auth.login("staff")
    assert client.get("/workspace/").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/workspace/").status_code == 302


def test_logout_needs_post_and_token(client, auth, users):
    auth.login("staff")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/workspace/").status_code == 200  # still signed in


def test_login_without_csrf_token_is_rejected(client, users):
    response = client.post("/login", data={"username": "agent", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "modulo è scaduto" in response.get_data(as_text=True)
    assert client.get("/desk/").status_code == 302


def test_login_with_forged_csrf_token_is_rejected(client, users):
    response = client.post(
        "/login",
        data={"username": "agent", "password": factories.PASSWORD, "csrf_token": "forged"},
    )
    assert response.status_code == 400


def test_anonymous_is_sent_to_login_with_next(client, users):
    response = client.get("/board/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_next_parameter_is_followed_only_on_site(client, users):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    data = {"username": "supervisor", "password": factories.PASSWORD, "csrf_token": token}
    response = client.post("/login?next=/board/", data=data)
    assert response.headers["Location"] == "/board/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/board/")})
    token = csrf_token(client)
    data["csrf_token"] = token
    response = client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"


def test_session_cookie_expires_when_idle(client, auth, users, app):
    response = auth.login("agent")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = datetime.strptime(
        cookie.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT"
    )
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    delta = expires.replace(tzinfo=UTC) - datetime.now(UTC)
    assert lifetime - timedelta(minutes=1) < delta <= lifetime


def test_the_session_cookie_is_renewed_once_a_minute(client, auth, users):
    """Requests within one minute renew the cookie once (each renewal signs it again);
    the next minute's first request renews it, so the idle limit still counts from then."""
    start = datetime(2026, 12, 7, 10, 0, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        auth.login("agent")
        clock.shift(timedelta(minutes=1))
        renewed = [client.get("/desk/").headers.get("Set-Cookie") for _ in range(3)]
        assert renewed[0] is not None and renewed[1:] == [None, None]
        clock.shift(timedelta(seconds=59))
        assert client.get("/desk/").headers.get("Set-Cookie") is None
        clock.shift(timedelta(seconds=1))
        assert "session=" in client.get("/desk/").headers["Set-Cookie"]


def test_session_older_than_the_cap_is_ended(client, auth, users, app):
    auth.login("agent")
    assert client.get("/desk/").status_code == 200
    with client.session_transaction() as sess:
        too_old = datetime.now(UTC) - timedelta(hours=app.config["SESSION_MAX_HOURS"] + 1)
        sess[SESSION_STARTED] = too_old.timestamp()
    response = client.get("/desk/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_session_is_renewed_at_login(client, auth, users):
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    auth.login("agent")
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_passwords_are_argon2_hashes(session, users):
    user = find_user(session, "agent")
    assert user.password_hash.startswith("$argon2id$")
    assert factories.PASSWORD not in user.password_hash
    assert verify_password(user, factories.PASSWORD)
    assert not verify_password(user, "wrong")


def test_production_hashes_use_the_recommended_argon2id_cost():
    """The suite hashes cheaply (tests/conftest.py); the application itself keeps
    argon2-cffi's recommended parameters (RFC 9106's low-memory choice)."""
    from argon2 import PasswordHasher, Type

    from tests.conftest import PRODUCTION_HASHER

    recommended = PasswordHasher()
    assert PRODUCTION_HASHER.type == Type.ID
    assert (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost) == (
        recommended.time_cost, recommended.memory_cost)  # fmt: skip
    assert PRODUCTION_HASHER.memory_cost >= 65536 and PRODUCTION_HASHER.time_cost >= 3


def test_outdated_hash_is_upgraded_at_login(auth, users, session):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    user = users["staff"]
    user.password_hash = weak.hash(factories.PASSWORD)
    session.flush()
    auth.login("staff")
    session.refresh(user)
    assert "m=8," not in user.password_hash
    assert verify_password(user, factories.PASSWORD)
    assert hash_password("x") != hash_password("x")  # salted


def test_security_headers(client, users):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_roles_enum_matches_the_brief():
    assert {r.value for r in Role} == {"agent", "supervisor", "staff", "admin"}


def test_server_refuses_a_session_cookie_past_its_idle_lifetime(client, auth, users, app):
    """The cookie's expiry is only a hint to the browser: the server checks the signed
    timestamp itself, so a copied old cookie is refused too."""
    import time

    original = app.config["PERMANENT_SESSION_LIFETIME"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    try:
        auth.login("agent")
        assert client.get("/desk/").status_code == 200  # refreshed: valid for 1 s more
        time.sleep(2.1)
        response = client.get("/desk/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    finally:
        app.config["PERMANENT_SESSION_LIFETIME"] = original


def test_unknown_username_is_audited_without_a_user(auth, users, session):
    auth.login("intruder", "some-password-guess")
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.login_failed")
    ).one()
    assert entry.user_id is None and entry.details == {"username": "intruder"}


def test_expired_session_cannot_use_public_routes_as_the_user(client, auth, users, session, app):
    from tests.conftest import csrf_token

    auth.login("agent")
    token = csrf_token(client, "/desk/")
    with client.session_transaction() as sess:
        too_old = datetime.now(UTC) - timedelta(hours=app.config["SESSION_MAX_HOURS"] + 1)
        sess[SESSION_STARTED] = too_old.timestamp()
    client.post("/language", data={"lang": "en", "csrf_token": token})
    session.refresh(users["agent"])
    assert users["agent"].locale is None  # the user was signed out first


def test_busy_sqlite_database_gives_a_clear_503(tmp_path):
    import sqlite3

    import sqlalchemy as sa

    from app.security import public
    from tests.conftest import build_app

    app = build_app(f"sqlite:///{tmp_path}/busy.db")

    def locked():
        raise sa.exc.OperationalError(
            "UPDATE x", {}, sqlite3.OperationalError("database is locked")
        )

    app.add_url_rule("/locked", "locked", public(locked))
    response = app.test_client().get("/locked")
    assert response.status_code == 503
    assert "Il database è occupato" in response.get_data(as_text=True)
