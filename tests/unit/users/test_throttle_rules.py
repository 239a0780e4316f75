"""The account-wide slowdown: how long, and the client's own wait that nobody else's
failures can lengthen (``app.users.throttle``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.users.throttle import Limits, delay_seconds, seconds_to_wait

LIMITS = Limits(per_pair=5, per_address=20, slowdown_after=5, slowdown_max=30)
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (4, 0), (5, 2), (6, 4), (7, 8), (8, 16), (9, 30), (10, 30), (500, 30)],
)
def test_the_delay_doubles_from_the_threshold_up_to_the_cap(failures, seconds):
    assert delay_seconds(failures, LIMITS) == seconds


def test_no_delay_no_wait_and_no_ticket():
    store: dict = {}
    assert seconds_to_wait(store, "mrossi", 0, NOW) == 0
    assert store == {}


def test_a_wait_asked_once_is_kept_and_then_honoured():
    store: dict = {}
    assert seconds_to_wait(store, "mrossi", 8, NOW) == 8
    # Earlier than asked: the rest of the same wait, however long the delay has grown.
    assert seconds_to_wait(store, "MRossi ", 30, NOW + timedelta(seconds=5)) == 3
    # On time: this client may try, whatever the delay is now; the ticket is used up.
    assert seconds_to_wait(store, "mrossi", 30, NOW + timedelta(seconds=8)) == 0
    assert store == {}
    assert seconds_to_wait(store, "mrossi", 30, NOW + timedelta(seconds=9)) == 30


def test_a_ticket_is_for_one_username_and_goes_stale():
    store: dict = {}
    seconds_to_wait(store, "mrossi", 4, NOW)
    assert seconds_to_wait(store, "lverdi", 4, NOW + timedelta(seconds=4)) == 4
    seconds_to_wait(store, "mrossi", 4, NOW)
    late = NOW + timedelta(seconds=4) + timedelta(minutes=3)
    assert seconds_to_wait(store, "mrossi", 4, late) == 4  # too late: a new wait


def test_a_tampered_ticket_is_ignored():
    store: dict = {"_login_wait": {"u": "mrossi", "at": "soon"}}
    assert seconds_to_wait(store, "mrossi", 4, NOW) == 4
