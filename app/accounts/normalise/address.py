"""Street, house number, postcode (CAP) and province, as Italian files write them.

Street types are written short in most sources (``V.``, ``V.LE``, ``P.ZZA``, ``C.SO``);
de-duplication compares addresses, so they are expanded to one spelling. The house number
is kept apart. A CAP that lost its leading zeros in a spreadsheet (``100`` for Rome's
``00100``) is padded back and the repair recorded; anything else that is not five digits is
flagged. The province becomes its two-letter code, from a code or a full name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from app.accounts.normalise.changes import Cleaned, squash
from app.territory.municipalities import search_key

# Abbreviation (dots and case ignored) -> the street type written out.
STREET_TYPES: dict[str, str] = {
    "V": "VIA",
    "VLE": "VIALE",
    "VL": "VIALE",
    "PZA": "PIAZZA",
    "PZZA": "PIAZZA",
    "PIAZ": "PIAZZA",
    "P": "PIAZZA",
    "PTTA": "PIAZZETTA",
    "PLE": "PIAZZALE",
    "CSO": "CORSO",
    "CS": "CORSO",
    "LGO": "LARGO",
    "VLO": "VICOLO",
    "VIC": "VICOLO",
    "STR": "STRADA",
    "SS": "STRADA STATALE",
    "SP": "STRADA PROVINCIALE",
    "SR": "STRADA REGIONALE",
    "LOC": "LOCALITÀ",
    "LOCALITA": "LOCALITÀ",
    "FRAZ": "FRAZIONE",
    "FR": "FRAZIONE",
    "CDA": "CONTRADA",
    "CTR": "CONTRADA",
    "BGO": "BORGO",
    "LMARE": "LUNGOMARE",
    "LGOMARE": "LUNGOMARE",
    "LTEVERE": "LUNGOTEVERE",
    "CIRC": "CIRCONVALLAZIONE",
    "CIRCONV": "CIRCONVALLAZIONE",
    "TRAV": "TRAVERSA",
    "SAL": "SALITA",
    "STRADELLO": "STRADELLO",
    "ZI": "ZONA INDUSTRIALE",
}
# Abbreviations that are also whole words: expanded only when written with a dot.
DOTTED_ONLY = {"V", "P", "CS", "FR", "SAL", "VIC", "STR", "LOC", "FRAZ", "CIRC", "TRAV"}

_NUMBER = r"\d+(?:\s?/?\s?(?:BIS|TER|QUATER)\b|\s?[/-]\s?\w{1,3}|\s?[A-Z](?![A-Z]))?"
_LATIN = re.compile(r"(\d)/?(BIS|TER|QUATER)$")  # "141 bis": the number, a space, the word
# "12", "12/A", "12 B", "12-14", "N. 12", "N.12", "SNC", "KM 12,500" at the end of the street.
_HOUSE_NUMBER = re.compile(
    rf"(?:[,\s]+)(?:N\.?\s*|NR\.?\s*|NUM\.?\s*)?(?P<number>{_NUMBER}|SNC|S\.N\.C\.|"
    rf"S\.N\.|KM\.?\s*\d+(?:[.,]\d+)?)\s*$",
    re.IGNORECASE,  # imports read the street in capitals; the desk reads it as typed
)
_POSTCODE_DIGITS = re.compile(r"\d+")


def _street_type(head: str) -> str | None:
    letters = re.sub(r"[^A-Z]", "", head)
    if letters not in STREET_TYPES or (letters in DOTTED_ONLY and "." not in head):
        return None
    return STREET_TYPES[letters]


def _expand_street_type(street: str) -> tuple[str, bool]:
    """Write the leading street type out: the first word ("V.LE"), else the part of it up to
    a dot ("V.ROMA" -> "VIA ROMA")."""
    head, _, rest = street.partition(" ")
    full = _street_type(head) if rest else None
    if full is None:
        dots = [i for i, ch in enumerate(head) if ch == "."]
        for cut in reversed(dots):
            if cut + 1 < len(head) and (full := _street_type(head[: cut + 1])) is not None:
                rest = f"{head[cut + 1 :]} {rest}".strip()
                break
    if full is None or head == full:
        return street, False
    return f"{full} {rest}", True


def split_house_number(street: str) -> tuple[str, str | None]:
    """``("Via Verdi", "137")`` from ``"Via Verdi 137"``: the street without its trailing
    house number, and the number (capitals, no spaces), or the street and None. The case
    of the street is kept: the import writes it in capitals, the desk as it is."""
    street = squash(street)
    match = _HOUSE_NUMBER.search(street)
    if not match or match.start() == 0:
        return street, None
    number = re.sub(r"\s+", "", match.group("number")).upper().replace("S.N.C.", "SNC")
    number = _LATIN.sub(r"\1 \2", number)
    if number.startswith("KM"):
        number = "KM " + number[2:].lstrip(".")
    return street[: match.start()].rstrip(" ,"), number


def clean_street(raw_street: str | None, raw_number: str | None = None) -> Cleaned:
    """Expand the street type and take the house number apart (unless a column gives it)."""
    result = Cleaned(values={})
    street = squash(raw_street).upper().replace("\u2019", "'")
    number = squash(raw_number).upper() or None
    if number is None:
        street, number = split_house_number(street)
    expanded, changed = _expand_street_type(street)
    tidy_reason = "street_type_expanded" if changed else "street_tidied"
    result.set("street", raw_street, expanded or None, tidy_reason)
    result.set("house_number", raw_number, number, "house_number_split")
    return result


def clean_postcode(raw: str | None) -> Cleaned:
    """Five digits; three or four digits get their lost leading zeros back (recorded)."""
    result = Cleaned(values={})
    text = squash(raw)
    if not text:
        result.values["postcode"] = None
        return result
    if text.endswith(".0"):  # a number that went through a spreadsheet as a float
        text = text[:-2]
    if not _POSTCODE_DIGITS.fullmatch(text):
        result.values["postcode"] = raw
        result.flag("postcode", raw, "postcode_not_digits")
        return result
    if len(text) in (3, 4):
        result.set("postcode", raw, text.zfill(5), "postcode_leading_zeros_restored")
    elif len(text) == 5:
        result.set("postcode", raw, text, "postcode_tidied")
    else:
        result.values["postcode"] = raw
        result.flag("postcode", raw, "postcode_wrong_length")
    return result


def clean_province(raw: str | None, provinces: Mapping[str, str]) -> Cleaned:
    """The two-letter code, from a code (any case) or a name (``provinces`` maps each
    name's search key, other-language names included, to its code)."""
    result = Cleaned(values={})
    text = squash(raw)
    if not text:
        result.values["province"] = None
        return result
    code = text.upper().strip("() .")
    codes = set(provinces.values())
    if code in codes:
        result.set("province", raw, code, "province_tidied")
        return result
    found = provinces.get(search_key(text))
    if found is not None:
        result.set("province", raw, found, "province_name_to_code")
        return result
    result.values["province"] = raw
    result.flag("province", raw, "province_unknown")
    return result
