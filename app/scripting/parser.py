"""Read a call script from TOML and check it, reporting every problem with where it is.

A script is edited by people who are not programmers, so the checker never stops at the
first mistake: it walks the whole file and lists each problem as ``location: message``,
e.g. ``sections[2].questions[1].type: unknown type 'nmber' (...)``. Positions count from
1, in the order the file lists them.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.scripting.schema import (
    ENUM_TARGETS,
    STANDARD_OUTCOMES,
    TARGETS,
    AllOf,
    AnyOf,
    Choice,
    Compare,
    Condition,
    Label,
    Question,
    QuestionType,
    Script,
    Section,
)

SCRIPT_KEYS = ("name", "title", "outcomes", "sections")
SECTION_KEYS = ("id", "title", "help", "show_if", "questions")
QUESTION_KEYS = (
    *("id", "type", "label", "help", "required", "min", "max", "pattern"),
    *("choices", "maps_to", "prefill", "show_if"),
)
CHOICE_KEYS = ("value", "label")
LABEL_KEYS = ("it", "en")
OPERATORS = ("equals", "not_equals", "in")

NAME_RE = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*")
ID_RE = re.compile(r"[a-z][a-z0-9_]*")
TOML_POSITION_RE = re.compile(r"\s*\(at (line \d+, column \d+|end of document)\)$")

Q = QuestionType
NEEDS_CHOICES = frozenset({Q.CHOICE, Q.MULTI_CHOICE, Q.FLEET_TABLE})
HAS_RANGE = frozenset({Q.INTEGER, Q.FLEET_TABLE})  # a fleet table's range is the count's


@dataclass(frozen=True)
class Problem:
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ScriptError(ValueError):
    """The script cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def parse_script(text: str) -> Script:
    """The script described by ``text``, or ``ScriptError`` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScriptError([_syntax_problem(exc)]) from exc
    checker = _Checker(data)
    script = checker.script()
    if checker.problems:
        raise ScriptError(checker.problems)
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
    return Problem(location, f"TOML syntax error: {detail}")


def _choose(options: Iterable[str]) -> str:
    return "choose one of: " + ", ".join(options)


def _near(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class _Checker:
    """One pass over the parsed TOML that builds the script and collects problems."""

    data: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    seen: dict[str, Question] = field(default_factory=dict)  # questions met so far
    where: dict[str, str] = field(default_factory=dict)  # question id -> first location
    all_ids: set[str] = field(default_factory=set)

    def error(self, location: str, message: str) -> None:
        self.problems.append(Problem(location, message))

    def keys(self, table: dict[str, Any], allowed: tuple[str, ...], loc: str) -> None:
        for key in table:
            if key not in allowed:
                hint = _near(key, allowed) or f" ({_choose(allowed)})"
                self.error(_join(loc, key), f"unknown key '{key}'{hint}")

    def table(self, value: Any, loc: str, what: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(loc, f"must be a table ({what})")
            return None
        return value

    def text(self, table: dict[str, Any], key: str, loc: str, required: bool = True) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.error(_join(loc, key), "missing")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.error(_join(loc, key), "must be a non-empty text in quotes")
            return ""
        return value.strip()

    def flag(self, table: dict[str, Any], key: str, loc: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            self.error(_join(loc, key), "must be true or false")
            return False
        return value

    def label(
        self, table: dict[str, Any], key: str, loc: str, required: bool = True
    ) -> Label | None:
        loc = _join(loc, key)
        if key not in table:
            if required:
                self.error(loc, f"missing (give {key}.it and {key}.en)")
            return None
        value = self.table(table[key], loc, f"with {key}.it and {key}.en")
        if value is None:
            return None
        self.keys(value, LABEL_KEYS, loc)
        return Label(it=self.text(value, "it", loc), en=self.text(value, "en", loc))

    def identifier(self, table: dict[str, Any], loc: str) -> str:
        value = self.text(table, "id", loc)
        if value and not ID_RE.fullmatch(value):
            self.error(
                _join(loc, "id"),
                f"'{value}' must start with a lowercase letter and use only a-z, 0-9 and _",
            )
        return value

    # The script and its parts ---------------------------------------------------------

    def script(self) -> Script:
        data = self.data
        self.keys(data, SCRIPT_KEYS, "")
        name = self.text(data, "name", "")
        if name and not NAME_RE.fullmatch(name):
            self.error("name", f"'{name}' must use only a-z, 0-9, '-' and '_' (a file-like name)")
        elif len(name) > 80:
            self.error("name", "must be at most 80 characters")
        title = self.label(data, "title", "")
        outcomes = self.outcomes(data.get("outcomes"))
        raw_sections = data.get("sections")
        if not isinstance(raw_sections, list) or not raw_sections:
            self.error("sections", "missing: a script needs at least one [[sections]]")
            raw_sections = []
        self.collect_ids(raw_sections)
        sections = [self.section(raw, f"sections[{n}]") for n, raw in enumerate(raw_sections, 1)]
        section_ids: dict[str, str] = {}
        for n, section in enumerate(sections, 1):
            if section is not None and section.id in section_ids:
                self.error(
                    f"sections[{n}].id",
                    f"duplicate section id '{section.id}' (already used at "
                    f"{section_ids[section.id]})",
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
            self.error("outcomes", "missing: list the outcome codes the agent may choose")
            return ()
        codes: list[str] = []
        for n, code in enumerate(value, 1):
            loc = f"outcomes[{n}]"
            if not isinstance(code, str) or not ID_RE.fullmatch(code):
                self.error(loc, f"{code!r} is not an outcome code (a-z, 0-9 and _)")
            elif code in codes:
                self.error(loc, f"duplicate outcome '{code}'")
            elif code not in STANDARD_OUTCOMES and _near(code, STANDARD_OUTCOMES):
                self.error(loc, f"unknown outcome '{code}'{_near(code, STANDARD_OUTCOMES)}")
            else:
                codes.append(code)
        return tuple(codes)

    def section(self, raw: Any, loc: str) -> Section | None:
        table = self.table(raw, loc, "a [[sections]] entry")
        if table is None:
            return None
        self.keys(table, SECTION_KEYS, loc)
        section_id = self.identifier(table, loc)
        title = self.label(table, "title", loc)
        help_text = self.label(table, "help", loc, required=False)
        show_if = self.show_if(table, loc, own_id=None)
        raw_questions = table.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            self.error(_join(loc, "questions"), "missing: a section needs [[sections.questions]]")
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

    def question(self, raw: Any, loc: str) -> Question | None:
        table = self.table(raw, loc, "a [[sections.questions]] entry")
        if table is None:
            return None
        self.keys(table, QUESTION_KEYS, loc)
        question_id = self.identifier(table, loc)
        kind = self.question_type(table, loc)
        question = Question(
            id=question_id,
            type=kind or Q.TEXT,
            label=self.label(table, "label", loc) or Label("", ""),
            help=self.label(table, "help", loc, required=False),
            required=self.flag(table, "required", loc),
            min=self.bound(table, "min", kind, loc),
            max=self.bound(table, "max", kind, loc),
            pattern=self.pattern(table, kind, loc),
            choices=self.choices(table, kind, loc),
            maps_to=self.text(table, "maps_to", loc, required=False) or None,
            prefill=self.flag(table, "prefill", loc),
            show_if=self.show_if(table, loc, own_id=question_id),
        )
        if question.min is not None and question.max is not None and question.min > question.max:
            self.error(_join(loc, "min"), f"min ({question.min}) is above max ({question.max})")
        if kind is not None:
            self.mapping(question, loc)
        if question_id in self.where:
            self.error(
                _join(loc, "id"),
                f"duplicate id '{question_id}' (already used at {self.where[question_id]})",
            )
        elif question_id:
            self.where[question_id] = loc
            self.seen[question_id] = question
        return question

    def question_type(self, table: dict[str, Any], loc: str) -> QuestionType | None:
        value = table.get("type")
        if value is None:
            self.error(_join(loc, "type"), f"missing ({_choose(QuestionType)})")
            return None
        if value not in tuple(QuestionType):
            self.error(_join(loc, "type"), f"unknown type '{value}' ({_choose(QuestionType)})")
            return None
        return QuestionType(value)

    def bound(self, table: dict[str, Any], key: str, kind: QuestionType | None, loc: str):
        if key not in table:
            return None
        value = table[key]
        if kind is not None and kind not in HAS_RANGE:
            self.error(_join(loc, key), f"only integer and fleet_table questions have {key}")
        elif not _is_int(value):
            self.error(_join(loc, key), "must be a whole number")
        else:
            return value
        return None

    def pattern(self, table: dict[str, Any], kind: QuestionType | None, loc: str):
        if "pattern" not in table:
            return None
        value = table["pattern"]
        if kind is not None and kind is not Q.TEXT:
            self.error(_join(loc, "pattern"), "only text questions have a pattern")
            return None
        if not isinstance(value, str) or not value:
            self.error(_join(loc, "pattern"), "must be a regular expression in quotes")
            return None
        try:
            re.compile(value)
        except re.error as exc:
            self.error(_join(loc, "pattern"), f"invalid regular expression: {exc}")
            return None
        return value

    def choices(self, table: dict[str, Any], kind: QuestionType | None, loc: str):
        loc = _join(loc, "choices")
        raw = table.get("choices")
        if kind is not None and kind not in NEEDS_CHOICES:
            if raw is not None:
                self.error(loc, f"a {kind} question has no choices")
            return ()
        if raw is None and kind is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.error(loc, f"missing: a {kind} question needs a list of choices")
            return ()
        choices: list[Choice] = []
        for n, item in enumerate(raw, 1):
            where = f"{loc}[{n}]"
            entry = self.table(item, where, "{ value = ..., label.it = ..., label.en = ... }")
            if entry is None:
                continue
            self.keys(entry, CHOICE_KEYS, where)
            value = entry.get("value")
            if not isinstance(value, str) or not value.strip():
                self.error(_join(where, "value"), "must be a non-empty text in quotes")
                value = ""
            elif value in (c.value for c in choices):
                self.error(_join(where, "value"), f"duplicate choice '{value}'")
            label = self.label(entry, "label", where) or Label("", "")
            choices.append(Choice(value=value, label=label))
        return tuple(choices)

    def mapping(self, question: Question, loc: str) -> None:
        target = question.maps_to
        if target is None:
            if question.prefill:
                self.error(_join(loc, "prefill"), "prefill needs maps_to an account field")
            return
        if target not in TARGETS:
            self.error(
                _join(loc, "maps_to"),
                f"unknown target '{target}'{_near(target, TARGETS)} ({_choose(TARGETS)})",
            )
            return
        if question.type not in TARGETS[target]:
            fits = " or ".join(sorted(TARGETS[target]))
            self.error(
                _join(loc, "maps_to"),
                f"{target} needs a question of type {fits}, not {question.type}",
            )
        allowed = ENUM_TARGETS.get(target)
        for n, choice in enumerate(question.choices, 1):
            if allowed is not None and choice.value and choice.value not in allowed:
                self.error(
                    f"{loc}.choices[{n}].value",
                    f"'{choice.value}' is not a value of {target} ({_choose(allowed)})",
                )
        if question.prefill and not target.startswith("account."):
            self.error(_join(loc, "prefill"), "only account fields can be pre-filled")

    # Conditions -------------------------------------------------------------------------

    def show_if(self, table: dict[str, Any], loc: str, own_id: str | None) -> Condition | None:
        if "show_if" not in table:
            return None
        return self.condition(table["show_if"], _join(loc, "show_if"), own_id)

    def condition(self, raw: Any, loc: str, own_id: str | None) -> Condition | None:
        table = self.table(raw, loc, '{ question = "...", equals = ... }, or all/any = [...]')
        if table is None:
            return None
        for combinator, build in (("all", AllOf), ("any", AnyOf)):
            if combinator in table:
                self.keys(table, (combinator,), loc)
                parts = table[combinator]
                if not isinstance(parts, list) or not parts:
                    self.error(_join(loc, combinator), "must be a non-empty list of conditions")
                    return None
                built = [
                    self.condition(part, f"{loc}.{combinator}[{n}]", own_id)
                    for n, part in enumerate(parts, 1)
                ]
                return build(tuple(c for c in built if c is not None))
        self.keys(table, ("question", *OPERATORS), loc)
        operators = [op for op in OPERATORS if op in table]
        if len(operators) != 1:
            self.error(loc, f"give exactly one of {', '.join(OPERATORS)} (or all/any)")
            return None
        op = operators[0]
        target = self.referenced(table.get("question"), _join(loc, "question"), own_id)
        if target is not None:
            self.condition_value(target, op, table[op], _join(loc, op))
        return Compare(question=target.id if target else "", op=op, value=table[op])

    def referenced(self, question_id: Any, loc: str, own_id: str | None) -> Question | None:
        if not isinstance(question_id, str) or not question_id:
            self.error(loc, "missing: the id of an earlier question")
        elif question_id in self.seen:
            return self.seen[question_id]
        elif question_id == own_id:
            self.error(loc, f"'{question_id}' refers to the question itself")
        elif question_id in self.all_ids:
            self.error(loc, f"'{question_id}' comes later in the script: conditions look only back")
        else:
            self.error(loc, f"unknown question '{question_id}'{_near(question_id, self.seen)}")
        return None

    def condition_value(self, target: Question, op: str, value: Any, loc: str) -> None:
        if target.type is Q.FLEET_TABLE:
            self.error(loc, f"a condition cannot look at the fleet table '{target.id}'")
            return
        if op == "in":
            if not isinstance(value, list) or not value:
                self.error(loc, 'must be a non-empty list, e.g. in = ["3", "6"]')
                return
            values = value
        else:
            values = [value]
        for item in values:
            problem = _value_problem(target, item)
            if problem:
                self.error(loc, problem)


def _value_problem(target: Question, value: Any) -> str | None:
    """Why ``value`` can never be an answer to ``target``, or None if it can."""
    if target.type is Q.YES_NO:
        ok, expected = isinstance(value, bool), "true or false"
    elif target.type is Q.INTEGER:
        ok, expected = _is_int(value), "a whole number"
    elif target.type in NEEDS_CHOICES:
        ok = isinstance(value, str) and value in target.choice_values
        expected = _choose(target.choice_values)
    else:
        ok, expected = isinstance(value, str), "a text in quotes"
    if ok:
        return None
    return f"{value!r} can never be an answer to '{target.id}' ({expected})"


def _join(location: str, key: str) -> str:
    return f"{location}.{key}" if location else key
