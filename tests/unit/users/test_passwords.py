"""Temporary passwords: long enough for the password rules, easy to read aloud and type."""

from __future__ import annotations

import re

from app.users.passwords import MIN_PASSWORD_LENGTH, password_problem, temporary_password


def test_a_temporary_password_passes_the_password_rules():
    for _ in range(50):
        password = temporary_password()
        assert password_problem(password) is None
        assert len(password) >= MIN_PASSWORD_LENGTH


def test_it_has_no_characters_people_confuse():
    seen = "".join(temporary_password() for _ in range(200))
    assert re.fullmatch(r"[a-z2-9-]+", seen)
    assert not set(seen) & set("01lo")


def test_it_is_written_in_groups_of_four():
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", temporary_password())


def test_each_is_new():
    assert len({temporary_password() for _ in range(100)}) == 100


def test_the_password_rules():
    assert password_problem("") is not None
    assert password_problem("123456789") is not None  # 9 characters
    assert password_problem("1234567890") is None
    assert password_problem("x" * 256) is None
    assert password_problem("x" * 257) is not None  # the sign-in form reads up to 256
