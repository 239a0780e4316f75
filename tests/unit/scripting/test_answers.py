"""Answer validation with real Italian examples, and the "required to qualify" rule."""

from __future__ import annotations

import pytest
from stdnum import luhn

from app.scripting.answers import AnswerError, clean_answer, clean_answers, required_missing
from app.scripting.schema import Choice, Label, Question, QuestionType

Q = QuestionType


def vat(base: str) -> str:
    """A valid partita IVA from its first ten digits (office code 001-100)."""
    return base + luhn.calc_check_digit(base)


VALID_VAT = vat("1234567015")
OTHER_VAT = vat("0312345001")


def question(kind: QuestionType, **kw) -> Question:
    return Question(id="q", type=kind, label=Label("D", "Q"), **kw)


def choices(*values: str) -> tuple[Choice, ...]:
    return tuple(Choice(v, Label(v, v)) for v in values)


BRANDS = choices("iveco", "volvo", "other")


@pytest.mark.parametrize(
    ("q", "raw", "expected"),
    [
        (question(Q.PHONE), "02 1234 5678", "+390212345678"),
        (question(Q.PHONE), "+39 333 1234567", "+393331234567"),
        (question(Q.PHONE), "333 123 4567", "+393331234567"),
        (question(Q.PHONE), "0039 06 6982 1234", "+390669821234"),
        (question(Q.PHONE), "+390212345678", "+390212345678"),  # cleaning is stable
        (
            question(Q.EMAIL),
            " mario.rossi@Trasporti-Bianchi.IT ",
            "mario.rossi@trasporti-bianchi.it",
        ),
        (question(Q.VAT), VALID_VAT, VALID_VAT),
        (question(Q.VAT), f"IT {VALID_VAT[:5]} {VALID_VAT[5:]}", VALID_VAT),
        (question(Q.VAT), f"it{OTHER_VAT}", OTHER_VAT),
        (question(Q.INTEGER, min=1, max=500), "12", 12),
        (question(Q.INTEGER, min=1, max=500), 500, 500),
        (question(Q.INTEGER), "1 200", 1200),
        (question(Q.TEXT, pattern="[0-9]{5}"), " 20121 ", "20121"),
        (question(Q.TEXT), "   ", None),
        (question(Q.DATE), "15/03/2026", "2026-03-15"),
        (question(Q.DATE), "2026-03-15", "2026-03-15"),
        (question(Q.YES_NO), "sì", True),
        (question(Q.YES_NO), "no", False),
        (question(Q.YES_NO), False, False),
        (question(Q.CHOICE, choices=choices("3", "6")), "6", "6"),
        (question(Q.MULTI_CHOICE, choices=choices("a", "b")), ["b", "a", "b"], ["b", "a"]),
        (question(Q.MULTI_CHOICE, choices=choices("a", "b")), "", []),
        (
            question(Q.FLEET_TABLE, choices=BRANDS),
            [
                {"brand": "iveco", "vehicle_count": "4", "tonnage_class": "gt_16"},
                {"brand": "other", "brand_other": "Tatra", "vehicle_count": 1},
                {"brand": "", "vehicle_count": "", "tonnage_class": ""},  # empty last row
            ],
            [
                {
                    "brand": "iveco",
                    "brand_other": None,
                    "vehicle_count": 4,
                    "tonnage_class": "gt_16",
                },
                {
                    "brand": "other",
                    "brand_other": "Tatra",
                    "vehicle_count": 1,
                    "tonnage_class": None,
                },
            ],
        ),
    ],
)
def test_valid_answers_are_normalised(q, raw, expected):
    assert clean_answer(q, raw) == expected


