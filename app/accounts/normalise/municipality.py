"""Matching a free-text municipality to its ISTAT code, using every clue the row has.

Measured on ISTAT's list (docs/ITALY-DATA notes): with one typo per name, matching within
the province is ~99.5 % right and within the postcode ~99.96 %, from the name alone only
~86 %. So the province and the CAP narrow the candidates first; the name is then looked up
exactly (folded: case, accents, apostrophes, ``S.`` for San/Santa/Santo/Sant'), and only
then fuzzily (rapidfuzz's plain ratio: scorers that reward substrings match "Mestre" to
the comune "Re"). Names shared by several comuni, ties and weak matches are not guessed:
they come back undecided, with the candidates, for a person to review.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import fuzz, process

from app.territory.municipalities import MunicipalityRow, bundled_municipalities, search_key

# Fuzzy thresholds (rapidfuzz ratio, 0-100): within a province or postcode the pool is
# small, so a lower score is safe; over the whole country only a near-exact name passes.
SCORE_IN_POOL = 80.0
SCORE_NATIONWIDE = 92.0
MIN_MARGIN = 4.0  # the best must beat the runner-up by this much, else it is a tie
SAINTS = ("san", "santa", "santo", "sant")
_TRAILING_PROVINCE = re.compile(r"\s*\(([A-Za-z]{2})\)\s*$")


@dataclass(frozen=True)
class Place:
    """A municipality of the reference, as the matcher needs it."""

    belfiore: str
    istat_code: str
    name: str
    province_code: str
    postcodes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other-language and former names


@dataclass(frozen=True)
class MunicipalityMatch:
    """The place found, or why none was: ``reason`` is None when ``place`` is set."""

    place: Place | None
    method: str  # "exact", "fuzzy" or "none"
    score: float = 0.0
    reason: str | None = None  # "not_found", "ambiguous", "tie", "province_conflict", "empty"
    candidates: tuple[Place, ...] = field(default=())


def name_variants(name: str) -> set[str]:
    """The search keys a written name may stand for: ``S. Giorgio`` -> san/santa/santo/
    sant' giorgio; ``Sta``/``Sto`` -> santa/santo."""
    key = search_key(name)
    tokens = key.split()
    variants = {key}
    for i, token in enumerate(tokens):
        options = {"s": SAINTS, "sta": ("santa",), "sto": ("santo",), "ss": ("santi",)}.get(token)
        if options is None:
            continue
        for option in options:
            variants |= {" ".join([*v.split()[:i], option, *v.split()[i + 1 :]]) for v in variants
                         if len(v.split()) == len(tokens)}  # fmt: skip
    return variants


