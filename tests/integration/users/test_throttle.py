"""Sign-in throttling: a hard limit per (account, address) and per address, a short growing
delay per account across addresses that never blocks its owner, and a clear message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.audit.models import AuditEntry
from tests.conftest import Auth

WRONG = "not-the-password"
HERE = "203.0.113.7"  # the guesser
THERE = "198.51.100.20"  # the account's owner, at the office


def at(address: str) -> dict[str, object]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def clock():
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


def test_five_failures_lock_the_account_from_that_address_only(app, auth, users, session,
                                                                clock):  # fmt: skip
    for _ in range(5):
        assert auth.login("agent", WRONG, **at(HERE)).status_code == 401
    # From the guesser's address even the right password is refused, with the wait.
    refused = auth.login("agent", **at(HERE))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
    assert "Troppi accessi non riusciti: riprova tra 15 minuti." in text(refused)
    # Case and spaces do not make a new account to guess.
    assert auth.login("  AGENT ", WRONG, **at(HERE)).status_code == 429
    # The owner, elsewhere, is only asked for a short wait, then signs in.
    owner = Auth(app.test_client())
    slowed = owner.login("agent", **at(THERE))
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "2"
    assert "attendi 2 secondi" in text(slowed)
    clock.shift(timedelta(seconds=2))
    assert owner.login("agent", **at(THERE)).status_code == 302
    assert owner.client.get("/desk/").status_code == 200
    actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("auth.login_throttled") == 2
    assert actions.count("auth.login_slowed") == 1


def test_a_lock_out_is_not_a_weapon_even_for_the_administrator(app, auth, users, clock):
    """Whatever others keep guessing, from as many addresses as they like, the owner waits
    at most LOGIN_SLOWDOWN_MAX_SECONDS and signs in: a later failure never lengthens a
    wait already asked."""
    for n in range(12):  # twelve addresses, one more failure each than the last wait
        guesser = Auth(app.test_client())
        response = guesser.login("admin", WRONG, **at(f"192.0.2.{n}"))
        if response.status_code == 429:
            clock.shift(timedelta(seconds=int(response.headers["Retry-After"])))
            response = guesser.login("admin", WRONG, **at(f"192.0.2.{n}"))
        assert response.status_code == 401
    owner = Auth(app.test_client())
    slowed = owner.login("admin", **at(THERE))
    assert slowed.status_code == 429
    wait = app.config["LOGIN_SLOWDOWN_MAX_SECONDS"]
    assert slowed.headers["Retry-After"] == str(wait)
    guessers = [Auth(app.test_client()) for _ in range(3)]  # meanwhile the guessing goes on
    for n, guesser in enumerate(guessers):
        assert guesser.login("admin", WRONG, **at(f"192.0.2.{100 + n}")).status_code == 429
    clock.shift(timedelta(seconds=wait))
    for n, guesser in enumerate(guessers):
        assert guesser.login("admin", WRONG, **at(f"192.0.2.{100 + n}")).status_code == 401
    assert owner.login("admin", **at(THERE)).status_code == 302


def test_the_slowdown_grows_with_the_accounts_failures(app, auth, users, clock):
    waits = []
    for n in range(10):
        guesser = Auth(app.test_client())
        response = guesser.login("staff", WRONG, **at(f"192.0.2.{n}"))
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            clock.shift(timedelta(seconds=waits[-1]))
            response = guesser.login("staff", WRONG, **at(f"192.0.2.{n}"))
        assert response.status_code == 401
    assert waits == [2, 4, 8, 16, 30]


def test_the_window_passes_and_the_pair_may_sign_in_again(auth, users, clock):
    for _ in range(5):
        auth.login("agent", WRONG)
    assert auth.login("agent").status_code == 429
    clock.shift(timedelta(minutes=10))
    response = auth.login("agent")
    assert response.status_code == 429
    assert "riprova tra 5 minuti" in text(response)
    clock.shift(timedelta(minutes=5, seconds=1))
    assert auth.login("agent").status_code == 302


def test_many_failures_from_one_address_stop_it_whatever_the_username(auth, users):
    for n in range(20):
        assert auth.login(f"guess{n}", WRONG).status_code == 401
    assert auth.login("supervisor").status_code == 429


def test_unknown_usernames_are_throttled_like_real_ones(app, auth, users, clock):
    for _ in range(5):
        auth.login("nobody", WRONG)
    assert auth.login("nobody", WRONG).status_code == 429  # no hint that it does not exist
    elsewhere = Auth(app.test_client()).login("nobody", WRONG, **at(THERE))
    assert elsewhere.status_code == 429 and elsewhere.headers["Retry-After"] == "2"


# -- an administrator unlocks ----------------------------------------------------------


def _unlock(session, users, who="agent"):
    from app.users.changes import unlock

    unlock(session, users[who], actor_id=users["admin"].id)
    session.flush()


def test_an_unlock_lets_the_account_sign_in_at_once(client, auth, users, session, clock):
    for _ in range(5):
        auth.login("agent", WRONG)
    assert auth.login("agent").status_code == 429
    _unlock(session, users)
    assert auth.login("agent").status_code == 302
    auth.logout()
    # It forgave the failures so far, not the next ones.
    for _ in range(5):
        auth.login("agent", WRONG)
    assert auth.login("agent").status_code == 429


def test_a_password_reset_unlocks_too(client, auth, users, session):
    from app.users.changes import reset_password

    for _ in range(5):
        auth.login("agent", WRONG)
    password = reset_password(session, users["agent"], actor_id=users["admin"].id)
    session.flush()
    assert auth.login("agent", password).status_code == 302


def test_an_unlock_forgives_the_accounts_failures_in_the_address_count(auth, users, session):
    for n in range(16):
        auth.login(f"guess{n}", WRONG)
    for _ in range(4):
        auth.login("agent", WRONG)
    assert auth.login("agent").status_code == 429  # the address: 20 failures
    _unlock(session, users)
    assert auth.login("agent").status_code == 302  # 16 left, below the limit


def test_the_throttled_accounts_and_their_state(app, session, users, auth, clock):
    from app.users.throttle import limits_from, throttled_accounts

    for _ in range(5):
        auth.login("agent", WRONG, **at(HERE))
    for _ in range(2):
        auth.login("staff", WRONG)
    clock.shift(timedelta(minutes=4))
    limits = limits_from(app.config)
    found = throttled_accounts(session, datetime.now(UTC), limits)
    assert list(found) == ["agent"]
    assert found["agent"].failures == 5 and found["agent"].delay == 2
    assert found["agent"].locked == {HERE: 11}
    _unlock(session, users)
    assert throttled_accounts(session, datetime.now(UTC), limits) == {}


# -- a throttled administrator ------------------------------------------------------------


def test_a_throttled_administrator_is_audited_once_and_warned_on_the_home_page(
    app, auth, users, session, clock
):
    for _ in range(7):
        guesser = Auth(app.test_client())
        response = guesser.login("admin", WRONG, **at(HERE))
        if response.status_code == 429:
            break
    for _ in range(5):  # an agent's lock-out is no administrator's business
        auth.login("agent", WRONG, **at(HERE))
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.admin_throttled")
    ).all()
    assert len(entries) == 1
    assert entries[0].object_id == str(users["admin"].id) and entries[0].remote_addr == HERE
    assert entries[0].details["username"] == "admin" and entries[0].details["failures"] == 5

    owner = Auth(app.test_client())
    owner.login("admin", **at(THERE))
    clock.shift(timedelta(seconds=2))
    assert owner.login("admin", **at(THERE)).status_code == 302
    home = owner.client.get("/users/", follow_redirects=True)
    warning = text(home)
    assert 'data-testid="admin-throttled"' in warning
    assert "admin" in warning and "5 accessi non riusciti" in warning
