"""The suggested fix of each doubt an import leaves: table-driven, from what the import
itself does to real Italian rows (the account holds what ``clean_location`` wrote)."""

from __future__ import annotations

import pytest

from app.accounts.normalise.location import clean_location
from app.accounts.normalise.municipality import bundled_index
from app.imports.pipeline import Reference
from app.imports.suggestions import RULES, Suggestion, suggest
from app.territory.municipalities import bundled_municipalities, search_key


@pytest.fixture(scope="module")
def ref() -> Reference:
    provinces = {search_key(r.province_name): r.province_code for r in bundled_municipalities()}
    return Reference(bundled_index(), provinces, None)


# (municipality, province, postcode as the file wrote them) -> the doubt the import
# raises, and the fix suggested: its text, and what it writes ({}: the account's value).
LOCATION_CASES = [
    # The province is unknown, the comune matched: its province is already on the account.
    (("Monza", "XX", "20900"), "province_unknown", ("MB", {})),
    # Segrate's CAP, Bergamo's province: Segrate is in Milan's, and the account says so.
    (("Segrate", "BG", "20054"), "province_not_of_municipality", ("MI", {})),
    # A CAP cut to two digits: the import completed it from the comune's only CAP.
    (("Cernusco sul Naviglio", "MI", "20"), "postcode_wrong_length", ("20063", {})),
    # A CAP of another comune, the comune has one CAP: that one.
    (("Cernusco sul Naviglio", "MI", "20100"), "postcode_not_of_municipality",
     ("20063", {"postcode": "20063"})),
    # Bergamo has nine CAPs: no guess.
    (("Bergamo", "BG", "20100"), "postcode_not_of_municipality", None),
    # Monza was in Milan's province until 2004: the one Monza in Italy is in MB.
    (("Monza", "MI", None), "municipality_province_conflict",
     ("Monza (MB)", {"municipality": "Monza", "province": "MB"})),
    # ... but a postcode that is not Monza's contradicts it.
    (("Monza", "MI", "20100"), "municipality_province_conflict", None),
    # Nearest in spelling is no fix: "Cassano" is nearer to Assago than to Cassano d'Adda.
    (("Cassano", "MI", None), "municipality_not_found", None),
    # Without a province or a postcode, never a guess from the whole country.
    (("Cinisello B.", None, None), "municipality_not_found", None),
    # Two Castros in Italy, no clue: a person decides.
    (("Castro", None, None), "municipality_ambiguous", None),
]  # fmt: skip


@pytest.mark.parametrize(("written", "reason", "expected"), LOCATION_CASES)
def test_location_doubts(ref, written, reason, expected) -> None:
    cleaned = clean_location(ref.index, ref.provinces, *written)
    flag = next(f for f in cleaned.flags if f.reason == reason)
    found = suggest(flag.reason, flag.value, cleaned.values, ref)
    assert found == (None if expected is None else Suggestion(expected[0], expected[1]))


# Shortened names, within the province: an import now reads them itself (the matcher's
# ``shortened``), so these doubts are the ones raised before it did, the name left as written.
SHORTENED_CASES = [
    (("Cinisello B.", "MI", None),
     ("Cinisello Balsamo (MI)", {"municipality": "Cinisello Balsamo", "province": "MI"})),
    (("Cernusco S/N", "MI", None),
     ("Cernusco sul Naviglio (MI)", {"municipality": "Cernusco sul Naviglio", "province": "MI"})),
    (("Trezzano s/N", "MI", None),
     ("Trezzano sul Naviglio (MI)", {"municipality": "Trezzano sul Naviglio", "province": "MI"})),
    (("S. Donato M.se", "MI", None),
     ("San Donato Milanese (MI)", {"municipality": "San Donato Milanese", "province": "MI"})),
    (("Bolzano Vic.", "VI", None),
     ("Bolzano Vicentino (VI)", {"municipality": "Bolzano Vicentino", "province": "VI"})),
    (("Cassano", "MI", None), None),  # words dropped, no CAP to back them
    (("Trezzano", "MI", None), None),  # Trezzano Rosa or sul Naviglio
    (("Cinisello B.", None, None), None),  # no province, no CAP
]  # fmt: skip


@pytest.mark.parametrize(("written", "expected"), SHORTENED_CASES)
def test_shortened_names_left_by_earlier_imports(ref, written, expected) -> None:
    name, province, postcode = written
    account = {"municipality": name, "province": province, "postcode": postcode}
    found = suggest("municipality_not_found", name, account, ref)
    assert found == (None if expected is None else Suggestion(expected[0], expected[1]))


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("mario.rossi@gmail,com", "mario.rossi@gmail.com"),
        ("Mario Rossi@Libero.it", "mariorossi@libero.it"),
        ("mailto:info@trasporti-neri.it", "info@trasporti-neri.it"),
        ("info(at)neri.it", "info@neri.it"),
        ("info@neri..it", "info@neri.it"),
        ("<info@neri.it>", "info@neri.it"),
        ("info@neri", None),  # no domain ending: nothing to guess
        ("a@b.it; c@d.it", None),  # two addresses: a person chooses
        ("telefonare", None),
    ],
)
def test_email_slips(ref, raw, fixed) -> None:
    found = suggest("email_invalid", raw, {"email": raw}, ref)
    assert found == (None if fixed is None else Suggestion(fixed, {"email": fixed}))


def test_legal_form_found_in_the_name(ref) -> None:
    account = {"company_name": "NERI", "legal_form": "SRL"}
    assert suggest("legal_form_unknown", "S.R.LL", account, ref) == Suggestion("SRL")
    assert suggest("legal_form_unknown", "S.R.LL", {"legal_form": None}, ref) is None


def test_reasons_only_a_person_can_answer(ref) -> None:
    for reason in ("vat_check_digit_wrong", "tax_code_invalid", "phone_invalid",
                   "company_name_missing", "municipality_ambiguous"):  # fmt: skip
        assert reason not in RULES
        assert suggest(reason, "x", {"istat_code": "108033"}, ref) is None


def test_the_fingerprint_follows_the_fix() -> None:
    one = Suggestion("20063", {"postcode": "20063"})
    assert one.token == Suggestion("20063", {"postcode": "20063"}).token
    assert one.token != Suggestion("20064", {"postcode": "20064"}).token
    assert one.token != Suggestion("20063").token


def test_without_a_municipality_reference_only_what_needs_no_comune() -> None:
    assert (
        suggest("province_unknown", "XX", {"istat_code": "108033", "province": "MB"}, None) is None
    )
    assert suggest("municipality_not_found", "Cinisello B.", {"province": "MI"}, None) is None
    assert suggest("email_invalid", "a@b,it", {"email": "a@b,it"}, None) == Suggestion(
        "a@b.it", {"email": "a@b.it"}
    )
