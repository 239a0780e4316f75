"""Which addresses are one site, and what a source's site column says."""

from __future__ import annotations

import pytest

from app.accounts.sites import HEAD_OFFICE, OTHER_SITE, Place, place_index, same_place, site_kind

ROMA = Place("VIA ROMA", "12", "06121", "Perugia", "PG", "054039")


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (ROMA, True),
        (Place("VIA ROMA", "12", None, "PERUGIA", None, None), True),  # the town by name
        (Place(None, None, None, "Perugia", "PG", "054039"), True),  # the town only: fits
        (Place("VIA ROMA", None, "06100", None, None, None), True),  # a wrong CAP is no site
        (Place("VIA ROMAA", "12", None, "Perugia", None, "054039"), True),  # a typo
        (Place("VIA ROMA", "12 A", None, "Perugia", None, "054039"), False),
        (Place("VIA ROMA", "14", None, "Perugia", None, "054039"), False),
        (Place("VIA SETTEVALLI", "12", None, "Perugia", None, "054039"), False),
        (Place("VIA ROMA", "12", "20121", "Milano", "MI", "015146"), False),
        (Place("VIA ROMA", "12", None, "Perugina", None, None), True),  # a misspelt town
        (Place("VIA ROMA", "12", None, "Foligno", None, None), False),
    ],
)
def test_same_place(other, same):
    assert same_place(ROMA, other) is same
    assert same_place(other, ROMA) is same


def test_a_row_without_an_address_is_no_site():
    assert place_index([ROMA], Place()) is None
    assert place_index([ROMA], Place(municipality="Perugia")) == 0


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Sede legale", HEAD_OFFICE), ("SEDE LEGALE", HEAD_OFFICE), ("S.L.", HEAD_OFFICE),
        ("Sede principale", HEAD_OFFICE), ("Head office", HEAD_OFFICE),
        ("Filiale", OTHER_SITE), ("U.L.", OTHER_SITE), ("Unità locale", OTHER_SITE),
        ("sede operativa", OTHER_SITE), ("Deposito", OTHER_SITE), ("Magazzino", OTHER_SITE),
        ("", None), (None, None), ("boh", None),
    ],
)  # fmt: skip
def test_site_kind(text, kind):
    assert site_kind(text) == kind
