"""A row's salesperson code resolved against the salespeople, without the database."""

from __future__ import annotations

import pytest

from app.accounts.normalise.changes import Flag
from app.imports.owners import INACTIVE, UNKNOWN, Owners
from app.imports.records import Record

OWNERS = Owners({"mi-v01": (1, True), "mi-v09": (9, False)})


def row(code: str | None) -> Record:
    return Record(2, {}, facts={"salesperson": code} if code is not None else {})


@pytest.mark.parametrize("code", ["MI-V01", "mi-v01", " Mi-V01 "])
def test_a_known_code_gives_the_owner_whatever_its_case(code) -> None:
    record = row(code)
    OWNERS.resolve(record)
    assert record.fields == {"salesperson_id": 1} and record.flags == []


@pytest.mark.parametrize(("code", "reason"), [("XX-V99", UNKNOWN), ("MI-V09", INACTIVE)])
def test_an_unknown_or_inactive_code_is_flagged_as_written(code, reason) -> None:
    record = row(code)
    OWNERS.resolve(record)
    assert record.fields == {} and record.flags == [Flag("salesperson", code, reason)]


@pytest.mark.parametrize("code", [None, "", "  "])
def test_no_code_no_owner_no_doubt(code) -> None:
    record = row(code)
    OWNERS.resolve(record)
    assert record.fields == {} and record.flags == []
