"""What an agent captured in a call, as a supervisor reads it at the quality check: each
answered question's text beside its answer, choices by their label, in the script's order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from app.accounts.labels import tonnage_label
from app.scripting.answers import is_blank
from app.scripting.schema import OTHER_BRAND, Question, QuestionType, Script


def captured(
    script: Script | None, answers: Mapping[str, Any], locale: str
) -> list[tuple[str, str]]:
    """(question, answer) for every answered question; without the script (it cannot be
    found), the answers under their ids."""
    if script is None:
        return [(key, _plain(value)) for key, value in answers.items() if not is_blank(value)]
    shown = []
    for question in script.questions():
        value = answers.get(question.id)
        if value is None or is_blank(value) or value == []:
            continue
        shown.append((question.label.get(locale), answer_text(question, value, locale)))
    return shown


def answer_text(question: Question, value: Any, locale: str) -> str:
    """One answer as text: a choice's label, yes or no, a fleet's rows."""
    kind = question.type
    if kind == QuestionType.YES_NO:
        return _("Yes") if value else _("No")
    if kind == QuestionType.CHOICE:
        return _choice(question, value, locale)
    if kind == QuestionType.MULTI_CHOICE and isinstance(value, list):
        return ", ".join(_choice(question, v, locale) for v in value)
    if kind == QuestionType.FLEET_TABLE and isinstance(value, list):
        return "; ".join(
            _fleet_row(question, row, locale) for row in value if isinstance(row, dict)
        )
    return _plain(value)


def _choice(question: Question, value: Any, locale: str) -> str:
    found = question.choice(str(value))
    return found.label.get(locale) if found else str(value)


def _fleet_row(question: Question, row: Mapping[str, Any], locale: str) -> str:
    brand = row.get("brand")
    name = row.get("brand_other") if brand == OTHER_BRAND else _choice(question, brand, locale)
    text = f"{row.get('vehicle_count', '?')} {name or '?'}"
    if row.get("tonnage_class"):
        try:
            text += f" ({tonnage_label(row['tonnage_class'])})"
        except ValueError:  # a class the application no longer knows: as written
            text += f" ({row['tonnage_class']})"
    return text


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return str(value)
