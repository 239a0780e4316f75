"""Phone repair: a lost leading zero is given back only where the account's province says
so; premium and special numbers are kept aside; no mobile comes out of a repair."""

from __future__ import annotations

import pytest

from app.accounts.models import PhoneKind
from app.accounts.normalise.municipality import bundled_index
from app.imports.records import make_record, split_phones
from app.territory.municipalities import bundled_municipalities, search_key

F, M, OTHER, S, X = (PhoneKind.FIXED, PhoneKind.MOBILE, PhoneKind.OTHER, PhoneKind.SPECIAL,
                 PhoneKind.INVALID)  # fmt: skip


@pytest.fixture(scope="module")
def reference():
    provinces = {search_key(r.province_name): r.province_code for r in bundled_municipalities()}
    return bundled_index(), provinces


def cleaned(reference, raw: str, municipality: str, province: str):
    row = {"company_name": "Rossi SRL", "municipality": municipality, "province": province,
           "phone": raw}  # fmt: skip
    record = make_record(1, row, *reference)
    (phone,) = record.phones
    changes = [(c.field, c.before, c.after, c.reason) for c in record.changes
               if c.reason.startswith("phone")]  # fmt: skip
    flags = [(f.field, f.value, f.reason) for f in record.flags]
    return phone, changes, flags


# A landline that lost its 0, in a comune of its area's province: the 0 comes back, as a
# landline, with the correction recorded.
@pytest.mark.parametrize(
    ("raw", "municipality", "province", "e164"),
    [
        ("363957514", "Treviglio", "BG", "+390363957514"),  # read today as a mobile 363...
        ("899411734", "Salerno", "SA", "+390899411734"),  # read today as a premium 899...
        ("358373996", "Bergamo", "BG", "+390358373996"),  # 035: a "mobile" 358... today
        ("394003614", "Monza", "MB", "+390394003614"),  # 039 is Monza's, in Brianza
        ("332 206105", "Varese", "VA", "+390332206105"),
        ("2 1234567", "Milano", "MI", "+39021234567"),  # invalid as written
        ("522417133", "Reggio nell'Emilia", "RE", "+390522417133"),
        ("883 123456", "Barletta", "BT", "+390883123456"),  # Andria's area, BT's comune
    ],
)
def test_a_lost_zero_is_restored_in_its_own_province(reference, raw, municipality, province, e164):
    phone, changes, flags = cleaned(reference, raw, municipality, province)
    assert (phone.raw, phone.e164, phone.kind) == (raw, e164, F)
    assert changes == [("phone", raw, e164, "phone_leading_zero_restored")]
    assert flags == []


# Read with a 0 the number would be a landline of another province: nothing tells which
# it is, so nothing is guessed, and nothing callable is stored.
@pytest.mark.parametrize(
    ("raw", "municipality", "province", "reason"),
    [
        ("363957514", "Milano", "MI", "phone_mobile_or_landline"),  # 0363 is Treviglio's
        ("358373996", "Torino", "TO", "phone_mobile_or_landline"),
        ("2 1234567", "Roma", "RM", "phone_invalid"),
        ("522417133", "", "", "phone_invalid"),  # no province to check the area against
    ],
)
def test_a_lost_zero_outside_its_province_is_a_doubt(reference, raw, municipality, province,
                                                     reason):  # fmt: skip
    phone, changes, flags = cleaned(reference, raw, municipality, province)
    assert (phone.raw, phone.e164, phone.kind) == (raw, None, X)
    assert changes == [] and flags == [("phone", raw, reason)]


# Premium, shared-cost, toll-free, personal and voicemail numbers are real numbers, but no
# agent calls them: kept with their number (for matching and the do-not-call list),
# marked special, flagged.
@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("899411734", "+39899411734"),  # premium, in Milan (not Salerno's 089)
        ("892 123", "+39892123"),  # premium, six digits
        ("166 123456", "+39166123456"),  # premium
        ("848 123456", "+39848123456"),  # shared cost
        ("800 123456", "+39800123456"),  # toll free: never "080 0123456"
        ("199 123456", "+39199123456"),  # personal number at a surcharge
        ("178 1234567", "+391781234567"),  # personal number
        ("331 01234501", "+3933101234501"),  # voicemail deposit
    ],
)
def test_special_numbers_are_kept_aside_and_flagged(reference, raw, e164) -> None:
    phone, changes, flags = cleaned(reference, raw, "Milano", "MI")
    assert (phone.e164, phone.kind) == (e164, S)
    assert changes == [] and flags == [("phone", raw, "phone_not_callable")]


def test_a_toll_free_number_in_bari_is_not_made_a_bari_landline(reference) -> None:
    phone, changes, flags = cleaned(reference, "800123456", "Bari", "BA")
    assert (phone.e164, phone.kind) == ("+39800123456", S)
    assert changes == [] and flags == [("phone", "800123456", "phone_not_callable")]


# Nine-digit mobiles exist only among TIM's oldest numbers (33x, 36x); any other nine-digit
# "mobile" is a doubt, never a callable number.
def test_a_nine_digit_mobile_outside_tim_s_old_blocks_is_a_doubt(reference) -> None:
    phone, changes, flags = cleaned(reference, "347123456", "Milano", "MI")
    assert (phone.e164, phone.kind) == (None, X)
    assert changes == [] and flags == [("phone", "347123456", "phone_mobile_too_short")]


# What is right as written stays as it is.
@pytest.mark.parametrize(
    ("raw", "municipality", "province", "e164", "kind"),
    [
        ("335 022670", "Milano", "MI", "+39335022670", M),  # an old TIM nine-digit mobile
        ("3351234567", "Treviglio", "BG", "+393351234567", M),
        ("392 1234567", "Monza", "MB", "+393921234567", M),  # not "039 21234567"
        ("0363 957514", "Milano", "MI", "+390363957514", F),  # written whole: kept
        ("55 12345678", "Milano", "MI", "+395512345678", OTHER),  # VoIP: an ordinary line
        ("+44 20 7946 0958", "Milano", "MI", "+442079460958", F),
    ],
)
def test_numbers_right_as_written_are_kept(reference, raw, municipality, province, e164, kind):
    phone, changes, flags = cleaned(reference, raw, municipality, province)
    assert (phone.e164, phone.kind) == (e164, kind)
    assert changes == [] and flags == []


@pytest.mark.parametrize(
    ("cell", "numbers"),
    [
        # area code / number, then a mobile after a spaced slash (the generated files' form)
        ("0398/133029 / 3299520348", ["0398/133029", "3299520348"]),
        ("0522 / 417133", ["0522 / 417133"]),  # a spaced slash inside one number
        ("02/1234567/3331234567", ["02/1234567", "3331234567"]),
    ],
)
def test_a_short_piece_before_a_slash_is_an_area_code(cell, numbers) -> None:
    assert split_phones(cell) == numbers
