"""Validate and normalise what the agent typed, question by question.

Cleaned values are plain JSON (they are stored on the call attempt as they are): phones in
E.164, VAT numbers compact, dates as ``YYYY-MM-DD``, yes/no as booleans, fleet rows as
dicts. Cleaning a cleaned value gives it back unchanged, so a draft can be re-checked.
Messages are shown beside the field, in the agent's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from stdnum.it import iva

from app.accounts.models import Account, Contact, Opportunity, TonnageClass
from app.accounts.normalise.email import is_email
from app.accounts.normalise.identifiers import vat_problem
from app.accounts.phones import dialable_phone
from app.scripting.branching import visible_questions
from app.scripting.schema import OTHER_BRAND, Question, QuestionType, Script

Q = QuestionType
TEXT_LIMIT = 2000  # an answer that maps nowhere is still stored: keep it reasonable
BRAND_LIMIT = 60  # FleetLine.brand
YES = frozenset({"yes", "y", "si", "sì", "true", "1", "on"})
NO = frozenset({"no", "n", "false", "0", "off"})
_MODELS = {"account": Account, "contact": Contact, "opportunity": Opportunity}


class AnswerError(ValueError):
    """An answer that cannot be accepted; the message is for the agent."""


@dataclass
class CleanedAnswers:
    """The answers to the visible questions, cleaned, and the problems found."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def clean_answers(script: Script, raw: Mapping[str, Any]) -> CleanedAnswers:
    """Clean every answer, then keep only the visible questions' values and errors.

    Blank answers are not errors here (a draft is incomplete by nature); see
    ``required_missing`` for the rule that decides whether a call may be qualified.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in script.questions():
        if question.id not in raw:
            continue
        try:
            values[question.id] = clean_answer(question, raw[question.id])
        except AnswerError as exc:
            errors[question.id] = [str(m) for m in exc.args]
    shown = {q.id for q in visible_questions(script, values)}
    return CleanedAnswers(
        values={k: v for k, v in values.items() if k in shown},
        errors={k: v for k, v in errors.items() if k in shown},
    )


def required_missing(script: Script, cleaned: CleanedAnswers) -> list[str]:
    """Ids of the required questions that are visible and unanswered (or wrongly answered),
    given the answers as ``clean_answers`` made them.

    A hidden question is never required: "no trucks" skips the fleet, and the fleet is
    then not needed to qualify the call.
    """
    return [
        q.id
        for q in visible_questions(script, cleaned.values)
        if q.required and (q.id in cleaned.errors or is_blank(cleaned.values.get(q.id)))
    ]


def clean_answer(question: Question, raw: Any) -> Any:
    """The cleaned value of one answer (None when blank), or ``AnswerError``."""
    if isinstance(raw, str):
        raw = raw.strip()
    if is_blank(raw):
        return [] if question.type in (Q.MULTI_CHOICE, Q.FLEET_TABLE) else None
    return _CLEANERS[question.type](question, raw)


def _text(question: Question, raw: Any) -> str:
    if not isinstance(raw, str):
        raise AnswerError(_("Enter a text."))
    limit = _column_length(question.maps_to) or TEXT_LIMIT
    if len(raw) > limit:
        raise AnswerError(_("Keep it within %(limit)d characters.", limit=limit))
    if question.pattern and not re.fullmatch(question.pattern, raw):
        raise AnswerError(_("This does not have the expected form: see the help text."))
    return raw


def _integer(question: Question, raw: Any, low: int | None = None) -> int:
    if isinstance(raw, bool):
        raise AnswerError(_("Enter a whole number, e.g. 12."))
    try:
        number = int(str(raw).replace(" ", "")) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError):
        raise AnswerError(_("Enter a whole number, e.g. 12.")) from None
    if isinstance(raw, float) and raw != number:
        raise AnswerError(_("Enter a whole number, e.g. 12."))
    low = question.min if question.min is not None else low
    high = question.max
    if (low is not None and number < low) or (high is not None and number > high):
        raise AnswerError(_range_message(low, high))
    return number


def _range_message(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return _("Enter a number from %(min)d to %(max)d.", min=low, max=high)
    if low is not None:
        return _("Enter a number of at least %(min)d.", min=low)
    return _("Enter a number of at most %(max)d.", max=high)


def _choice(question: Question, raw: Any) -> str:
    if not isinstance(raw, str) or question.choice(raw) is None:
        raise AnswerError(_("Choose one of the listed options."))
    return raw


def _multi_choice(question: Question, raw: Any) -> list[str]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise AnswerError(_("Choose one or more of the listed options."))
    chosen = [_choice(question, item) for item in items if not is_blank(item)]
    return list(dict.fromkeys(chosen))


def _yes_no(question: Question, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise AnswerError(_("Answer yes or no."))


def _phone(question: Question, raw: Any) -> str:
    """An Italian number, valid and long enough to dial (``app.accounts.phones``)."""
    e164 = dialable_phone(str(raw))
    if e164 is None:
        raise AnswerError(
            _("Enter a valid phone number, with the area code for a landline (e.g. 02 1234 5678).")
        )
    return e164


def _email(question: Question, raw: Any) -> str:
    text = str(raw)
    if not is_email(text):  # the import's own check
        raise AnswerError(_("Enter a valid e-mail address, e.g. name@company.it."))
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _vat(question: Question, raw: Any) -> str:
    number = iva.compact(str(raw))
    problem = vat_problem(number)  # the import's own check
    if problem is None:
        return number
    if problem in ("vat_wrong_length", "vat_not_digits"):
        raise AnswerError(_("A VAT number (partita IVA) has 11 digits."))
    raise AnswerError(_("This VAT number is not valid: check its digits with the customer."))


def _date(question: Question, raw: Any) -> str:
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw.isoformat()
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(str(raw), form).date().isoformat()
        except ValueError:
            continue
    raise AnswerError(_("Enter a date as DD/MM/YYYY, e.g. 15/03/2026."))


def _fleet_table(question: Question, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list | tuple):
        raise AnswerError(_("Add one row per brand and tonnage class."))
    rows, problems = [], []
    for number, row in enumerate(raw, 1):
        if not isinstance(row, Mapping) or all(is_blank(_strip(v)) for v in row.values()):
            continue  # the form's empty last row
        try:
            rows.append(_fleet_row(question, row))
        except AnswerError as exc:
            problems.append(_("Row %(row)d: %(problem)s", row=number, problem=str(exc)))
    if problems:
        raise AnswerError(*problems)
    return rows


def _fleet_row(question: Question, row: Mapping[str, Any]) -> dict[str, Any]:
    brand = _strip(row.get("brand"))
    if is_blank(brand) or question.choice(str(brand)) is None:
        raise AnswerError(_("choose a brand from the list."))
    other = _strip(row.get("brand_other")) or None
    if brand == OTHER_BRAND:
        if other is None:
            raise AnswerError(_("write the brand."))
        if len(str(other)) > BRAND_LIMIT:
            raise AnswerError(_("keep the brand within %(limit)d characters.", limit=BRAND_LIMIT))
    count = _strip(row.get("vehicle_count"))
    if is_blank(count):
        raise AnswerError(_("enter the number of vehicles."))
    tonnage = _strip(row.get("tonnage_class")) or None
    if tonnage is not None and tonnage not in tuple(TonnageClass):
        raise AnswerError(_("choose a tonnage class from the list."))
    return {
        "brand": brand,
        "brand_other": other if brand == OTHER_BRAND else None,
        "vehicle_count": _integer(question, count, low=1),
        "tonnage_class": tonnage,
    }


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _column_length(target: str | None) -> int | None:
    """The length limit of the column ``target`` writes to, so a save cannot overflow it."""
    if target is None or "." not in target:
        return None
    model = _MODELS.get(target.split(".", 1)[0])
    column = model.__table__.c.get(target.split(".", 1)[1]) if model is not None else None
    return getattr(column.type, "length", None) if column is not None else None


_CLEANERS: dict[QuestionType, Callable[[Question, Any], Any]] = {
    Q.TEXT: _text,
    Q.INTEGER: _integer,
    Q.CHOICE: _choice,
    Q.MULTI_CHOICE: _multi_choice,
    Q.YES_NO: _yes_no,
    Q.PHONE: _phone,
    Q.EMAIL: _email,
    Q.VAT: _vat,
    Q.DATE: _date,
    Q.FLEET_TABLE: _fleet_table,
}
