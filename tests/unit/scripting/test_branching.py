"""Branching: what the agent sees follows the earlier answers, and only those shown."""

from __future__ import annotations

import pytest

from app.scripting.branching import holds, visible, visible_ids
from app.scripting.schema import AllOf, AnyOf, Compare

REFERRAL = {"referral_name", "referral_role", "referral_phone", "callback_when"}
CONTACT = {
    *("contact_name", "contact_role", "contact_is_purchasing_manager"),
    *("contact_phone", "contact_email"),
}
FLEET_DETAIL = {"fleet_lines", "main_tonnage_class"}
OPPORTUNITY = {"purchase_horizon", "vehicle_kind", "vehicle_quantity", "opportunity_notes"}


@pytest.mark.parametrize(
    ("answers", "shown", "hidden"),
    [
        # Nothing answered yet: every branch waits for the answer that opens it.
        ({}, {"has_trucks"}, REFERRAL | CONTACT | FLEET_DETAIL | OPPORTUNITY),
        ({"is_decision_maker": False}, REFERRAL, CONTACT),
        ({"is_decision_maker": True}, CONTACT, REFERRAL),
        ({"has_trucks": False}, {"has_trucks"}, FLEET_DETAIL | OPPORTUNITY),
        ({"has_trucks": True}, FLEET_DETAIL | {"purchase_horizon"}, {"vehicle_kind"}),
        (
            {"has_trucks": True, "purchase_horizon": "6"},
            {"vehicle_kind", "vehicle_quantity"},
            set(),
        ),
        (
            {"has_trucks": True, "purchase_horizon": "none"},
            {"opportunity_notes"},
            {"vehicle_kind", "vehicle_quantity"},
        ),
        # A hidden question's answer does not open what depends on it.
        (
            {"has_trucks": False, "purchase_horizon": "3"},
            set(),
            {"vehicle_kind", "vehicle_quantity"},
        ),
    ],
)
def test_shipped_script_branches(fleet_script, answers, shown, hidden):
    ids = visible_ids(fleet_script, answers)
    assert shown <= ids
    assert not hidden & ids
    assert {"is_decision_maker", "company_name", "postcode"} <= ids  # always asked


def test_hidden_sections_are_left_out_in_order(fleet_script):
    answers = {"is_decision_maker": False, "has_trucks": True}
    sections = [s.id for s, _q in visible(fleet_script, answers)]
    assert sections == ["opening", "referral", "account", "fleet", "opportunity"]
    sections = [s.id for s, _q in visible(fleet_script, {"has_trucks": False})]
    assert sections == ["opening", "account", "fleet"]


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        (Compare("a", "equals", False), {"a": False}, True),
        (Compare("a", "equals", False), {}, False),
        (Compare("a", "equals", False), {"a": 0}, False),  # 0 is not "no"
        (Compare("a", "not_equals", False), {}, True),
        (Compare("a", "not_equals", False), {"a": True}, True),
        (Compare("a", "in", ["3", "6"]), {"a": "6"}, True),
        (Compare("a", "in", ["3", "6"]), {"a": "12"}, False),
        (Compare("a", "in", ["3", "6"]), {}, False),
        (Compare("m", "equals", "iveco"), {"m": ["volvo", "iveco"]}, True),
        (Compare("m", "not_equals", "iveco"), {"m": ["volvo"]}, True),
        (Compare("m", "in", ["man", "daf"]), {"m": ["volvo", "daf"]}, True),
        (Compare("m", "in", ["man", "daf"]), {"m": []}, False),
        (AllOf((Compare("a", "equals", 1), Compare("b", "equals", 2))), {"a": 1, "b": 2}, True),
        (AllOf((Compare("a", "equals", 1), Compare("b", "equals", 2))), {"a": 1, "b": 3}, False),
        (AnyOf((Compare("a", "equals", 1), Compare("b", "equals", 2))), {"b": 2}, True),
        (AnyOf((Compare("a", "equals", 1), Compare("b", "equals", 2))), {}, False),
        (None, {}, True),
    ],
)
def test_conditions(condition, answers, expected):
    assert holds(condition, answers) is expected
