"""What a call script is, once parsed: plain frozen dataclasses, no behaviour beyond lookups.

The parser (``parser.py``) builds these from a TOML file and guarantees their invariants
(unique ids, conditions that only look back, mappings that fit), so the code that uses
them never re-checks the file.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.accounts.models import Horizon, TonnageClass


class QuestionType(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    PHONE = "phone"
    EMAIL = "email"
    VAT = "vat"
    DATE = "date"
    FLEET_TABLE = "fleet_table"


Q = QuestionType

# Where an answer may be written, and which question types can feed each target.
TARGETS: dict[str, frozenset[QuestionType]] = {
    "account.company_name": frozenset({Q.TEXT}),
    "account.street": frozenset({Q.TEXT}),
    "account.house_number": frozenset({Q.TEXT}),
    "account.postcode": frozenset({Q.TEXT}),
    "account.municipality": frozenset({Q.TEXT}),
    "account.province": frozenset({Q.TEXT}),
    "account.vat_number": frozenset({Q.VAT}),
    "account.email": frozenset({Q.EMAIL}),
    "account.tonnage_class": frozenset({Q.CHOICE}),
    "contact.full_name": frozenset({Q.TEXT}),
    "contact.job_title": frozenset({Q.TEXT, Q.CHOICE}),
    "contact.phone": frozenset({Q.PHONE}),
    "contact.email": frozenset({Q.EMAIL}),
    "contact.is_purchasing_manager": frozenset({Q.YES_NO}),
    "fleet.lines": frozenset({Q.FLEET_TABLE}),
    "opportunity.horizon": frozenset({Q.CHOICE}),
    "opportunity.vehicle_kind": frozenset({Q.TEXT, Q.CHOICE}),
    "opportunity.quantity": frozenset({Q.INTEGER}),
    "opportunity.notes": frozenset({Q.TEXT}),
}

# Question types whose answers come from a list of choices, and those that take min/max
# (a fleet table's range is the count's).
NEEDS_CHOICES = frozenset({Q.CHOICE, Q.MULTI_CHOICE, Q.FLEET_TABLE})
HAS_RANGE = frozenset({Q.INTEGER, Q.FLEET_TABLE})

# Targets stored as an enum: the question's choice values must be exactly these values.
ENUM_TARGETS: dict[str, tuple[str, ...]] = {
    "account.tonnage_class": tuple(TonnageClass),
    "opportunity.horizon": tuple(Horizon),
}

# The codes of the default outcome set; a script may list others (a campaign may define
# its own), but a near miss of one of these is reported as a typo.
STANDARD_OUTCOMES: tuple[str, ...] = (
    "qualified",
    "not_interested",
    "callback",
    "no_answer",
    "busy",
    "wrong_number",
    "company_closed",
    "duplicate",
    "do_not_call",
)

# The brand choice of a fleet table whose row carries a free-text brand instead.
OTHER_BRAND = "other"


@dataclass(frozen=True)
class Label:
    """A text in both interface languages."""

    it: str
    en: str

    def get(self, locale: str) -> str:
        return self.it if locale == "it" else self.en


@dataclass(frozen=True)
class Choice:
    value: str
    label: Label


@dataclass(frozen=True)
class Compare:
    """``question`` compared with ``value``: ``op`` is ``equals``, ``not_equals`` or ``in``."""

    question: str
    op: str
    value: Any


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


Condition = Compare | AllOf | AnyOf


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    label: Label
    help: Label | None = None
    required: bool = False
    min: int | None = None
    max: int | None = None
    pattern: str | None = None
    choices: tuple[Choice, ...] = ()
    maps_to: str | None = None
    prefill: bool = False
    show_if: Condition | None = None

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class Section:
    id: str
    title: Label
    questions: tuple[Question, ...]
    help: Label | None = None
    show_if: Condition | None = None


@dataclass(frozen=True)
class Script:
    name: str
    title: Label
    outcomes: tuple[str, ...]
    sections: tuple[Section, ...]

    def questions(self) -> Iterator[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, question_id: str) -> Question:
        """The question with this id; ``KeyError`` if the script has none."""
        for question in self.questions():
            if question.id == question_id:
                return question
        raise KeyError(question_id)
