"""The fix a doubt most likely needs, found from the account's other values and the
municipality reference, so that a reviewer accepts it with one key, or a whole reason's
suggestions at once.

A suggestion is never applied by itself: accepting it goes through ``doubts.resolve`` like
a person's correction (cleaned again, refused if it still raises a doubt). Two kinds:
- the import already wrote a better value than the one it doubted (a postcode completed
  from the municipality, the province of the matched municipality where the file's was
  unknown or another, the legal form found in the name): accepting keeps the account's
  value and closes the doubt;
- a value to write: the one postcode of the matched municipality, the province of the only
  comune with the name written, the comune a shortened name stands for within its
  province ("Cinisello B."), an email with a slip of the keyboard undone.
A reason without a rule here (a wrong VAT check digit, an invalid phone...) has no
suggestion: only a person can answer it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.accounts.normalise.email import is_email
from app.accounts.normalise.municipality import MunicipalityIndex, Place, name_variants
from app.imports.pipeline import Reference
from app.territory.municipalities import search_key

_AT = re.compile(r"\s*[(\[]at[)\]]\s*|\s+at\s+")


@dataclass(frozen=True)
class Suggestion:
    """The fix: ``values`` to write (empty when the account's current value is the fix)
    and ``shown``, the fix as a person reads it."""

    shown: str
    values: dict[str, str] = field(default_factory=dict)

    @property
    def token(self) -> str:
        """A short fingerprint: accepting checks the fix is still the one shown."""
        text = "|".join([self.shown, *(f"{k}={v}" for k, v in sorted(self.values.items()))])
        return hashlib.sha256(text.encode()).hexdigest()[:12]


Ref = Reference | None  # None: no municipality reference loaded yet
Rule = Callable[[str | None, Mapping[str, Any], Ref], Suggestion | None]
_places: dict[int, tuple[MunicipalityIndex, dict[str, Place]]] = {}


def _place(account: Mapping[str, Any], ref: Ref) -> Place | None:
    """The account's matched municipality (by its ISTAT code), if it has one."""
    code = account.get("istat_code")
    if not code or ref is None:
        return None
    cached = _places.get(id(ref.index))
    if cached is None or cached[0] is not ref.index:
        _places.clear()
        cached = _places[id(ref.index)] = (ref.index, {p.istat_code: p for p in ref.index.places})
    return cached[1].get(code)


def _current(name: str, flagged: str | None, account: Mapping[str, Any]) -> Suggestion | None:
    """The account's value when the import wrote one other than the value it doubted."""
    current = account.get(name)
    if current and current != (flagged or "").strip():
        return Suggestion(str(current))
    return None


def postcode(flagged: str | None, account: Mapping[str, Any], ref: Ref) -> Suggestion | None:
    """The postcode completed from the municipality, or the municipality's only one."""
    place = _place(account, ref)
    if place is None:
        return None
    kept = _current("postcode", flagged, account)
    if kept is not None and kept.shown in place.postcodes:
        return kept
    if len(place.postcodes) == 1 and place.postcodes[0] != account.get("postcode"):
        return Suggestion(place.postcodes[0], {"postcode": place.postcodes[0]})
    return None


def province(flagged: str | None, account: Mapping[str, Any], ref: Ref) -> Suggestion | None:
    """The province of the matched municipality."""
    place = _place(account, ref)
    if place is None:
        return None
    if account.get("province") == place.province_code:
        return _current("province", flagged, account)
    return Suggestion(place.province_code, {"province": place.province_code})


def municipality_shortened(
    flagged: str | None, account: Mapping[str, Any], ref: Ref
) -> Suggestion | None:
    """The comune of the postcode (or else the province) that the name shortens
    ("Cinisello B.", "S. Donato M.se"), read by the matcher itself: one reading of
    shortened names for the import and the review. An import reads them already; this
    answers the doubts raised before it did. Never one from the whole country, never the
    nearest spelling ("Cassano" is nearer to Assago than to Cassano d'Adda)."""
    name = account.get("municipality") or flagged or ""
    if ref is None or not search_key(name):
        return None
    province_code = account.get("province")
    found = ref.index.match(name, province_code, account.get("postcode"))
    place = found.place
    if place is None or found.method != "shortened":
        return None
    if province_code and province_code != place.province_code:
        return None
    shown = f"{place.name} ({place.province_code})"
    return Suggestion(shown, {"municipality": place.name, "province": place.province_code})


def province_of_municipality(
    flagged: str | None, account: Mapping[str, Any], ref: Ref
) -> Suggestion | None:
    """A municipality named exactly but in another province (often a province that was
    split: Monza was in Milan's): that comune's province, when only one comune in Italy
    has the name (and the postcode, if any, is one of its own)."""
    name, cap = account.get("municipality") or flagged, account.get("postcode")
    if not name or ref is None:
        return None
    index: MunicipalityIndex = ref.index
    named = {p.istat_code: p for key in name_variants(name) for p in index.by_key.get(key, [])}
    fitting = [p for p in named.values() if not cap or cap in p.postcodes]
    if len(fitting) != 1:
        return None
    place = fitting[0]
    shown = f"{place.name} ({place.province_code})"
    return Suggestion(shown, {"municipality": place.name, "province": place.province_code})


def legal_form(flagged: str | None, account: Mapping[str, Any], ref: Ref) -> Suggestion | None:
    """The legal form the import found in the company name."""
    return _current("legal_form", flagged, account)


def email(flagged: str | None, account: Mapping[str, Any], ref: Ref) -> Suggestion | None:
    """An address with a slip undone: spaces, a comma for a dot, "(at)", "mailto:"."""
    raw = str(account.get("email") or flagged or "")
    text = raw.strip().lower().removeprefix("mailto:").strip("<>\"' ;")
    text = _AT.sub("@", text).replace(",", ".").replace(" ", "")
    text = re.sub(r"\.{2,}", ".", text).replace("@.", "@").replace(".@", "@").strip(".")
    if text == raw or not is_email(text):
        return None
    return Suggestion(text, {"email": text})


# Reason -> rule. A reason gets suggestions by adding its rule here (and a test).
RULES: dict[str, Rule] = {
    "postcode_not_digits": postcode,
    "postcode_wrong_length": postcode,
    "postcode_not_of_municipality": postcode,
    "province_unknown": province,
    "province_not_of_municipality": province,
    "municipality_not_found": municipality_shortened,
    "municipality_province_conflict": province_of_municipality,
    "legal_form_unknown": legal_form,
    "email_invalid": email,
}


def suggest(
    reason: str, flagged: str | None, account: Mapping[str, Any], ref: Ref
) -> Suggestion | None:
    """The suggested fix of a doubt of ``reason`` on ``flagged``, or None (``ref``: the
    municipality reference; None when none is loaded: no suggestion needs a comune)."""
    rule = RULES.get(reason)
    return rule(flagged, account, ref) if rule else None
