"""Every comune the generator places companies in, written the ways real files spoil it,
run through ``clean_location``: how many come out right, flagged, or silently wrong.

The corruptions are the generator's (``app/demo/generator.py``: a transposed pair of
letters, accents lost as apostrophes in capitals, the province as its name, a CAP that
lost its leading zero) and what typists do to long names (``Cinisello B.``, ``Trezzano
s/N``, ``S. Donato M.se``, trailing words dropped), and a province that is wrong while
the CAP is right. A row is *right* when it gets the true ISTAT code and the comune's
province with no doubt on its place, *flagged* when a doubt sends it to a person (whatever
code it got), *silently wrong* when it gets another code, or none, or keeps a province that
is not its comune's, without a doubt: the one outcome never allowed. A form that another
comune would be written as, with nothing wrong ("Lodi" for Lodi Vecchio; "Osio S." with
Osio Sotto's CAP for Osio Sopra), is counted apart: no matcher can tell it from that one.

    .venv/bin/python -m tests.unit.accounts.normalise.istat_corruptions [--all]

``--all``: every comune of the reference with a CAP, not only the generator's provinces.
"""

from __future__ import annotations

import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from app.accounts.normalise.location import clean_location
from app.accounts.normalise.municipality import MunicipalityIndex, bundled_index, name_variants
from app.demo.generator import Place, bundled_places
from app.territory.municipalities import bundled_municipalities, search_key

Written = tuple[str, str | None, str | None]  # municipality, province, CAP as the file has them
PLACE_FIELDS = {"municipality", "province", "postcode"}
SAINTS = {"san": "S.", "santa": "S.", "santo": "S.", "sant'": "S."}
_LINKS = {"sul", "sulla", "sullo", "sui", "sugli", "sopra", "sotto"}


def typos(name: str) -> Iterator[str]:
    """The generator's misspelling, at every position it may pick: two letters swapped."""
    if len(name) <= 5:
        return
    for i in range(1, len(name) - 2):
        swapped = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        if search_key(swapped) != search_key(name):
            yield swapped


def upper_without_accents(name: str) -> str:
    """The generator's capitals, an accent written as an apostrophe (``CANTU'``)."""
    folded = unicodedata.normalize("NFKD", name)
    marked = "".join(c + "'" if unicodedata.combining(c) else c for c in folded)
    return "".join(c for c in marked if not unicodedata.combining(c)).upper()


def shortened(name: str) -> Iterator[str]:
    """How typists shorten a long name: the last word to its initial (``d'Erro`` to
    ``d'E.``), ``sul Naviglio`` to ``s/N``, ``Milanese`` to ``M.se``, San/Santa/Sant' to
    ``S.``; each form once."""
    yield from dict.fromkeys(_shortenings(name))


def _saint(word: str) -> str:
    if word.casefold().startswith("sant'"):
        return "S." + word[5:]
    return SAINTS.get(word.casefold(), word)


def _shortenings(name: str) -> Iterator[str]:
    words = name.split()
    if len(words) < 2:
        return
    saint = [_saint(w) for w in words]
    if saint != words:
        yield " ".join(saint)
    last = words[-1]
    elided = re.match(r"(\w+')(\w)", last)  # d'Erro, all'Esca
    initial = f"{elided[1]}{elided[2].upper()}." if elided else f"{last[0].upper()}."
    if len(last) >= 4 and last[0].isalpha() and len(words[0]) >= 4:
        yield " ".join([*words[:-1], initial])
        yield " ".join([*saint[:-1], initial])
        if last.endswith("ese"):
            yield " ".join([*saint[:-1], last[0].upper() + ".se"])
    for i, word in enumerate(words[:-1]):
        if word.casefold() in _LINKS and i > 0:
            initial = words[i + 1][0].upper()
            rest = words[i + 2 :]
            for short in (f"s/{initial}", f"S/{initial}", f"s.{initial}.", f"{word} {initial}."):
                yield " ".join([*words[:i], short, *rest])


def truncated(name: str) -> Iterator[str]:
    """The name cut after its first word (``Cassano`` for Cassano d'Adda)."""
    words = re.split(r"[\s']+", name)
    if len(words) >= 2 and len(words[0]) >= 4 and words[0].casefold() not in SAINTS:
        yield words[0]


