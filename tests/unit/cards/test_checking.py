"""The check step: the import's cleaning of the typed values, what it corrected and why,
and the doubts that block saving."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.cards.checking import check_card
from app.cards.fields import changed, typed
from tests.integration.imports.conftest import reference  # noqa: F401 - the bundled list


@pytest.fixture(autouse=True)
def english(app):
    with app.test_request_context(), force_locale("en"):
        yield


def test_the_corrections_are_shown_with_their_reasons(reference) -> None:  # noqa: F811
    check = check_card({"company_name": "autotrasporti rossi s.r.l.", "street": "v.le europa 7",
                        "postcode": "6121", "municipality": "perugia", "vat_number": "743110157",
                        "phone": "075 1234567"}, reference)  # fmt: skip
    assert check.ok and check.errors == []
    assert check.cleaned["company_name"] == "AUTOTRASPORTI ROSSI"
    assert (check.cleaned["legal_form"], check.cleaned["street"]) == ("SRL", "VIALE EUROPA")
    assert (check.cleaned["postcode"], check.cleaned["province"]) == ("06121", "PG")
    assert (check.cleaned["istat_code"], check.cleaned["vat_number"]) == ("054039", "00743110157")
    assert check.cleaned["phone"] == "+390751234567"
    why = {(c.field, c.reason) for c in check.corrections}
    assert {("street", "street_type_expanded"), ("postcode", "postcode_leading_zeros_restored"),
            ("vat_number", "vat_leading_zeros_restored"),
            ("legal_form", "legal_form_taken_from_name")} <= why  # fmt: skip
    texts = {c.text for c in check.corrections}
    assert "postcode: lost leading zeros restored" in texts


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"vat_number": "00743110158"}, "vat_number", "VAT number: wrong check digit."),
        ({"postcode": "20121", "municipality": "Bergamo"}, "postcode",
         "Postcode (CAP): postcode does not belong to the municipality."),
        ({"municipality": "Paperopoli"}, "municipality", "Municipality not found."),
        ({"email": "rossi@", "municipality": "Bergamo"}, "email", "Email not valid."),
        ({"last_purchase": "ieri"}, "last_purchase",
         "Last purchase: purchase date not understood."),
    ],
)  # fmt: skip
def test_what_the_typist_can_correct_blocks_saving(reference, values, field, message) -> None:  # noqa: F811
    check = check_card({"company_name": "Rossi Trasporti", **values}, reference)
    assert not check.ok
    assert [(p.field, p.text) for p in check.errors] == [(field, message)]


def test_a_card_without_a_name_or_with_a_value_too_long_is_refused(reference) -> None:  # noqa: F811
    assert [p.text for p in check_card({"phone": "035 224466"}, reference).errors] == [
        "Company name: type it, a card needs it."]  # fmt: skip
    long = check_card({"company_name": "R" * 201}, reference)
    assert [p.text for p in long.errors] == ["Company name: at most 200 characters."]


def test_a_doubt_only_a_call_settles_is_kept_for_a_new_card_not_an_edit(reference) -> None:  # noqa: F811
    values = {"company_name": "Rossi Trasporti", "phone": "347 123456"}
    new = check_card(values, reference)
    assert new.ok and [p.reason for p in new.doubts] == ["phone_mobile_too_short"]
    edit = check_card(values, reference, keep_doubts=False)
    assert [p.reason for p in edit.errors] == ["phone_mobile_too_short"]


def test_typed_values_and_changed_fields() -> None:
    assert typed({"company_name": " x ", "notes": "", "street": None, "bogus": "y"}, "new") == {
        "company_name": " x "}  # fmt: skip
    assert typed({"company_name": "x", "notes": "n"}, "edit") == {"company_name": "x"}
    baseline = {"company_name": "ROSSI", "email": "a@b.it", "phone": "+39035224466"}
    assert changed({"company_name": "ROSSI ", "email": "", "phone": "035 224466"}, baseline) == {
        "phone": "035 224466"}  # fmt: skip


def test_a_tonnage_class_is_shown_by_its_name_wherever_a_card_shows_values(app) -> None:
    from flask_babel import force_locale

    from app.cards.labels import card_value

    with app.test_request_context(), force_locale("it"):
        assert card_value("tonnage_class", "gt_16") == "oltre 16 t"
        assert card_value("tonnage_class", "not a class") == "not a class"
        assert card_value("street", "VIA ROMA") == "VIA ROMA"
        assert card_value("street", None) == ""
