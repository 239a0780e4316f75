"""Municipalities matched to their ISTAT code against the bundled ISTAT list."""

from __future__ import annotations

import pytest

from app.accounts.normalise.location import clean_location
from app.accounts.normalise.municipality import bundled_index, name_variants
from app.territory.municipalities import bundled_municipalities, search_key


@pytest.fixture(scope="module")
def index():
    return bundled_index()


@pytest.fixture(scope="module")
def provinces():
    names = {}
    for row in bundled_municipalities():
        names[search_key(row.province_name)] = row.province_code
    return names


@pytest.mark.parametrize(
    ("name", "province", "postcode", "istat", "method"),
    [
        ("Cantù", "CO", None, "013041", "exact"),
        ("CANTU'", None, None, "013041", "exact"),  # apostrophe for the accent
        ("S. Giovanni Rotondo", "FG", None, "071046", "exact"),
        ("S.Angelo Lodigiano", "LO", None, "098050", "exact"),
        ("SANT ANGELO LODIGIANO", None, None, "098050", "exact"),
        ("Bozen", None, None, "021008", "exact"),  # the German name of Bolzano
        ("Samone (TO)", None, None, "001235", "exact"),  # the province written in the name
        ("Castro", "LE", None, "075096", "exact"),
        ("Napoli", "NA", "80133", "063049", "exact"),  # NA is Napoli's code, not "missing"
        ("Milano", None, "20121", "015146", "exact"),
        ("Bergmo", "BG", None, "016024", "fuzzy"),  # a typo, within the province
        ("Reggio Emilia", "RE", None, "035033", "shortened"),  # Reggio nell'Emilia
    ],
)
def test_names_are_matched_with_every_clue(index, name, province, postcode, istat, method):
    found = index.match(name, province, postcode)
    assert found.place is not None, found
    assert (found.place.istat_code, found.method) == (istat, method)


@pytest.mark.parametrize(
    ("name", "province", "reason", "candidates"),
    [
        ("Castro", None, "ambiguous", {"BG", "LE"}),  # two comuni, no clue: review
        ("Samone", None, "ambiguous", {"TN", "TO"}),
        ("Mestre", None, "not_found", set()),  # a frazione, never the comune "Re"
        ("Bergamo", "MI", "province_conflict", {"BG"}),  # exists, but not where it is said
        ("Atlantide", "MI", "not_found", set()),
    ],
)
def test_what_cannot_be_decided_is_not_guessed(index, name, province, reason, candidates):
    found = index.match(name, province)
    assert found.place is None
    assert found.reason == reason
    assert {c.province_code for c in found.candidates} == candidates


def test_saint_abbreviations_stand_for_every_form() -> None:
    assert name_variants("S. Giorgio") >= {"san giorgio", "santa giorgio", "sant giorgio"}
    assert "santa teresa gallura" in name_variants("Sta Teresa Gallura")


def test_location_fills_and_checks_the_fields(index, provinces) -> None:
    cleaned = clean_location(index, provinces, "CANTU'", None, "22063")
    assert cleaned.values == {
        "postcode": "22063", "province": "CO", "municipality": "Cantù", "istat_code": "013041",
    }  # fmt: skip
    assert [(c.field, c.reason) for c in cleaned.changes] == [
        ("municipality", "municipality_matched_exact"),
        ("province", "province_from_municipality"),
    ]
    assert cleaned.flags == []


def test_location_flags_a_postcode_of_another_comune(index, provinces) -> None:
    cleaned = clean_location(index, provinces, "Roma", "RM", "20121")
    assert cleaned.values["istat_code"] == "058091"
    assert [(f.field, f.reason) for f in cleaned.flags] == [
        ("postcode", "postcode_not_of_municipality")
    ]


def test_location_flags_an_ambiguous_name_for_review(index, provinces) -> None:
    cleaned = clean_location(index, provinces, "Castro", None, None)
    assert cleaned.values["istat_code"] is None and cleaned.values["municipality"] == "Castro"
    assert [(f.field, f.reason) for f in cleaned.flags] == [
        ("municipality", "municipality_ambiguous")
    ]


def test_location_restores_the_postcode_and_reads_the_province_name(index, provinces) -> None:
    cleaned = clean_location(index, provinces, "Roma", "Roma", "100")
    assert (cleaned.values["postcode"], cleaned.values["province"]) == ("00100", "RM")
    assert cleaned.values["istat_code"] == "058091"


def test_a_cap_that_lost_three_zeros_comes_back_when_the_comune_has_it(index, provinces) -> None:
    cleaned = clean_location(index, provinces, "Formello", "RM", "60")  # 00060
    assert cleaned.values["postcode"] == "00060" and cleaned.flags == []
    assert ("postcode", "postcode_leading_zeros_restored") in [
        (c.field, c.reason) for c in cleaned.changes
    ]
    unknown = clean_location(index, provinces, "Formello", "RM", "61")  # not Formello's
    assert [(f.field, f.reason) for f in unknown.flags] == [("postcode", "postcode_wrong_length")]