def dropped_letters(name: str) -> Iterator[str]:
    """A letter left out, at every position but the first (a slip the generator does not
    make, but typists do)."""
    for i in range(1, len(name) - 1):
        if name[i].isalpha() and len(name) > 5:
            yield name[:i] + name[i + 1 :]


@dataclass(frozen=True)
class Context:
    """What a corruption needs beyond the comune: the province a typist confuses with
    its own, and the CAP of the comune of the province whose name is nearest."""

    neighbour: dict[str, str]  # province -> another of its region
    near_cap: dict[str, str]  # ISTAT code -> a CAP of the nearest-named other comune


# Corruption kind -> the ways one comune is written with it.
Corruption = Callable[[Place, Context], Iterator[Written]]
CORRUPTIONS: dict[str, Corruption] = {
    "as is": lambda p, _: iter([(p.name, p.province, p.postcodes[0])]),
    "capitals, accents lost": lambda p, _: iter(
        [(upper_without_accents(p.name), p.province, p.postcodes[0])]
    ),
    "typo": lambda p, _: ((t, p.province, p.postcodes[0]) for t in typos(p.name)),
    "typo, no CAP": lambda p, _: ((t, p.province, None) for t in typos(p.name)),
    "typo, no province": lambda p, _: ((t, None, p.postcodes[0]) for t in typos(p.name)),
    "typo, nothing else": lambda p, _: ((t, None, None) for t in typos(p.name)),
    "typo, province name, CAP lost zero": lambda p, _: (
        (t, p.province_name.upper(), p.postcodes[0].lstrip("0")) for t in typos(p.name)
    ),
    "letter dropped": lambda p, _: (
        (t, p.province, p.postcodes[0]) for t in dropped_letters(p.name)
    ),
    "letter dropped, no CAP": lambda p, _: (
        (t, p.province, None) for t in dropped_letters(p.name)
    ),
    "province name": lambda p, _: iter([(p.name, p.province_name.upper(), p.postcodes[0])]),
    "CAP lost zero": lambda p, _: iter([(p.name, p.province, p.postcodes[0].lstrip("0"))]),
    "shortened": lambda p, _: ((s, p.province, p.postcodes[0]) for s in shortened(p.name)),
    "shortened, no CAP": lambda p, _: ((s, p.province, None) for s in shortened(p.name)),
    "shortened, capitals, province name": lambda p, _: (
        (upper_without_accents(s), p.province_name.upper(), p.postcodes[0])
        for s in shortened(p.name)
    ),
    "trailing words dropped": lambda p, _: (
        (t, p.province, c) for t in truncated(p.name) for c in (p.postcodes[0], None)
    ),
    "province wrong, CAP right": lambda p, c: iter(
        [(p.name, c.neighbour[p.province], p.postcodes[0])]
    ),
    "province wrong, no CAP": lambda p, c: iter([(p.name, c.neighbour[p.province], None)]),
    "typo, province wrong": lambda p, c: (
        (t, c.neighbour[p.province], p.postcodes[0]) for t in typos(p.name)
    ),
    "CAP of a near-named comune": lambda p, c: (
        (p.name, p.province, cap) for cap in [c.near_cap.get(p.istat_code)] if cap
    ),
    "typo, CAP of a near-named comune": lambda p, c: (
        (t, p.province, cap) for cap in [c.near_cap.get(p.istat_code)] if cap for t in typos(p.name)
    ),
    "shortened, CAP of a near-named comune": lambda p, c: (
        (s, p.province, cap) for cap in [c.near_cap.get(p.istat_code)] if cap
        for s in shortened(p.name)
    ),
}  # fmt: skip


@dataclass
class Outcome:
    """One written form's fate."""

    kind: str
    written: Written
    truth: str
    found: str | None
    flags: tuple[str, ...]
    province_right: bool = True  # the province stored is the true comune's
    another_comune: bool = False  # the form is how another comune is written (see above)

    @property
    def verdict(self) -> str:
        if self.flags:
            return "flagged"
        if self.found == self.truth and self.province_right:
            return "right"
        return "indistinguishable" if self.another_comune else "silently wrong"


