"""No silently wrong ISTAT code: a shortened name is read as the one comune it shortens in
its province, or flagged; a near spelling is never taken for another comune when the name
could be something else; a province that contradicts the matched comune raises a doubt."""

from __future__ import annotations

import pytest

from app.accounts.normalise.location import clean_location
from app.accounts.normalise.municipality import bundled_index, shortens
from app.demo.generator import bundled_places
from app.territory.municipalities import bundled_municipalities, search_key
from tests.unit.accounts.normalise.istat_corruptions import CORRUPTIONS, run


@pytest.fixture(scope="module")
def index():
    return bundled_index()


@pytest.fixture(scope="module")
def provinces():
    return {search_key(r.province_name): r.province_code for r in bundled_municipalities()}


# Written as typists shorten them -> the one comune of the province (or CAP) they fit.
SHORTENED = [
    ("Trezzano s/N", "MI", None, "015220"),  # Trezzano sul Naviglio, not Trezzano Rosa
    ("Trezzano S/N", "MI", None, "015220"),
    ("Trezzano s.N.", "MI", None, "015220"),
    ("Trezzano sul N.", "MI", None, "015220"),
    ("TREZZANO S/N", "MI", "20090", "015220"),
    ("Cernusco S/N", "MI", None, "015070"),
    ("S. Donato M.se", "MI", None, "015192"),
    ("Cinisello B.", "MI", None, "015077"),
    ("Ostra V.", "AN", "60010", "042036"),  # Ostra Vetere, not Ostra (same CAP)
    ("Lodi V.", "LO", None, "098032"),  # Lodi Vecchio, not Lodi
    ("Colleretto C.", "TO", None, "001091"),  # Castelnuovo, not Giacosa
    ("Vigliano B.", "BI", None, "096077"),  # Vigliano Biellese, not Tavigliano
    ("Monasterolo di S.", "CN", None, "004128"),
    ("Reggio Emilia", "RE", None, "035033"),  # the particle left out: Reggio nell'Emilia
    ("Cassano Adda", "MI", None, "015059"),
    ("Cassano", "MI", "20062", "015059"),  # words dropped, but province and CAP agree
]


@pytest.mark.parametrize(("name", "province", "postcode", "istat"), SHORTENED)
def test_shortened_names_are_read_within_the_province(index, name, province, postcode, istat):
    found = index.match(name, province, postcode)
    assert found.place is not None, found
    assert found.place.istat_code == istat
    assert found.method in {"exact", "shortened"}


# What could stand for more than one comune, or for a comune the clues do not back: flagged,
# with the candidates a person chooses from.
FLAGGED = [
    ("Trezzano", "MI", None, "ambiguous", {"Trezzano Rosa", "Trezzano sul Naviglio"}),
    ("Cassano", "MI", None, "not_found", {"Cassano d'Adda"}),  # words dropped, no CAP
    ("Burzolo", "TO", None, "tie", {"Bruzolo", "Burolo"}),  # one edit from each
    ("Segrate", "BG", None, "province_conflict", {"Segrate", "Seriate"}),
    ("Trezzano s/N", None, None, "not_found", set()),  # no province, no CAP: no guess
    ("Milanno", None, None, "not_found", set()),  # a near spelling from the whole country
]


@pytest.mark.parametrize(("name", "province", "postcode", "reason", "names"), FLAGGED)
def test_what_could_be_another_comune_is_flagged(index, name, province, postcode, reason, names):
    found = index.match(name, province, postcode)
    assert found.place is None, found
    assert found.reason == reason
    assert {c.name for c in found.candidates} == names


@pytest.mark.parametrize(
    ("written", "full", "shortened"),
    [
        ("cinisello b", "cinisello balsamo", True),
        ("trezzano s n", "trezzano sul naviglio", True),
        ("san donato m se", "san donato milanese", True),
        ("reggio emilia", "reggio nell emilia", True),  # a particle left out
        ("trezzano s n", "trezzano rosa", False),
        ("cassano", "cassano d adda", False),  # words dropped are not a shortening...
        ("b s", "borgo san", False),  # ... nor initials alone
    ],
)
def test_shortening_rule(written, full, shortened) -> None:
    assert shortens(written.split(), full.split()) is shortened


def test_a_province_the_comune_is_not_in_becomes_its_own_and_a_doubt(index, provinces):
    cleaned = clean_location(index, provinces, "Segrate", "BG", "20054")
    assert cleaned.values["istat_code"] == "015205"  # Segrate, by its CAP
    assert cleaned.values["province"] == "MI"
    assert [(f.field, f.value, f.reason) for f in cleaned.flags] == [
        ("province", "BG", "province_not_of_municipality")
    ]


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_no_silently_wrong_code_on_the_generators_comuni(index, kind) -> None:
    """Every comune of five provinces where near names abound (Bruzolo and Burolo, Ostra
    and Ostra Vetere, the two Trezzanos...), written each way; the harness's own run
    covers every province (docs/benchmarks.md)."""
    places = [p for p in bundled_places() if p.province in {"TO", "MI", "BI", "LO", "AN"}]
    wrong = [o for o in run(places, index, [kind]) if o.verdict == "silently wrong"]
    assert [(o.written, o.truth, o.found) for o in wrong[:10]] == []
