"""Checking a ``show_if`` condition: it may look only at earlier questions, with values
those questions can actually take.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.scripting.fields import FieldReader, is_int
from app.scripting.problems import choose, join, near
from app.scripting.schema import (
    NEEDS_CHOICES,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    Question,
    QuestionType,
)

OPERATORS = ("equals", "not_equals", "in")


@dataclass
class ConditionReader(FieldReader):
    """Reads conditions against the questions met so far (``seen``); ``all_ids`` tells
    "comes later" from "does not exist"."""

    seen: dict[str, Question] = field(default_factory=dict)
    all_ids: set[str] = field(default_factory=set)

    def show_if(self, table: dict[str, Any], loc: str, own_id: str | None) -> Condition | None:
        if "show_if" not in table:
            return None
        return self.condition(table["show_if"], join(loc, "show_if"), own_id)

    def condition(self, raw: Any, loc: str, own_id: str | None) -> Condition | None:
        table = self.table(raw, loc, _('{ question = "...", equals = ... }, or all/any = [...]'))
        if table is None:
            return None
        for combinator, build in (("all", AllOf), ("any", AnyOf)):
            if combinator in table:
                self.keys(table, (combinator,), loc)
                parts = table[combinator]
                if not isinstance(parts, list) or not parts:
                    self.error(join(loc, combinator), _("must be a non-empty list of conditions"))
                    return None
                built = [
                    self.condition(part, f"{loc}.{combinator}[{n}]", own_id)
                    for n, part in enumerate(parts, 1)
                ]
                return build(tuple(c for c in built if c is not None))
        self.keys(table, ("question", *OPERATORS), loc)
        operators = [op for op in OPERATORS if op in table]
        if len(operators) != 1:
            self.error(
                loc,
                _("give exactly one of %(operators)s (or all/any)", operators=", ".join(OPERATORS)),
            )
            return None
        op = operators[0]
        target = self.referenced(table.get("question"), join(loc, "question"), own_id)
        if target is not None:
            self.condition_value(target, op, table[op], join(loc, op))
        return Compare(question=target.id if target else "", op=op, value=table[op])

    def referenced(self, question_id: Any, loc: str, own_id: str | None) -> Question | None:
        if not isinstance(question_id, str) or not question_id:
            self.error(loc, _("missing: the id of an earlier question"))
        elif question_id in self.seen:
            return self.seen[question_id]
        elif question_id == own_id:
            self.error(loc, _("'%(id)s' refers to the question itself", id=question_id))
        elif question_id in self.all_ids:
            self.error(
                loc,
                _("'%(id)s' comes later in the script: conditions look only back", id=question_id),
            )
        else:
            hint = near(question_id, self.seen)
            self.error(loc, _("unknown question '%(id)s'%(hint)s", id=question_id, hint=hint))
        return None

    def condition_value(self, target: Question, op: str, value: Any, loc: str) -> None:
        if target.type is QuestionType.FLEET_TABLE:
            self.error(loc, _("a condition cannot look at the fleet table '%(id)s'", id=target.id))
            return
        if op == "in":
            if not isinstance(value, list) or not value:
                self.error(loc, _('must be a non-empty list, e.g. in = ["3", "6"]'))
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
    if target.type is QuestionType.YES_NO:
        ok, expected = isinstance(value, bool), _("true or false")
    elif target.type is QuestionType.INTEGER:
        ok, expected = is_int(value), _("a whole number")
    elif target.type in NEEDS_CHOICES:
        ok = isinstance(value, str) and value in target.choice_values
        expected = choose(target.choice_values)
    else:
        ok, expected = isinstance(value, str), _("a text in quotes")
    if ok:
        return None
    return _(
        "%(value)s can never be an answer to '%(id)s' (%(expected)s)",
        value=repr(value),
        id=target.id,
        expected=expected,
    )
