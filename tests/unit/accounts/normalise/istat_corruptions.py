"""Every comune the generator places companies in, written the ways real files spoil it,
run through ``clean_location``: how many come out right, flagged, or silently wrong.

The corruptions are the generator's (``app/demo/generator.py``: a transposed pair of
letters, accents lost as apostrophes in capitals, the province as its name, a CAP that
lost its leading zero) and what typists do to long names (``Cinisello B.``, ``Trezzano
s/N``, ``S. Donato M.se``, trailing words dropped), and a province that is wrong while
the CAP is right. A row is *right* when it gets the true ISTAT code and the comune's
province with no doubt on its place, *flagged* when a doubt sends it to a person (whatever
code it got), *silently wrong* when it gets another code, or none, or keeps a province that
is not its comune's, without a doubt: the one outcome never allowed. A form that is itself
the name of another comune of the province ("Lodi" for Lodi Vecchio) is counted apart: no
matcher can tell it from that comune.

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
    """How typists shorten a long name: the last word to its initial, ``sul Naviglio`` to
    ``s/N``, ``Milanese`` to ``M.se``, San/Santa to ``S.``."""
    words = name.split()
    if len(words) < 2:
        return
    saint = [SAINTS.get(w.casefold(), w) for w in words]
    if saint != words:
        yield " ".join(saint)
    last = words[-1]
    if len(last) >= 4 and last[0].isalpha() and len(words[0]) >= 4:
        yield " ".join([*words[:-1], last[0].upper() + "."])
        yield " ".join([*saint[:-1], last[0].upper() + "."])
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


def _province_elsewhere(place: Place, neighbours: dict[str, str]) -> str:
    return neighbours[place.province]


# Corruption kind -> the ways one comune is written with it.
Corruption = Callable[[Place, dict[str, str]], Iterator[Written]]
CORRUPTIONS: dict[str, Corruption] = {
    "as is": lambda p, _: iter([(p.name, p.province, p.postcodes[0])]),
    "capitals, accents lost": lambda p, _: iter(
        [(upper_without_accents(p.name), p.province, p.postcodes[0])]
    ),
    "typo": lambda p, _: ((t, p.province, p.postcodes[0]) for t in typos(p.name)),
    "typo, no CAP": lambda p, _: ((t, p.province, None) for t in typos(p.name)),
    "typo, province name, CAP lost zero": lambda p, _: (
        (t, p.province_name.upper(), p.postcodes[0].lstrip("0")) for t in typos(p.name)
    ),
    "province name": lambda p, _: iter([(p.name, p.province_name.upper(), p.postcodes[0])]),
    "CAP lost zero": lambda p, _: iter([(p.name, p.province, p.postcodes[0].lstrip("0"))]),
    "shortened": lambda p, _: ((s, p.province, p.postcodes[0]) for s in shortened(p.name)),
    "shortened, no CAP": lambda p, _: ((s, p.province, None) for s in shortened(p.name)),
    "trailing words dropped": lambda p, _: (
        (t, p.province, c) for t in truncated(p.name) for c in (p.postcodes[0], None)
    ),
    "province wrong, CAP right": lambda p, n: iter(
        [(p.name, _province_elsewhere(p, n), p.postcodes[0])]
    ),
    "province wrong, no CAP": lambda p, n: iter([(p.name, _province_elsewhere(p, n), None)]),
    "typo, province wrong": lambda p, n: (
        (t, _province_elsewhere(p, n), p.postcodes[0]) for t in typos(p.name)
    ),
}


@dataclass
class Outcome:
    """One written form's fate."""

    kind: str
    written: Written
    truth: str
    found: str | None
    flags: tuple[str, ...]
    province_right: bool = True  # the province stored is the true comune's
    another_comune: bool = False  # the form is the name of another comune of the province

    @property
    def verdict(self) -> str:
        if self.another_comune:
            return "indistinguishable"
        if self.flags:
            return "flagged"
        right = self.found == self.truth and self.province_right
        return "right" if right else "silently wrong"


def neighbours_of(places: list[Place]) -> dict[str, str]:
    """For each province, another of its region (the next in alphabetical order), the
    province a typist would confuse it with; Aosta, alone in its region, gets Turin."""
    region = {m.province_code: m.region for m in bundled_municipalities()}
    codes = sorted({p.province for p in places} | set(region))
    result = {}
    for code in codes:
        same = [c for c in codes if region.get(c) == region.get(code)]
        others = same if len(same) > 1 else ["TO", code]
        result[code] = others[(others.index(code) + 1) % len(others)]
    return result


def run(
    places: list[Place], index: MunicipalityIndex | None = None, kinds: list[str] | None = None
) -> Iterator[Outcome]:
    """Each place written each way, cleaned as an import cleans it."""
    index = index or bundled_index()
    provinces = {search_key(m.province_name): m.province_code for m in bundled_municipalities()}
    neighbours = neighbours_of(places)
    for kind in kinds or list(CORRUPTIONS):
        for place in places:
            for written in CORRUPTIONS[kind](place, neighbours):
                cleaned = clean_location(index, provinces, *written)
                flags = tuple(f.reason for f in cleaned.flags if f.field in PLACE_FIELDS)
                found = cleaned.values["istat_code"]
                province_right = cleaned.values["province"] == place.province
                another = any(
                    p.province_code == place.province and p.istat_code != place.istat_code
                    for key in name_variants(written[0])
                    for p in index.by_key.get(key, [])
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
    print(
        "| corruption | written forms | right | flagged | silently wrong | another comune's name |"
    )
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
