import random
from collections import Counter

import phonenumbers
import pytest
from stdnum.it import iva

from app.accounts.invented import AREA_CODES
from app.demo.generator import (
    Place,
    generate_rows,
    make_fixed_phone,
    make_mobile_phone,
    make_vat,
)
from app.demo.network import DEALERS

PLACES = [
    Place("Milano", "MI", "Milano", "015", ("20121", "20122")),
    Place("Roma", "RM", "Roma", "058", ("00118", "00187")),
    Place("Cantù", "CO", "Como", "013", ("22063",)),
    Place("Monza", "MB", "Monza e della Brianza", "108", ("20900",)),
]


@pytest.fixture(scope="module")
def rows():
    return generate_rows(random.Random(7), PLACES, 1500)


def test_reproducible():
    a = generate_rows(random.Random(3), PLACES, 50)
    b = generate_rows(random.Random(3), PLACES, 50)
    assert [r.as_source() for r in a] == [r.as_source() for r in b]
    assert [r.key for r in a] == [r.key for r in b]


def test_count_and_unique_keys(rows):
    assert len(rows) == 1500
    assert len({r.key for r in rows}) == 1500


@pytest.mark.parametrize("province", sorted(AREA_CODES))
def test_fixed_phones_valid_for_every_area_code(province):
    rng = random.Random(province)
    for _ in range(5):
        number = phonenumbers.parse(make_fixed_phone(rng, province), "IT")
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE


def test_mobiles_valid():
    rng = random.Random(1)
    for _ in range(50):
        number = phonenumbers.parse(make_mobile_phone(rng), "IT")
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def test_vat_numbers_have_valid_check_digits():
    rng = random.Random(2)
    for istat in ("015", "058", "108", "063"):
        for _ in range(30):
            assert iva.is_valid(make_vat(rng, istat))


def test_clean_vat_numbers_valid_and_spoiled_ones_recorded(rows):
    for row in rows:
        if not row.vat_number:
            continue
        if "vat_bad_check" in row.defects or "vat_lost_zero" in row.defects:
            assert not iva.is_valid(row.vat_number)
        else:
            assert iva.is_valid(row.vat_number), row


def test_defects_left_in_on_purpose(rows):
    defects = Counter(d for r in rows for d in r.defects)
    for kind in (
        "duplicate",
        "cap_lost_zero",
        "province_full_name",
        "municipality_upper",
        "municipality_typo",
        "street_abbreviated",
        "vat_bad_check",
        "vat_missing",
        "phone_lost_zero",
        "name_upper",
    ):
        assert defects[kind] > 0, kind
    assert 0.02 < defects["duplicate"] / len(rows) < 0.09


def test_duplicates_point_to_an_earlier_row_in_the_same_place(rows):
    by_key = {r.key: r for r in rows}
    for row in rows:
        if row.duplicate_of:
            original = by_key[row.duplicate_of]
            assert original.true_province == row.true_province
            assert row.phones[0] == original.phones[0] or row.vat_number == original.vat_number


def test_lost_zero_postcodes_only_where_a_zero_was(rows):
    for row in rows:
        if "cap_lost_zero" in row.defects:
            assert len(row.postcode) < 5 and row.true_province == "RM"


def test_network_shape():
    assert len(DEALERS) == 8
    assert len({zone for _, _, zone, *_ in DEALERS}) == 3
    covered = [p for *_, provinces in DEALERS for p in provinces]
    assert len(covered) == len(set(covered))  # no province served by two dealers
    assert set(covered) == set(AREA_CODES)


def test_multi_word_names_stay_whole():
    from app.accounts.invented import STREET_NAMES, SURNAMES

    assert "De Luca" in SURNAMES and "De" not in SURNAMES
    assert "Vittorio Veneto" in STREET_NAMES and "delle" not in STREET_NAMES
