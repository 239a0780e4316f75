"""Streets, house numbers, postcodes and provinces, with the spellings of real files."""

from __future__ import annotations

import pytest

from app.accounts.normalise.address import clean_postcode, clean_province, clean_street

PROVINCES = {"milano": "MI", "napoli": "NA", "bolzano": "BZ", "bozen": "BZ", "roma": "RM",
             "reggio nell emilia": "RE", "reggio emilia": "RE"}  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "street", "number"),
    [
        ("Via Roma 12", "VIA ROMA", "12"),
        ("V. Roma, 12", "VIA ROMA", "12"),
        ("V.Roma 12/A", "VIA ROMA", "12/A"),
        ("VIA ROMA 12 B", "VIA ROMA", "12B"),
        ("V.LE Europa 3", "VIALE EUROPA", "3"),
        ("v.le europa n. 3", "VIALE EUROPA", "3"),
        ("P.ZZA Garibaldi 1", "PIAZZA GARIBALDI", "1"),
        ("P.za Garibaldi", "PIAZZA GARIBALDI", None),
        ("C.SO Vittorio Emanuele II 101", "CORSO VITTORIO EMANUELE II", "101"),
        ("L.go Augusto 5", "LARGO AUGUSTO", "5"),
        ("Loc. Ponte Nuovo snc", "LOCALITÀ PONTE NUOVO", "SNC"),
        ("Fraz. San Pietro 4", "FRAZIONE SAN PIETRO", "4"),
        ("S.S. 16 km 12,500", "STRADA STATALE 16", "KM 12,500"),
        ("Via 4 Novembre", "VIA 4 NOVEMBRE", None),  # a date in the name is not a number
        ("Via XX Settembre 20", "VIA XX SETTEMBRE", "20"),
        ("Viale Monza 12-14", "VIALE MONZA", "12-14"),
        ("Via Gramsci 141 bis", "VIA GRAMSCI", "141 BIS"),  # bis, ter, quater: one number
        ("Via Gramsci 141/ter", "VIA GRAMSCI", "141 TER"),
        ("VIA GRAMSCI 7BIS", "VIA GRAMSCI", "7 BIS"),
        # Whole words are not abbreviations: "Vico", "Strada" stay as written.
        ("Strada Provinciale 35", "STRADA PROVINCIALE", "35"),
        ("Contrada Piano", "CONTRADA PIANO", None),
    ],
)
def test_streets_are_expanded_and_numbers_taken_apart(raw, street, number) -> None:
    cleaned = clean_street(raw)
    assert (cleaned.values["street"], cleaned.values["house_number"]) == (street, number)


def test_a_house_number_column_is_kept_and_the_street_left_whole() -> None:
    cleaned = clean_street("V. Roma", "12/a")
    assert cleaned.values == {"street": "VIA ROMA", "house_number": "12/A"}
    assert [(c.field, c.reason) for c in cleaned.changes] == [
        ("street", "street_type_expanded"),
        ("house_number", "house_number_split"),
    ]


def test_a_clean_street_records_nothing() -> None:
    cleaned = clean_street("VIA ROMA", "12")
    assert cleaned.changes == [] and cleaned.flags == []


@pytest.mark.parametrize(
    ("raw", "postcode", "reason"),
    [
        ("20121", "20121", None),
        (" 20121 ", "20121", "postcode_tidied"),
        ("100", "00100", "postcode_leading_zeros_restored"),  # Rome, after Excel
        ("6100", "06100", "postcode_leading_zeros_restored"),  # Perugia
        ("6100.0", "06100", "postcode_leading_zeros_restored"),
    ],
)
def test_postcodes(raw, postcode, reason) -> None:
    cleaned = clean_postcode(raw)
    assert cleaned.values["postcode"] == postcode and cleaned.flags == []
    assert [c.reason for c in cleaned.changes] == ([reason] if reason else [])


@pytest.mark.parametrize(
    ("raw", "flag"),
    [("2012", None), ("20", "postcode_wrong_length"), ("201211", "postcode_wrong_length"),
     ("I-20121", "postcode_not_digits"), ("MILANO", "postcode_not_digits")],
)  # fmt: skip
def test_bad_postcodes_are_kept_and_flagged(raw, flag) -> None:
    cleaned = clean_postcode(raw)
    assert [f.reason for f in cleaned.flags] == ([flag] if flag else [])
    if flag:
        assert cleaned.values["postcode"] == raw


@pytest.mark.parametrize(
    ("raw", "code", "reason", "flag"),
    [
        ("MI", "MI", None, None),
        ("mi", "MI", "province_tidied", None),
        ("(NA)", "NA", "province_tidied", None),  # Napoli: "NA" is a code, not a missing value
        ("Milano", "MI", "province_name_to_code", None),
        ("BOZEN", "BZ", "province_name_to_code", None),
        ("Reggio Emilia", "RE", "province_name_to_code", None),
        ("Atlantide", "Atlantide", None, "province_unknown"),
        (None, None, None, None),
    ],
)
def test_provinces(raw, code, reason, flag) -> None:
    cleaned = clean_province(raw, PROVINCES)
    assert cleaned.values["province"] == code
    assert [c.reason for c in cleaned.changes] == ([reason] if reason else [])
    assert [f.reason for f in cleaned.flags] == ([flag] if flag else [])
