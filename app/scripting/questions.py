"""Checking one question of a script: its type, range, pattern, choices and where its answer
is written (``maps_to``), each against the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.scripting.conditions import ConditionReader
from app.scripting.fields import is_int
from app.scripting.problems import choose, either, join, near
from app.scripting.schema import (
    ENUM_TARGETS,
    HAS_RANGE,
    NEEDS_CHOICES,
    TARGETS,
    Choice,
    Label,
    Question,
    QuestionType,
)

QUESTION_KEYS = (
    *("id", "type", "label", "help", "required", "min", "max", "pattern"),
    *("choices", "maps_to", "prefill", "show_if"),
)
CHOICE_KEYS = ("value", "label")


@dataclass
class QuestionReader(ConditionReader):
    """Reads questions in file order; ``where`` keeps each id's first location, so a
    duplicate is reported with the place it clashes with."""

    where: dict[str, str] = field(default_factory=dict)

    def question(self, raw: Any, loc: str) -> Question | None:
        table = self.table(raw, loc, _("a [[sections.questions]] entry"))
        if table is None:
            return None
        self.keys(table, QUESTION_KEYS, loc)
        question_id = self.identifier(table, loc)
        kind = self.question_type(table, loc)
        question = Question(
            id=question_id,
            type=kind or QuestionType.TEXT,
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
            self.error(
                join(loc, "min"),
                _("min (%(min)d) is above max (%(max)d)", min=question.min, max=question.max),
            )
        if kind is not None:
            self.mapping(question, loc)
        if question_id in self.where:
            self.error(
                join(loc, "id"),
                _(
                    "duplicate id '%(id)s' (already used at %(where)s)",
                    id=question_id,
                    where=self.where[question_id],
                ),
            )
        elif question_id:
            self.where[question_id] = loc
            self.seen[question_id] = question
        return question

    def question_type(self, table: dict[str, Any], loc: str) -> QuestionType | None:
        value = table.get("type")
        if value is None:
            self.error(join(loc, "type"), _("missing (%(hint)s)", hint=choose(QuestionType)))
            return None
        if value not in tuple(QuestionType):
            self.error(
                join(loc, "type"),
                _("unknown type '%(type)s' (%(hint)s)", type=value, hint=choose(QuestionType)),
            )
            return None
        return QuestionType(value)

    def bound(self, table: dict[str, Any], key: str, kind: QuestionType | None, loc: str):
        if key not in table:
            return None
        value = table[key]
        if kind is not None and kind not in HAS_RANGE:
            self.error(
                join(loc, key), _("only integer and fleet_table questions have %(key)s", key=key)
            )
        elif not is_int(value):
            self.error(join(loc, key), _("must be a whole number"))
        else:
            return value
        return None

    def pattern(self, table: dict[str, Any], kind: QuestionType | None, loc: str):
        if "pattern" not in table:
            return None
        value = table["pattern"]
        if kind is not None and kind is not QuestionType.TEXT:
            self.error(join(loc, "pattern"), _("only text questions have a pattern"))
            return None
        if not isinstance(value, str) or not value:
            self.error(join(loc, "pattern"), _("must be a regular expression in quotes"))
            return None
        try:
            re.compile(value)
        except re.error as exc:
            self.error(join(loc, "pattern"), _("invalid regular expression: %(error)s", error=exc))
            return None
        return value

    def choices(self, table: dict[str, Any], kind: QuestionType | None, loc: str):
        loc = join(loc, "choices")
        raw = table.get("choices")
        if kind is not None and kind not in NEEDS_CHOICES:
            if raw is not None:
                self.error(loc, _("a %(type)s question has no choices", type=kind))
            return ()
        if raw is None and kind is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.error(loc, _("missing: a %(type)s question needs a list of choices", type=kind))
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
                self.error(join(where, "value"), _("must be a non-empty text in quotes"))
                value = ""
            elif value in (c.value for c in choices):
                self.error(join(where, "value"), _("duplicate choice '%(value)s'", value=value))
            label = self.label(entry, "label", where) or Label("", "")
            choices.append(Choice(value=value, label=label))
        return tuple(choices)

    def mapping(self, question: Question, loc: str) -> None:
        target = question.maps_to
        if target is None:
            if question.prefill:
                self.error(join(loc, "prefill"), _("prefill needs maps_to: where the value is"))
            return
        if target not in TARGETS:
            self.error(
                join(loc, "maps_to"),
                _(
                    "unknown target '%(target)s'%(near)s (%(hint)s)",
                    target=target,
                    near=near(target, TARGETS),
                    hint=choose(TARGETS),
                ),
            )
            return
        if question.type not in TARGETS[target]:
            self.error(
                join(loc, "maps_to"),
                _(
                    "%(target)s needs a question of type %(types)s, not %(type)s",
                    target=target,
                    types=either(sorted(TARGETS[target])),
                    type=question.type,
                ),
            )
        allowed = ENUM_TARGETS.get(target)
        for n, choice in enumerate(question.choices, 1):
            if allowed is not None and choice.value and choice.value not in allowed:
                self.error(
                    f"{loc}.choices[{n}].value",
                    _(
                        "'%(value)s' is not a value of %(target)s (%(hint)s)",
                        value=choice.value,
                        target=target,
                        hint=choose(allowed),
                    ),
                )