def context_of(places: list[Place]) -> Context:
    """For each province, another of its region (the next in alphabetical order; Aosta,
    alone in its region, gets Turin); for each comune, the CAP of the other comune of its
    province nearest in name, among those it does not share: a wrong CAP that makes a
    wrong match most likely."""
    region = {m.province_code: m.region for m in bundled_municipalities()}
    codes = sorted({p.province for p in places} | set(region))
    neighbour = {}
    for code in codes:
        same = [c for c in codes if region.get(c) == region.get(code)]
        others = same if len(same) > 1 else ["TO", code]
        neighbour[code] = others[(others.index(code) + 1) % len(others)]
    by_province: dict[str, list[Place]] = {}
    for place in places:
        by_province.setdefault(place.province, []).append(place)
    near_cap = {}
    for place in places:
        others = [o for o in by_province[place.province]
                  if o.postcodes and not set(o.postcodes) & set(place.postcodes)]  # fmt: skip
        if others:
            key = search_key(place.name)
            nearest = max(others, key=lambda o: fuzz.ratio(key, search_key(o.name)))
            near_cap[place.istat_code] = nearest.postcodes[0]
    return Context(neighbour, near_cap)


def _another_comunes(
    index: MunicipalityIndex, provinces: dict[str, str], written: Written, place: Place
) -> bool:
    """Whether ``written`` is how another comune is written, nothing wrong in it: its
    name or a shortening of it, its province (or none), its CAP (or none)."""
    name, province, cap = written
    code = (province or "").upper()
    code = code if code in provinces.values() else provinces.get(search_key(province or ""))
    cap = cap.zfill(5) if cap else None
    keys = name_variants(name)
    alike = [p for key in keys for p in index.by_key.get(key, [])]  # named alike, or
    alike += [p for key in keys for p, _ in index.by_first_word.get(key.split()[0], [])]
    pool = [p for p in dict.fromkeys(alike)
            if p.istat_code != place.istat_code and (not code or p.province_code == code)
            and (not cap or cap in p.postcodes)]  # fmt: skip
    named = any(key in keys for p in pool for key in index._keys_of[id(p)])
    return named or bool(index.shortened(name, pool)[0])


def run(
    places: list[Place], index: MunicipalityIndex | None = None, kinds: list[str] | None = None
) -> Iterator[Outcome]:
    """Each place written each way, cleaned as an import cleans it."""
    index = index or bundled_index()
    provinces = {search_key(m.province_name): m.province_code for m in bundled_municipalities()}
    context = context_of(places)
    for kind in kinds or list(CORRUPTIONS):
        for place in places:
            for written in CORRUPTIONS[kind](place, context):
                cleaned = clean_location(index, provinces, *written)
                flags = tuple(f.reason for f in cleaned.flags if f.field in PLACE_FIELDS)
                found = cleaned.values["istat_code"]
                province_right = cleaned.values["province"] == place.province
                right = found == place.istat_code and province_right
                another = not (flags or right) and _another_comunes(
                    index, provinces, written, place
                )
                yield Outcome(
                    kind, written, place.istat_code, found, flags, province_right, another
                )


def all_places() -> list[Place]:
    """Every comune of the reference with a CAP (``bundled_places`` without its filter)."""
    return [
        Place(m.name, m.province_code, m.province_name, m.istat_code[:3], tuple(m.postcodes),
              istat_code=m.istat_code)
        for m in bundled_municipalities()
        if m.postcodes
    ]  # fmt: skip


def main(argv: list[str]) -> int:
    places = all_places() if "--all" in argv else bundled_places()
    started = time.perf_counter()
    wrong: list[Outcome] = []
    table: dict[str, Counter[str]] = {}
    for outcome in run(places):
        table.setdefault(outcome.kind, Counter())[outcome.verdict] += 1
        if outcome.verdict == "silently wrong":
            wrong.append(outcome)
    seconds = time.perf_counter() - started
    print(f"{len(places):,} comuni, {seconds:.1f} s")
    print("| corruption | written forms | right | flagged | silently wrong | "
          "written as another comune |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    total: Counter[str] = Counter()
    for kind, counts in table.items():
        total += counts
        n = sum(counts.values())
        print(f"| {kind} | {n:,} | {counts['right']:,} | {counts['flagged']:,} | "
              f"{counts['silently wrong']:,} | {counts['indistinguishable']:,} |")  # fmt: skip
    n = sum(total.values())
    print(f"| **all** | {n:,} | {total['right']:,} | {total['flagged']:,} | "
          f"{total['silently wrong']:,} | {total['indistinguishable']:,} |")  # fmt: skip
    for outcome in wrong[:80]:
        shown = "" if outcome.province_right else " (province kept)"
        print(outcome.kind, outcome.written, outcome.truth, "->", outcome.found, shown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
