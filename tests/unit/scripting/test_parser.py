"""The script parser and checker: the shipped script, and every kind of mistake with its
location."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.accounts.models import Horizon, TonnageClass
from app.scripting.parser import ScriptError, check_script, parse_script
from app.scripting.schema import STANDARD_OUTCOMES, AllOf, Compare, QuestionType

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "call_scripts" / "fleet_qualification.toml"
FIXTURES = Path(__file__).parent / "fixtures"

MINIMAL = """
name = "mini"
title.it = "Mini"
title.en = "Mini"
outcomes = ["qualified", "callback"]

[[sections]]
id = "main"
title.it = "Principale"
title.en = "Main"
{section_extra}

  [[sections.questions]]
  id = "first"
  type = "yes_no"
  label.it = "Primo?"
  label.en = "First?"

  [[sections.questions]]
  id = "second"
  label.it = "Secondo"
  label.en = "Second"
{question_extra}
"""


def problems(question_extra: str = 'type = "text"', section_extra: str = "") -> list[str]:
    text = MINIMAL.format(question_extra=question_extra, section_extra=section_extra)
    return [str(p) for p in check_script(text)]


def test_the_shipped_script_covers_the_frame():
    script = parse_script(SHIPPED.read_text(encoding="utf-8"))
    assert script.name == "fleet_qualification"
    assert script.outcomes == STANDARD_OUTCOMES
    assert [s.id for s in script.sections] == [
        *("opening", "referral", "account", "fleet", "contact", "opportunity"),
    ]
    targets = {q.maps_to for q in script.questions()}
    frame = {
        *("account.company_name", "account.street", "account.municipality"),
        *("account.province", "account.postcode", "fleet.lines", "contact.full_name"),
        *("contact.job_title", "contact.phone", "contact.email", "opportunity.horizon"),
        *("opportunity.vehicle_kind", "opportunity.quantity"),
    }
    assert frame <= targets
    assert all(q.label.it and q.label.en for q in script.questions())
    horizon = script.question("purchase_horizon")
    assert set(horizon.choice_values) == set(Horizon)
    assert set(script.question("main_tonnage_class").choice_values) == set(TonnageClass)
    assert script.question("fleet_lines").type is QuestionType.FLEET_TABLE
    assert script.question("company_name").prefill


def test_conditions_are_parsed_into_comparisons():
    found = problems('type = "text"\nshow_if = { all = [{ question = "first", equals = false }] }')
    assert found == []
    script = parse_script(
        MINIMAL.format(
            question_extra='type = "text"\nshow_if = { all = [{ question = "first", '
            "equals = false }] }",
            section_extra="",
        )
    )
    assert script.question("second").show_if == AllOf((Compare("first", "equals", False),))


def test_a_toml_syntax_error_gives_line_and_column():
    found = check_script((FIXTURES / "broken_syntax.toml").read_text(encoding="utf-8"))
    assert len(found) == 1
    assert found[0].location == "line 4, column 19"
    assert "TOML syntax error" in found[0].message


def test_every_problem_of_a_broken_file_is_reported_with_its_location():
    found = [str(p) for p in check_script((FIXTURES / "broken_rules.toml").read_text("utf-8"))]
    expected = [
        "colour: unknown key 'colour'",
        "name: 'Broken Rules' must use only",
        "title.en: missing",
        "outcomes[2]: unknown outcome 'qualifed' (did you mean 'qualified'?)",
        "outcomes[3]: duplicate outcome 'qualified'",
        "sections[1].questions[1].lable: unknown key 'lable' (did you mean 'label'?)",
        "sections[1].questions[1].label: missing",
        "sections[1].questions[2].type: unknown type 'nmber' (choose one of: text, integer,",
        "sections[1].questions[3].min: only integer and fleet_table questions have min",
        "sections[1].questions[3].pattern: invalid regular expression",
        "sections[1].questions[3].id: duplicate id 'is_decision_maker' (already used at "
        "sections[1].questions[1])",
        "sections[2].show_if.question: 'horizon' comes later in the script",
        "sections[2].questions[1].choices[2].value: '24' is not a value of opportunity.horizon",
        "sections[2].questions[2].show_if.equals: 'yes' can never be an answer to "
        "'is_decision_maker' (true or false)",
        "sections[2].questions[2].maps_to: contact.email needs a question of type email",
        "sections[2].questions[3].show_if.any[1].question: unknown question 'ghost'",
        "sections[2].questions[3].min: min (10) is above max (1)",
        "sections[2].questions[3].maps_to: unknown target 'account.fleet_size'",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in found), (start, found)
    assert len(found) == len(expected) + 1  # plus the misspelt "label_en" key


@pytest.mark.parametrize(
    ("question_extra", "expected"),
    [
        ("", "sections[1].questions[2].type: missing (choose one of: text,"),
        ('type = "choice"', "sections[1].questions[2].choices: missing: a choice question"),
        (
            'type = "text"\nchoices = [{ value = "a", label.it = "A", label.en = "A" }]',
            "sections[1].questions[2].choices: a text question has no choices",
        ),
        (
            'type = "multi_choice"\nchoices = [{ value = "a", label.it = "A", label.en = "A" },'
            ' { value = "a", label.it = "B", label.en = "B" }]',
            "sections[1].questions[2].choices[2].value: duplicate choice 'a'",
        ),
        (
            'type = "integer"\nmin = "1"',
            "sections[1].questions[2].min: must be a whole number",
        ),
        (
            'type = "yes_no"\npattern = "x"',
            "sections[1].questions[2].pattern: only text questions have a pattern",
        ),
        ('type = "text"\nrequired = "yes"', "sections[1].questions[2].required: must be true"),
        (
            'type = "text"\nprefill = true',
            "sections[1].questions[2].prefill: prefill needs maps_to: where the value is",
        ),
        (
            'type = "text"\nshow_if = { question = "second", equals = "x" }',
            "sections[1].questions[2].show_if.question: 'second' refers to the question itself",
        ),
        (
            'type = "text"\nshow_if = { question = "first" }',
            "sections[1].questions[2].show_if: give exactly one of equals, not_equals, in",
        ),
        (
            'type = "text"\nshow_if = { question = "first", in = [] }',
            "sections[1].questions[2].show_if.in: must be a non-empty list",
        ),
        (
            'type = "text"\nshow_if = { question = "first", not_equals = 1 }',
            "sections[1].questions[2].show_if.not_equals: 1 can never be an answer",
        ),
        (
            'type = "text"\nshow_if = { any = [] }',
            "sections[1].questions[2].show_if.any: must be a non-empty list",
        ),
        (
            'type = "text"\nhelp.it = "Solo italiano"',
            "sections[1].questions[2].help.en: missing",
        ),
    ],
)
def test_each_kind_of_mistake_is_located(question_extra, expected):
    found = problems(question_extra)
    assert any(p.startswith(expected) for p in found), found


def test_a_condition_cannot_look_at_a_fleet_table():
    fleet = (
        'type = "fleet_table"\nchoices = [{ value = "iveco", label.it = "Iveco", '
        'label.en = "Iveco" }]'
    )
    text = MINIMAL.format(question_extra=fleet, section_extra="") + (
        '\n  [[sections.questions]]\n  id = "third"\n  type = "text"\n  label.it = "T"\n'
        '  label.en = "T"\n  show_if = { question = "second", equals = "iveco" }\n'
    )
    found = [str(p) for p in check_script(text)]
    assert found == [
        "sections[1].questions[3].show_if.equals: a condition cannot look at the fleet "
        "table 'second'"
    ]


def test_a_section_condition_may_look_at_an_earlier_section_only():
    found = problems(section_extra='show_if = { question = "first", equals = true }')
    assert found == [
        "sections[1].show_if.question: 'first' comes later in the script: conditions look only back"
    ]


def test_custom_outcome_codes_are_allowed_but_typos_are_not():
    assert problems() == []
    text = MINIMAL.format(question_extra='type = "text"', section_extra="")
    assert check_script(text.replace('"callback"]', '"appointment"]')) == []
    assert [str(p) for p in check_script(text.replace('"callback"]', '"calback"]'))] == [
        "outcomes[2]: unknown outcome 'calback' (did you mean 'callback'?)"
    ]


def test_parse_script_raises_with_every_problem():
    with pytest.raises(ScriptError) as caught:
        parse_script('name = "x"')
    locations = [p.location for p in caught.value.problems]
    assert locations == ["title", "outcomes", "sections"]
