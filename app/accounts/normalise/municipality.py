"""Matching a free-text municipality to its ISTAT code, using every clue the row has.

Measured on ISTAT's list (docs/ITALY-DATA notes): with one typo per name, matching within
the province is ~99.5 % right and within the postcode ~99.96 %, from the name alone only
~86 %. So the province and the CAP narrow the candidates first; the name is then looked up
exactly (folded: case, accents, apostrophes, ``S.`` for San/Santa/Santo/Sant'), then read
as a shortening (``Cinisello B.``, ``Trezzano s/N``: never the nearest spelling, which is
Trezzano Rosa), and only then fuzzily (rapidfuzz's plain ratio: scorers that reward
substrings match "Mestre" to the comune "Re"; and the nearest by ratio must also be the
only nearest by edits, since the ratio counts two swapped letters as two). Nothing is
guessed outside the comuni of the province or the CAP, and names shared by several comuni,
ties and weak matches come back undecided, with the candidates, for a person to review.
The harness ``tests/unit/accounts/normalise/istat_corruptions.py`` counts the silently
wrong codes on every comune written the ways files spoil it: none is the rule.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from app.territory.municipalities import MunicipalityRow, bundled_municipalities, search_key

# Fuzzy threshold (rapidfuzz ratio, 0-100), only ever among the comuni of the province or
# the postcode: over the whole country a near spelling is as often another comune.
SCORE_IN_POOL = 80.0
MIN_MARGIN = 4.0  # the best must beat the runner-up by this much, else it is a tie
SAINTS = ("san", "santa", "santo", "sant")
# Words a shortened name may leave out ("Reggio Emilia" for Reggio nell'Emilia).
PARTICLES = frozenset({"d", "di", "de", "del", "dello", "della", "dei", "degli", "delle",
                       "nel", "nell", "nello", "nella", "sul", "sull", "sullo", "sulla",
                       "al", "all", "allo", "alla", "in", "e"})  # fmt: skip
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
    method: str  # "exact", "shortened", "fuzzy" or "none"
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


def shortens(written: list[str], full: list[str]) -> bool:
    """Whether the words ``written`` shorten the words ``full``, in order: each one a whole
    word, its start ("cinisello b" for "cinisello balsamo", "trezzano s n" for "trezzano
    sul naviglio") or, right after a shortened word, its end ("m se" for "milanese");
    particles may be left out. The first word is whole ("sant" is not "santena"), every
    other word of ``full`` is accounted for (dropping words is not shortening: "cassano" is
    not "cassano d adda"), and one written word has four letters or more (initials alone
    shorten too much)."""
    if written == full or written[:1] != full[:1] or all(len(word) < 4 for word in written):
        return False

    def walk(i: int, j: int, after_short: bool) -> bool:
        if i == len(written):
            return all(word in PARTICLES for word in full[j:])
        word = written[i]
        if j < len(full):
            if full[j] == word and walk(i + 1, j + 1, False):
                return True
            if full[j].startswith(word) and walk(i + 1, j + 1, True):
                return True
            if full[j] in PARTICLES and walk(i, j + 1, False):
                return True
        return after_short and full[j - 1].endswith(word) and walk(i + 1, j, False)

    return walk(0, 0, False)


def _leads(written: list[str], full: list[str]) -> bool:
    """Whether ``written`` is ``full`` with its last words dropped ("cassano")."""
    return len(full) > len(written) and full[: len(written)] == written


class MunicipalityIndex:
    """The reference list, indexed by folded name, by province and by postcode."""

    def __init__(self, places: Iterable[Place]):
        self.by_key: dict[str, list[Place]] = defaultdict(list)
        self.by_province: dict[str, list[Place]] = defaultdict(list)
        self.by_postcode: dict[str, list[Place]] = defaultdict(list)
        self.places: list[Place] = []
        # First word of a name -> the places and their names' words: a shortened name
        # keeps its first word whole, so only these can be what it shortens.
        self.by_first_word: dict[str, list[tuple[Place, list[str]]]] = defaultdict(list)
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
        for place in self.places:
            for key in self._keys_of[id(place)]:
                words = key.split()
                self.by_first_word[words[0]].append((place, words))
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
            # The name exists, but not where the province/postcode say: a shortening or a
            # typo there is taken only when both clues back it (below).
        pool = in_postcode or in_province
        found = self._in_pool(text, pool, in_province if in_postcode else []) if pool else None
        if found is None:
            reason = "province_conflict" if exact else "not_found"
            return MunicipalityMatch(None, "none", reason=reason, candidates=tuple(exact))
        place = found.place
        if not exact or (place and place.province_code == province and postcode in place.postcodes):
            return found
        others = (place,) if place else found.candidates
        return MunicipalityMatch(
            None, "none", reason="province_conflict", candidates=(*exact, *others)
        )

    def _in_pool(
        self, text: str, pool: list[Place], wider: list[Place]
    ) -> MunicipalityMatch | None:
        """The comune of ``pool`` (the CAP's, else the province's) the name shortens, or
        else the one it misspells; ``wider``, the province's, when the CAP's has none.
        A name with words dropped ("Cassano") is taken only when it begins one comune
        of the province, and the CAP is that comune's."""
        short, lead = self.shortened(text, pool)
        if wider and not short:
            short, lead = self.shortened(text, wider)
        if len(short) == 1:
            return MunicipalityMatch(short[0], "shortened", 100.0)
        if short:
            return MunicipalityMatch(None, "none", reason="ambiguous", candidates=tuple(short))
        if lead:
            if wider and len(lead) == 1 and lead[0] in pool:
                return MunicipalityMatch(lead[0], "shortened", 100.0)
            reason = "ambiguous" if len(lead) > 1 else "not_found"
            return MunicipalityMatch(None, "none", reason=reason, candidates=tuple(lead))
        return self._fuzzy(text, pool, wider)

    def shortened(self, name: str, pool: Iterable[Place]) -> tuple[list[Place], list[Place]]:
        """The places of ``pool`` whose name ``name`` shortens (see ``shortens``), and
        those whose name begins with its words; the import and the review's suggestions
        both read shortened names through here."""
        allowed = {id(place) for place in pool}
        short: dict[str, Place] = {}
        lead: dict[str, Place] = {}
        for variant in name_variants(name):
            written = variant.split()
            for place, full in self.by_first_word.get(written[0], []):
                if id(place) not in allowed:
                    continue
                if shortens(written, full):
                    short[place.belfiore] = place
                elif _leads(written, full):
                    lead[place.belfiore] = place
        return list(short.values()), [p for k, p in lead.items() if k not in short]

    def _choices(self, pool: list[Place]) -> tuple[dict[int, str], list[Place]]:
        choices: dict[int, str] = {}
        owners: list[Place] = []
        for place in pool:
            for key in self._keys_of[id(place)]:
                choices[len(owners)] = key
                owners.append(place)
        return choices, owners

    def _fuzzy(self, text: str, pool: list[Place], wider: list[Place]) -> MunicipalityMatch | None:
        """The comune of ``pool`` the name misspells, if only one is near enough: the
        best by ratio, beating the runner-up by ``MIN_MARGIN``, and nearer in edits than
        any other comune of ``pool`` and ``wider`` (the province, when ``pool`` is the
        CAP's: a wrong CAP must not turn "Aplignano" into Arignano, whose CAP it is,
        when Alpignano is one swap away)."""
        choices, owners = self._choices(pool)
        query = search_key(text)
        best: dict[str, tuple[float, Place]] = {}
        for _, score, index in process.extract(
            query, choices, scorer=fuzz.ratio, limit=6, score_cutoff=SCORE_IN_POOL - MIN_MARGIN
        ):
            place = owners[index]
            if place.belfiore not in best or best[place.belfiore][0] < score:
                best[place.belfiore] = (score, place)
        ranked = sorted(best.values(), key=lambda item: -item[0])
        if not ranked or ranked[0][0] < SCORE_IN_POOL:
            return None
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < MIN_MARGIN:
            return MunicipalityMatch(
                None, "none", ranked[0][0], reason="tie", candidates=tuple(p for _, p in ranked[:3])
            )
        score, place = ranked[0]
        # "Burzolo" is one swap from Bruzolo and one letter from Burolo: the ratio prefers
        # Burolo (a swap costs it two), but only a person can choose.
        edits = min(OSA.distance(query, key) for key in self._keys_of[id(place)])
        choices, owners = self._choices(pool + wider) if wider else (choices, owners)
        rivals = {
            owners[index].belfiore: owners[index]
            for _, _, index in process.extract(
                query, choices, scorer=OSA.distance, score_cutoff=edits, limit=None
            )
            if owners[index] is not place
        }
        if rivals:
            candidates = (place, *list(rivals.values())[:2])
            return MunicipalityMatch(None, "none", score, reason="tie", candidates=candidates)
        return MunicipalityMatch(place, "fuzzy", score)


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
