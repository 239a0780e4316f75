"""Where a problem is in the file: the checker's dotted locations turned into the line and
column a person finds in an editor."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scripting.locations import key_positions, locate, locate_problems
from app.scripting.parser import check_script
from app.scripting.problems import Problem

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = (FIXTURES / "broken_rules.toml").read_text(encoding="utf-8")

TEXT = """\
# a comment
name = "mini"
title.it = "Mini"
title.en = 'Mini'
outcomes = [
  "qualified",   # first
  "callback",
]

[[sections]]
id = "main"
title = { it = "Principale", en = "Main" }

  [[sections.questions]]
  id = "first"
  type = "yes_no"

  [[sections.questions]]
  id = "second"
  label."it" = "Secondo # not a comment"
  choices = [
    { value = "a", label.it = "A", label.en = "A" },
    { value = "b", label = { it = "B", en = "B" } },
  ]
  show_if = { all = [ { question = "first", equals = true } ] }

[[sections]]
id = "other"
help.it = \"\"\"Una riga
e un'altra "tra virgolette"\"\"\"
  [[sections.questions]]
  id = "third"
"""


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("name", (2, 1)),
        ("title", (3, 1)),
        ("title.en", (4, 1)),
        ("outcomes", (5, 1)),
        ("outcomes[2]", (7, 3)),
        ("sections[1]", (10, 1)),
        ("sections[1].title.en", (12, 30)),
        ("sections[1].questions[1]", (14, 3)),
        ("sections[1].questions[1].type", (16, 3)),
        ("sections[1].questions[2].label.it", (20, 3)),
        ("sections[1].questions[2].choices[2]", (23, 5)),
        ("sections[1].questions[2].choices[2].label.en", (23, 40)),
        ("sections[1].questions[2].show_if.all[1].equals", (25, 45)),
        ("sections[2].help.it", (29, 1)),
        ("sections[2].questions[1].id", (32, 3)),
        # What is missing is reported where it should be: its table's header...
        ("sections[2].questions[1].label", (31, 3)),
        ("sections[1].questions[2].choices[2].label.it.x", (23, 30)),
        # ... or, for the script itself, the top of the file.
        ("sections", (10, 1)),
        ("colour", (1, 1)),
        ("", (1, 1)),
    ],
)
def test_a_location_is_found_at_its_line_and_column(location, expected):
    assert locate(key_positions(TEXT), location) == expected


def test_every_problem_of_the_broken_file_gets_its_line():
    located = locate_problems(BROKEN, check_script(BROKEN))
    by_location = {p.location: (p.line, p.column) for p in located}
    assert by_location["name"] == (2, 1)
    assert by_location["outcomes[2]"] == (4, 26)  # the item itself
    assert by_location["colour"] == (5, 1)
    assert by_location["sections[1].questions[2].type"] == (20, 3)
    assert by_location["sections[1].questions[3].id"] == (25, 3)
    assert by_location["sections[2].show_if.question"] == (36, 13)
    assert by_location["sections[2].questions[1].choices[2].value"] == (46, 7)
    assert by_location["sections[2].questions[3].show_if.any[1].question"] == (65, 24)
    assert all(p.line is not None for p in located)
    first = located[0]
    assert str(first).startswith("line 2, column 1: name: 'Broken Rules' must use only")


def test_a_syntax_error_keeps_the_position_toml_gives():
    text = (FIXTURES / "broken_syntax.toml").read_text(encoding="utf-8")
    (problem,) = locate_problems(text, check_script(text))
    assert (problem.line, problem.column) == (4, 19)
    assert problem.location == ""
    assert problem.message.startswith("TOML syntax error")
    assert str(problem).startswith("line 4, column 19: TOML syntax error")


def test_a_syntax_error_at_the_end_points_at_the_last_line():
    text = 'name = "x"\n[[sections]\n'
    (problem,) = locate_problems(text, check_script(text))
    assert problem.line is not None and problem.line >= 2
    end = 'name = "x"\ntitle = {'
    (problem,) = locate_problems(end, [Problem("end of document", "TOML syntax error: x")])
    assert (problem.line, problem.column) == (2, 10)


def test_problems_come_in_the_order_of_the_file():
    problems = [
        Problem("sections[1].questions[1].type", "c"),
        Problem("name", "a"),
        Problem("title.en", "b"),
        Problem("sections[1].questions[1].id", "b2"),  # before "type"...
        Problem("sections[1].questions[1]", "b3"),  # ...and after its table's header
    ]
    assert [p.message for p in locate_problems(TEXT, problems)] == ["a", "b", "b3", "b2", "c"]


@given(st.text(alphabet=st.sampled_from('ab=[]{}",.#\'\n \t"1'), max_size=200))
def test_any_text_is_scanned_without_failing(text):
    positions = key_positions(text)
    for line, column in positions.values():
        assert line >= 1 and column >= 1
    assert locate(positions, "sections[1].questions[1].type")[0] >= 1