@pytest.mark.parametrize(
    ("q", "raw", "message"),
    [
        (question(Q.PHONE), "2 1234 5678", "valid phone number"),  # landline without its 0
        (question(Q.PHONE), "12345", "valid phone number"),
        (question(Q.PHONE), "02/1234", "valid phone number"),  # issue 21: too short
        (question(Q.PHONE), "06 1234", "valid phone number"),
        (question(Q.PHONE), "+41 44 668 18 00", "valid phone number"),  # not Italian
        (question(Q.EMAIL), "mario.rossi@ditta.c0m", "valid e-mail"),  # as the import says
        (question(Q.EMAIL), "mario.rossi@ditta.i", "valid e-mail"),
        (question(Q.VAT), "1" * 11, "check its"),
        (question(Q.EMAIL), "mario.rossi@", "valid e-mail"),
        (question(Q.EMAIL), "mario rossi@ditta.it", "valid e-mail"),
        (question(Q.VAT), VALID_VAT[:-1] + str((int(VALID_VAT[-1]) + 1) % 10), "check its"),
        (question(Q.VAT), "1234567", "11 digits"),
        (question(Q.INTEGER, min=1, max=500), "0", "from 1 to 500"),
        (question(Q.INTEGER, min=1), "-3", "at least 1"),
        (question(Q.INTEGER, max=9), "10", "at most 9"),
        (question(Q.INTEGER), "dodici", "whole number"),
        (question(Q.INTEGER), True, "whole number"),
        (question(Q.TEXT, pattern="[0-9]{5}"), "2012", "expected form"),
        (question(Q.TEXT, maps_to="account.postcode"), "1" * 11, "within 10 characters"),
        (question(Q.DATE), "31/02/2026", "DD/MM/YYYY"),
        (question(Q.YES_NO), "forse", "yes or no"),
        (question(Q.CHOICE, choices=choices("3", "6")), "24", "listed options"),
        (question(Q.MULTI_CHOICE, choices=choices("a")), ["a", "z"], "listed options"),
        (
            question(Q.FLEET_TABLE, choices=BRANDS),
            [{"brand": "fiat", "vehicle_count": 2}],
            "Row 1: choose a brand",
        ),
        (
            question(Q.FLEET_TABLE, choices=BRANDS),
            [{"brand": "iveco", "vehicle_count": 2}, {"brand": "other", "vehicle_count": 2}],
            "Row 2: write the brand",
        ),
        (
            question(Q.FLEET_TABLE, choices=BRANDS),
            [{"brand": "volvo", "vehicle_count": 0}],
            "Row 1: Enter a number of at least 1",
        ),
        (
            question(Q.FLEET_TABLE, choices=BRANDS),
            [{"brand": "volvo", "vehicle_count": 3, "tonnage_class": "40t"}],
            "Row 1: choose a tonnage class",
        ),
        (question(Q.FLEET_TABLE, choices=BRANDS), "tre Iveco", "one row per brand"),
    ],
)
def test_invalid_answers_say_what_to_do(q, raw, message):
    with pytest.raises(AnswerError) as caught:
        clean_answer(q, raw)
    assert message.lower() in " ".join(caught.value.args).lower()


def test_every_bad_fleet_row_is_reported():
    q = question(Q.FLEET_TABLE, choices=BRANDS)
    with pytest.raises(AnswerError) as caught:
        clean_answer(q, [{"brand": "x", "vehicle_count": 1}, {"brand": "iveco"}])
    assert [m.split(":")[0] for m in caught.value.args] == ["Row 1", "Row 2"]


QUALIFIED = {
    "is_decision_maker": "yes",
    "company_name": "Trasporti Bianchi SRL",
    "street": "Via Roma",
    "municipality": "Milano",
    "province": "MI",
    "postcode": "20121",
    "has_trucks": "yes",
    "fleet_lines": [{"brand": "iveco", "vehicle_count": "3", "tonnage_class": "gt_16"}],
    "contact_name": "Mario Rossi",
    "contact_phone": "02 1234 5678",
    "purchase_horizon": "6",
    "vehicle_kind": "tractor_unit",
    "vehicle_quantity": "2",
}


def test_a_complete_call_misses_nothing(fleet_script):
    assert required_missing(fleet_script, clean_answers(fleet_script, QUALIFIED)) == []


def test_required_answers_depend_on_the_branch(fleet_script):
    no_trucks = {k: v for k, v in QUALIFIED.items() if k not in ("fleet_lines",)}
    no_trucks = {**no_trucks, "has_trucks": "no"}
    del no_trucks["purchase_horizon"], no_trucks["vehicle_kind"], no_trucks["vehicle_quantity"]
    assert (
        required_missing(fleet_script, clean_answers(fleet_script, no_trucks)) == []
    )  # hidden: never required
    assert required_missing(
        fleet_script, clean_answers(fleet_script, {**QUALIFIED, "fleet_lines": []})
    ) == ["fleet_lines"]
    no_plan = {**QUALIFIED, "purchase_horizon": "none", "vehicle_kind": "", "vehicle_quantity": ""}
    assert required_missing(fleet_script, clean_answers(fleet_script, no_plan)) == []
    assert required_missing(
        fleet_script, clean_answers(fleet_script, {**QUALIFIED, "vehicle_quantity": ""})
    ) == ["vehicle_quantity"]


def test_a_wrong_answer_to_a_required_question_counts_as_missing(fleet_script):
    assert required_missing(
        fleet_script, clean_answers(fleet_script, {**QUALIFIED, "contact_phone": "12"})
    ) == ["contact_phone"]


def test_not_the_decision_maker_asks_for_the_referral(fleet_script):
    answers = {**QUALIFIED, "is_decision_maker": "no"}
    assert required_missing(fleet_script, clean_answers(fleet_script, answers)) == [
        "referral_name",
        "referral_phone",
    ]


def test_clean_answers_drops_hidden_questions_and_their_errors(fleet_script):
    cleaned = clean_answers(
        fleet_script,
        {"has_trucks": "no", "fleet_lines": "nonsense", "contact_email": "bad@", "x": 1},
    )
    assert cleaned.values == {"has_trucks": False}
    assert cleaned.errors == {}  # the contact section waits for the opening answer
    cleaned = clean_answers(fleet_script, {"is_decision_maker": True, "contact_email": "bad@"})
    assert list(cleaned.errors) == ["contact_email"]
    assert not cleaned.ok
