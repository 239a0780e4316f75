"""A result's rules and its cells read as values: table-driven, with what salespeople and
CRMs actually write (docs/metrics.md, "Results after the hand-off")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale

from app.results import parsing
from app.results.parsing import CellRefused
from app.results.services import check_values, valid_source

TODAY = date(2026, 11, 20)
QUALIFIED = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context(), force_locale("en"):
        yield


def check(outcome="sold", day=date(2026, 11, 2), **kw):
    return check_values(outcome, day, qualified_on=QUALIFIED, today=TODAY, **kw)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"outcome": "sold", "day": None}, "A sale needs its date."),
        ({"day": date(2026, 11, 21)}, "The date 2026-11-21 is in the future."),
        (
            {"day": date(2026, 9, 30)},
            "The date 2026-09-30 is before the account was qualified (2026-10-01).",
        ),
        ({"vehicles": 0}, "Vehicles sold: a whole number from 1 to 10000."),
        ({"value": Decimal("-1")}, "Value sold: an amount in euros, 0 or more."),
        ({"outcome": "visited", "vehicles": 2}, "Only a sale has vehicles and a value sold."),
        (
            {"outcome": "offer_made", "value": Decimal(10)},
            "Only a sale has vehicles and a value sold.",
        ),
        ({"reason": "price"}, "Only a lost account has a reason it was lost."),
        ({"outcome": "lost"}, "Say why the account was lost: a reason from the list, or in words."),
        (
            {"outcome": "lost", "reason": "weather"},
            "Unknown reason weather: use one of price, competitor, no_budget, postponed, "
            "no_need, other.",
        ),
        (
            {"outcome": "won"},
            "Unknown result won: use one of visited, offer_made, sold, lost, not_reachable.",
        ),
    ],
)
def test_what_is_refused_and_why(values, message):
    assert message in check(**values)


@pytest.mark.parametrize(
    "values",
    [
        {},  # a sale with its date and nothing else
        {"vehicles": 3, "value": Decimal("184000.00")},
        {"value": Decimal(0)},  # a sale at no charge (a replacement) is a sale
        {"day": QUALIFIED},  # the day it was qualified
        {"day": TODAY},
        {"outcome": "visited", "day": None},  # today, then
        {"outcome": "lost", "reason": "competitor"},
        {"outcome": "lost", "notes": "Ha preso un usato"},
        {"outcome": "not_reachable"},
    ],
)
def test_what_is_accepted(values):
    assert check(**values) == []


def test_the_messages_are_italian_for_italians():
    with force_locale("it"):
        assert check(day=None) == ["Una vendita richiede la sua data."]


@pytest.mark.parametrize(
    ("source", "valid"),
    [
        ("salesperson_file", True),
        ("crm_extract", True),
        ("staff", True),
        ("api:hubspot", True),
        ("api:", False),
        ("hubspot", False),
        ("api:" + "x" * 61, False),
    ],
)
def test_sources(source, valid):
    assert valid_source(source) is valid


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.500,50", Decimal("12500.50")),
        ("12500,5", Decimal("12500.5")),
        ("12,500.50", Decimal("12500.50")),
        ("12500.5", Decimal("12500.5")),
        ("€ 12.500", Decimal(12500)),
        ("1.234.567", Decimal(1234567)),
        ("12.50", Decimal("12.50")),
        ("184000", Decimal(184000)),
        ("", None),
        ("  ", None),
    ],
)
def test_amounts_as_italians_and_programs_write_them(text, value):
    assert parsing.amount(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2026-11-05", date(2026, 11, 5)),
        ("2026-11-05T00:00:00", date(2026, 11, 5)),
        ("05/11/2026", date(2026, 11, 5)),
        ("5.11.26", date(2026, 11, 5)),
        ("05-11-2026", date(2026, 11, 5)),
        ("", None),
    ],
)
def test_days(text, value):
    assert parsing.day(text) == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Venduto", "sold"),
        ("venduto", "sold"),
        ("Sold", "sold"),
        ("sold", "sold"),
        ("Offerta fatta", "offer_made"),
        ("offer made", "offer_made"),
        ("OFFER_MADE", "offer_made"),
        ("Non raggiungibile", "not_reachable"),
        ("Perso", "lost"),
        ("", None),
    ],
)
def test_results_by_code_or_label_in_either_language(text, code):
    assert parsing.outcome(text) == code


def test_a_reason_of_the_list_or_in_words():
    assert parsing.reason("Prezzo") == ("price", None)
    assert parsing.reason("Bought from a competitor") == ("competitor", None)
    assert parsing.reason("Ha chiuso l'attività") == ("other", "Ha chiuso l'attività")
    assert parsing.reason("") == (None, None)


@pytest.mark.parametrize(
    ("reader", "text"),
    [
        (parsing.amount, "dodicimila"),
        (parsing.amount, "NaN"),
        (parsing.day, "31/02/2026"),
        (parsing.day, "domani"),
        (parsing.count, "2,5"),
        (parsing.count, "-1"),
        (parsing.outcome, "Forse"),
    ],
)
def test_cells_that_mean_nothing_are_refused_with_a_sentence(reader, text):
    with pytest.raises(CellRefused, match=r"\w+ \w+"):
        reader(text)
