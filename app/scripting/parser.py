"""Read a call script from TOML and check it, reporting every problem with where it is.

A script is edited by people who are not programmers, so the checker never stops at the
first mistake: it walks the whole file and lists each problem as ``location: message``,
e.g. ``sections[2].questions[1].type: unknown type 'nmber' (...)``. Positions count from
1, in the order the file lists them.

The checker reads the file top down, one level per module: the script and its sections
here, questions in ``questions.py``, conditions in ``conditions.py``, single values in
``fields.py``; ``problems.py`` words what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.scripting.fields import ID_RE
from app.scripting.problems import Problem, ScriptError, join, near
from app.scripting.questions import QuestionReader
from app.scripting.schema import STANDARD_OUTCOMES, Label, Script, Section
from app.scripting.toml_errors import toml_detail

__all__ = ["Problem", "ScriptError", "check_script", "parse_script"]

SCRIPT_KEYS = ("name", "title", "outcomes", "sections")
SECTION_KEYS = ("id", "title", "help", "show_if", "questions")

NAME_RE = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*")
TOML_POSITION_RE = re.compile(r"\s*\(at (line \d+, column \d+|end of document)\)$")


def parse_script(text: str) -> Script:
    """The script described by ``text``, or ``ScriptError`` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScriptError([_syntax_problem(exc)]) from exc
    reader = _ScriptReader()
    script = reader.script(data)
    if reader.problems:
        raise ScriptError(reader.problems)
    return script


def check_script(text: str) -> list[Problem]:
    """Every problem of the script in ``text``; empty when it can be loaded."""
    try:
        parse_script(text)
    except ScriptError as exc:
        return exc.problems
    return []


def _syntax_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    message = str(exc)
    match = TOML_POSITION_RE.search(message)
    location = match.group(1) if match else ""
    detail = message[: match.start()] if match else message
    return Problem(location, _("TOML syntax error: %(detail)s", detail=toml_detail(detail)))


@dataclass
class _ScriptReader(QuestionReader):
    """One pass over the parsed TOML that builds the script and collects problems."""

    def script(self, data: dict[str, Any]) -> Script:
        self.keys(data, SCRIPT_KEYS, "")
        name = self.text(data, "name", "")
        if name and not NAME_RE.fullmatch(name):
            self.error(
                "name",
                _("'%(name)s' must use only a-z, 0-9, '-' and '_' (a file-like name)", name=name),
            )
        elif len(name) > 80:
            self.error("name", _("must be at most 80 characters"))
        title = self.label(data, "title", "")
        outcomes = self.outcomes(data.get("outcomes"))
        raw_sections = data.get("sections")
        if not isinstance(raw_sections, list) or not raw_sections:
            self.error("sections", _("missing: a script needs at least one [[sections]]"))
            raw_sections = []
        self.collect_ids(raw_sections)
        sections = [self.section(raw, f"sections[{n}]") for n, raw in enumerate(raw_sections, 1)]
        section_ids: dict[str, str] = {}
        for n, section in enumerate(sections, 1):
            if section is not None and section.id in section_ids:
                self.error(
                    f"sections[{n}].id",
                    _(
                        "duplicate section id '%(id)s' (already used at %(where)s)",
                        id=section.id,
                        where=section_ids[section.id],
                    ),
                )
            elif section is not None:
                section_ids[section.id] = f"sections[{n}]"
        return Script(
            name=name,
            title=title or Label("", ""),
            outcomes=outcomes,
            sections=tuple(s for s in sections if s is not None),
        )

    def collect_ids(self, raw_sections: list[Any]) -> None:
        """All question ids, so a condition can tell "comes later" from "does not exist"."""
        for section in raw_sections:
            questions = section.get("questions") if isinstance(section, dict) else None
            for question in questions if isinstance(questions, list) else ():
                if isinstance(question, dict) and isinstance(question.get("id"), str):
                    self.all_ids.add(question["id"])

    def outcomes(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            self.error("outcomes", _("missing: list the outcome codes the agent may choose"))
            return ()
        codes: list[str] = []
        for n, code in enumerate(value, 1):
            loc = f"outcomes[{n}]"
            if not isinstance(code, str) or not ID_RE.fullmatch(code):
                self.error(
                    loc, _("%(code)s is not an outcome code (a-z, 0-9 and _)", code=repr(code))
                )
            elif code in codes:
                self.error(loc, _("duplicate outcome '%(code)s'", code=code))
            elif code not in STANDARD_OUTCOMES and near(code, STANDARD_OUTCOMES):
                hint = near(code, STANDARD_OUTCOMES)
                self.error(loc, _("unknown outcome '%(code)s'%(hint)s", code=code, hint=hint))
            else:
                codes.append(code)
        return tuple(codes)

    def section(self, raw: Any, loc: str) -> Section | None:
        table = self.table(raw, loc, _("a [[sections]] entry"))
        if table is None:
            return None
        self.keys(table, SECTION_KEYS, loc)
        section_id = self.identifier(table, loc)
        title = self.label(table, "title", loc)
        help_text = self.label(table, "help", loc, required=False)
        show_if = self.show_if(table, loc, own_id=None)
        raw_questions = table.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            self.error(join(loc, "questions"), _("missing: a section needs [[sections.questions]]"))
            raw_questions = []
        questions = [
            self.question(q, f"{loc}.questions[{n}]") for n, q in enumerate(raw_questions, 1)
        ]
        return Section(
            id=section_id,
            title=title or Label("", ""),
            questions=tuple(q for q in questions if q is not None),
            help=help_text,
            show_if=show_if,
        )
