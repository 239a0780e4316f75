"""Sign-in throttling, per account and per address, with a clear message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from app.audit.models import AuditEntry

WRONG = "not-the-password"


def test_five_failures_lock_the_account_for_the_window(client, auth, users, session):
    for _ in range(5):
        assert auth.login("agent", WRONG).status_code == 401
    # Now even the right password is refused, with a message saying how long to wait.
    refused = auth.login("agent")
    assert refused.status_code == 429
    assert "Troppi accessi non riusciti: riprova tra 15 minuti." in refused.get_data(as_text=True)
    assert client.get("/desk/").status_code == 302  # not signed in
    # Another account from the same address is not affected (below the address limit).
    assert auth.login("staff").status_code == 302
    auth.logout()
    # Case and spaces do not make a new account to guess.
    assert auth.login("  AGENT ", WRONG).status_code == 429
    actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("auth.login_throttled") == 2


def test_the_window_passes_and_the_account_may_sign_in_again(client, auth, users):
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            auth.login("agent", WRONG)
        assert auth.login("agent").status_code == 429
        clock.shift(timedelta(minutes=10))
        response = auth.login("agent")
        assert response.status_code == 429
        assert "riprova tra 5 minuti" in response.get_data(as_text=True)
        clock.shift(timedelta(minutes=5, seconds=1))
        assert auth.login("agent").status_code == 302


def test_many_failures_from_one_address_stop_it_whatever_the_username(auth, users):
    for n in range(20):
        assert auth.login(f"guess{n}", WRONG).status_code == 401
    assert auth.login("supervisor").status_code == 429


def test_unknown_usernames_are_throttled_like_real_ones(auth, users):
    for _ in range(5):
        auth.login("nobody", WRONG)
    assert auth.login("nobody", WRONG).status_code == 429  # no hint that it does not exist


# -- an administrator unlocks ----------------------------------------------------------


def _unlock(session, users, who="agent"):
    from app.users.changes import unlock

    unlock(session, users[who], actor_id=users["admin"].id)
    session.flush()


def test_an_unlock_lets_the_account_sign_in_at_once(client, auth, users, session):
    with time_machine.travel(datetime.now(UTC), tick=False):  # every entry at one instant
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


def test_the_locked_accounts_and_their_wait(app, session, users, auth):
    from app.users.throttle import limits_from, locked_usernames

    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            auth.login("agent", WRONG)
        for _ in range(2):
            auth.login("staff", WRONG)
        clock.shift(timedelta(minutes=4))
        limits = limits_from(app.config)
        assert locked_usernames(session, datetime.now(UTC), limits) == {"agent": 11}
        _unlock(session, users)
        assert locked_usernames(session, datetime.now(UTC), limits) == {}