class MunicipalityIndex:
    """The reference list, indexed by folded name, by province and by postcode."""

    def __init__(self, places: Iterable[Place]):
        self.by_key: dict[str, list[Place]] = defaultdict(list)
        self.by_province: dict[str, list[Place]] = defaultdict(list)
        self.by_postcode: dict[str, list[Place]] = defaultdict(list)
        self.places: list[Place] = []
        for place in places:
            self.places.append(place)
            for written in (place.name, *place.aliases):
                for part in written.split("/"):  # "Bolzano/Bozen"
                    key = search_key(part)
                    if key and place not in self.by_key[key]:
                        self.by_key[key].append(place)
            self.by_province[place.province_code].append(place)
            for postcode in place.postcodes:
                self.by_postcode[postcode].append(place)
        self._keys_of = {id(p): self._keys(p) for p in self.places}
        # Files repeat the same municipality, province and CAP on thousands of rows.
        self._answers: dict[tuple[str, str | None, str | None], MunicipalityMatch] = {}

    @staticmethod
    def _keys(place: Place) -> list[str]:
        return [search_key(part) for w in (place.name, *place.aliases) for part in w.split("/")]

    def match(
        self, name: str | None, province: str | None = None, postcode: str | None = None
    ) -> MunicipalityMatch:
        """Find the municipality ``name`` stands for, narrowed by province and postcode."""
        key = (name or "", province, postcode)
        found = self._answers.get(key)
        if found is None:
            if len(self._answers) >= 200_000:
                self._answers.clear()
            found = self._answers[key] = self._match(name, province, postcode)
        return found

    def _match(
        self, name: str | None, province: str | None, postcode: str | None
    ) -> MunicipalityMatch:
        text = (name or "").strip()
        hinted = _TRAILING_PROVINCE.search(text)  # "Cantù (CO)"
        if hinted:
            text = text[: hinted.start()]
            province = province or hinted.group(1).upper()
        if not search_key(text):
            return MunicipalityMatch(None, "none", reason="empty")
        province = (province or "").upper() or None
        in_postcode = self.by_postcode.get(postcode or "", [])
        in_province = self.by_province.get(province or "", [])

        exact = [p for key in name_variants(text) for p in self.by_key.get(key, [])]
        exact = list(dict.fromkeys(exact))
        if exact:
            narrowed = _narrow(exact, province, postcode)
            if len(narrowed) == 1:
                return MunicipalityMatch(narrowed[0], "exact", 100.0)
            if len(narrowed) > 1:
                return MunicipalityMatch(
                    None, "none", reason="ambiguous", candidates=tuple(narrowed)
                )
            # The name exists, but not where the province/postcode say: try a typo there first.

        pool = in_postcode or in_province
        found = self._fuzzy(text, pool, SCORE_IN_POOL) if pool else None
        if found is None and not pool:
            found = self._fuzzy(text, self.places, SCORE_NATIONWIDE)
        if isinstance(found, MunicipalityMatch):
            return found
        if exact:
            return MunicipalityMatch(
                None, "none", reason="province_conflict", candidates=tuple(exact)
            )
        return MunicipalityMatch(None, "none", reason="not_found")

    def _fuzzy(self, text: str, pool: list[Place], threshold: float) -> MunicipalityMatch | None:
        choices: dict[int, str] = {}
        owners: list[Place] = []
        for place in pool:
            for key in self._keys_of[id(place)]:
                choices[len(owners)] = key
                owners.append(place)
        query = search_key(text)
        best: dict[str, tuple[float, Place]] = {}
        for _, score, index in process.extract(
            query, choices, scorer=fuzz.ratio, limit=6, score_cutoff=threshold - MIN_MARGIN
        ):
            place = owners[index]
            if place.belfiore not in best or best[place.belfiore][0] < score:
                best[place.belfiore] = (score, place)
        ranked = sorted(best.values(), key=lambda item: -item[0])
        if not ranked or ranked[0][0] < threshold:
            return None
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < MIN_MARGIN:
            return MunicipalityMatch(
                None, "none", ranked[0][0], reason="tie", candidates=tuple(p for _, p in ranked[:3])
            )
        return MunicipalityMatch(ranked[0][1], "fuzzy", ranked[0][0])


def _narrow(places: list[Place], province: str | None, postcode: str | None) -> list[Place]:
    """Keep the places the clues agree with. When both clues are given and only one fits,
    the one that fits decides (a wrong CAP is common, a wrong province less so)."""
    by_province = [p for p in places if province and p.province_code == province]
    by_postcode = [p for p in places if postcode and postcode in p.postcodes]
    if province and postcode:
        return [p for p in by_province if p in by_postcode] or by_province or by_postcode
    if province:
        return by_province
    # A postcode alone that fits none is ignored: many comuni share generic or changed CAPs
    # (and Sardinia's have none in the reference yet); the caller flags the disagreement.
    return by_postcode or places


def places_from_rows(rows: Iterable[MunicipalityRow]) -> list[Place]:
    """Places from the ISTAT reference rows (``app.territory.municipalities``)."""
    return [
        Place(
            belfiore=row.belfiore,
            istat_code=row.istat_code,
            name=row.name,
            province_code=row.province_code,
            postcodes=tuple(row.postcodes),
            aliases=(row.name_other,) if row.name_other else (),
        )
        for row in rows
    ]


@cache
def bundled_index() -> MunicipalityIndex:
    """The index of the reference shipped with the application (built once, ~0.3 s)."""
    return MunicipalityIndex(places_from_rows(bundled_municipalities()))
