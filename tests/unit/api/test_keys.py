"""Key material, scopes and cursors: pure functions."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from app.api.keys import SCOPES, allows, hash_token, make_key, matches, prefix_of, unknown_scopes
from app.api.pagination import Position, decode_cursor, encode_cursor
from app.api.problems import Problem


def test_a_new_key_is_stored_only_as_its_sha256():
    new = make_key()
    assert new.token.startswith(f"qk_{new.prefix}_")
    assert new.secret_hash == hashlib.sha256(new.token.encode()).hexdigest()
    assert new.token not in new.secret_hash and len(new.secret_hash) == 64
    assert len(new.token.split("_", 2)[2]) >= 43  # 32 random bytes, URL-safe base64


def test_keys_differ_and_match_only_themselves():
    one, two = make_key(), make_key()
    assert one.token != two.token and one.prefix != two.prefix
    assert matches(one.token, one.secret_hash)
    assert not matches(two.token, one.secret_hash)
    assert not matches(one.token[:-1] + "x", one.secret_hash)


@pytest.mark.parametrize(
    "token", ["", "qk", "qk_abc", "xx_0123abcd_" + "a" * 43, "qk_0123abcd_short", "Bearer qk"]
)
def test_malformed_keys_have_no_prefix(token):
    assert prefix_of(token) is None


def test_prefix_of_a_real_key():
    new = make_key()
    assert prefix_of(new.token) == new.prefix
    assert hash_token(new.token) == new.secret_hash


def test_scopes():
    assert unknown_scopes(["accounts:read", "everything"]) == ["everything"]
    assert unknown_scopes(SCOPES) == []
    assert allows(["accounts:read", "calls:read"], "calls:read")
    assert not allows(["accounts:read"], "accounts:write")
    assert not allows([], "accounts:read")


def test_cursor_round_trip_is_opaque():
    position = Position(datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC), 42)
    cursor = encode_cursor(position)
    assert "2026" not in cursor and "=" not in cursor
    assert decode_cursor(cursor) == position
    assert decode_cursor(encode_cursor(Position(None, 7))) == Position(None, 7)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        "",
        encode_cursor(Position(None, 1))[:-2],
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgMV0",  # a naive time: ["2026-01-01T00:00:00", 1]
        "WzEsICJ4Il0",  # [1, "x"]
        "eyJhIjogMX0",  # {"a": 1}
    ],
)
def test_a_cursor_not_ours_is_a_422_problem(cursor):
    with pytest.raises(Problem) as raised:
        decode_cursor(cursor)
    assert raised.value.code == 422
