"""The province of an Italian landline's area code, from libphonenumber's own data.

phonenumbers geocodes an Italian landline by its area code to the seat of its telephone
district, in Italian (0363 -> "Treviglio", 089 -> "Salerno", 0883 -> "Andria"); ISTAT's
list of comuni (the bundled one, ``app.territory.municipalities``) gives the seat's
province. Both are maintained upstream and pinned in ``requirements.lock``, so the table
needs no copy of its own here, and follows each new release of either.

The province is the seat's: a district that reaches into a neighbouring province (0363
also serves some comuni of Cremona's) is only its seat's, so a number of such a comune is
never repaired, only flagged; a repair never guesses across a boundary. Two seats are
comuni no more, and Rome's 06 698 numbers are filed under the Vatican: ``FORMER_SEATS``
gives their province. San Marino's 0549 has none, and its numbers are never repaired.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import phonenumbers
from phonenumbers import geocoder

from app.territory.municipalities import bundled_municipalities, search_key

# Seats the geocoder names that ISTAT's list no longer has, with their province.
FORMER_SEATS = {
    "porretta terme": "BO",  # 0534: merged into Alto Reno Terme in 2016
    "rossano": "CS",  # 0983: merged into Corigliano-Rossano in 2018
    "citta del vaticano": "RM",  # 06 698: Rome's numbers, filed under the Vatican
}


@lru_cache(maxsize=1)
def _provinces_by_name() -> dict[str, str]:
    """Folded comune name (Italian or other-language) -> its province, for names only one
    comune bears."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in bundled_municipalities():
        for name in (row.name, row.name_other):
            if name:
                found[search_key(name)].add(row.province_code)
    unique = {name: provinces.pop() for name, provinces in found.items() if len(provinces) == 1}
    return FORMER_SEATS | unique


@lru_cache(maxsize=1024)
def seat_province(seat: str) -> str | None:
    """The province of a district seat as the geocoder names it, or None."""
    return _provinces_by_name().get(search_key(seat)) if seat else None


def area_province(number: phonenumbers.PhoneNumber) -> str | None:
    """The province of a valid Italian landline's district seat, or None when unknown."""
    seat = geocoder.description_for_valid_number(number, "it") or (
        # the Italian data leaves two areas unnamed (099, Taranto's; 033, Varese's
        # outside 0331 and 0332), which the English data names by their seat
        geocoder.description_for_valid_number(number, "en")
    )
    return seat_province(seat)
