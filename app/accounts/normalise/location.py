"""An account's place as a whole: postcode, province and municipality, checked together.

The three fields vouch for one another: the municipality is matched with the help of the
province and the postcode, then fills in what they lack (the province of a matched comune)
and is checked against them (a postcode that the comune does not have is flagged, not
changed: CAPs move, and street-level CAPs of big cities are many). A province that is not
the matched comune's is replaced by the comune's, and the file's is kept as a doubt: an
account never says Segrate (BG).
"""

from __future__ import annotations

from app.accounts.normalise.address import clean_postcode, clean_province
from app.accounts.normalise.changes import Cleaned
from app.accounts.normalise.municipality import MunicipalityIndex

MATCH_FLAGS = {
    "ambiguous": "municipality_ambiguous",
    "tie": "municipality_ambiguous",
    "not_found": "municipality_not_found",
    "province_conflict": "municipality_province_conflict",
}


def clean_location(
    index: MunicipalityIndex,
    provinces: dict[str, str],
    municipality: str | None,
    province: str | None,
    postcode: str | None,
) -> Cleaned:
    """Clean postcode and province, then match the municipality to its ISTAT code."""
    result = Cleaned(values={})
    for part in (clean_postcode(postcode), clean_province(province, provinces)):
        result.values.update(part.values)
        result.changes += part.changes
        result.flags += part.flags
    doubtful_cap = any(f.field == "postcode" for f in result.flags)
    cap = None if doubtful_cap else result.values.get("postcode")
    code = result.values.get("province")
    known_code = code if code in provinces.values() else None
    result.values["municipality"] = municipality
    result.values["istat_code"] = None
    if not (municipality or "").strip():
        result.values["municipality"] = None
        return result
    found = index.match(municipality, known_code, cap)
    if found.place is None:
        reason = MATCH_FLAGS.get(found.reason or "", "municipality_not_found")
        result.flag("municipality", municipality, reason)
        return result
    place = found.place
    result.set("municipality", municipality, place.name, f"municipality_matched_{found.method}")
    result.values["istat_code"] = place.istat_code
    if known_code is None:
        result.set("province", province, place.province_code, "province_from_municipality")
    elif known_code != place.province_code:
        result.set("province", province, place.province_code, "province_from_municipality")
        result.flag("province", province, "province_not_of_municipality")
    if doubtful_cap:
        _repair_short_postcode(result, place.postcodes)
    if cap and place.postcodes and cap not in place.postcodes:
        result.flag("postcode", cap, "postcode_not_of_municipality")
    if not cap and len(place.postcodes) == 1:
        result.set("postcode", postcode, place.postcodes[0], "postcode_from_municipality")
    return result


def _repair_short_postcode(result: Cleaned, postcodes: tuple[str, ...]) -> None:
    """A CAP of one or two digits lost more zeros than ``clean_postcode`` dares restore
    alone (``00010`` -> ``10``); padded, it is kept when it is one of the comune's CAPs."""
    raw = result.values.get("postcode") or ""
    digits = raw.strip().removesuffix(".0")
    if not digits.isdigit() or len(digits) >= 5 or digits.zfill(5) not in postcodes:
        return
    result.flags = [f for f in result.flags if f.field != "postcode"]
    result.set("postcode", raw, digits.zfill(5), "postcode_leading_zeros_restored")
