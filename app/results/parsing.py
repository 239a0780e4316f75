"""A result's cells as values: the words and numbers people type in a spreadsheet or a CRM
writes in an extract, read as one thing each. Every refusal is a sentence for the page."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale
from flask_babel import gettext as _

from app.distribution.result_terms import OUTCOME_LABELS, REASON_LABELS
from app.territory.municipalities import search_key

_DAY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_THOUSANDS_DOT = re.compile(r"^\d{1,3}(?:\.\d{3})+$")


class CellRefused(ValueError):
    """A cell that means nothing we can record; the message says what to type."""


def _terms(labels: dict) -> dict[str, str]:
    """Folded code or label (Italian or English) -> code."""
    found: dict[str, str] = {}
    for code, label in labels.items():
        found[search_key(code.value)] = code.value
        found[search_key(code.value.replace("_", " "))] = code.value
        for locale in ("it", "en"):
            with force_locale(locale):
                found[search_key(str(label))] = code.value
    return found


def outcome(text: str) -> str | None:
    """A result's code from its code or its label in either language; None when blank."""
    if not text.strip():
        return None
    code = _terms(OUTCOME_LABELS).get(search_key(text))
    if code is None:
        choices = ", ".join(str(label) for label in OUTCOME_LABELS.values())
        raise CellRefused(_("Unknown result “%(value)s”: choose one of %(choices)s.",
                            value=text.strip()[:40], choices=choices))  # fmt: skip
    return code


def reason(text: str) -> tuple[str | None, str | None]:
    """(reason code, words): a reason of the list by code or label, else the words as the
    reason ``other``; (None, None) when blank."""
    if not text.strip():
        return None, None
    code = _terms(REASON_LABELS).get(search_key(text))
    return (code, None) if code else ("other", text.strip())


def day(text: str) -> date | None:
    """A day as spreadsheets and CRMs write it: 2026-11-05 (a workbook's date), 05/11/2026,
    5.11.26; None when blank."""
    text = text.strip()
    if not text:
        return None
    try:
        if iso := _ISO.match(text):
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if found := _DAY.match(text):
            year = int(found[3]) + (2000 if len(found[3]) == 2 else 0)
            return date(year, int(found[2]), int(found[1]))
        return datetime.fromisoformat(text).date()
    except ValueError as error:
        raise CellRefused(_("“%(value)s” is not a date: write it as day/month/year.",
                            value=text[:40])) from error  # fmt: skip


def count(text: str) -> int | None:
    """A whole number of vehicles; None when blank."""
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{1,6}", text):
        raise CellRefused(_("“%(value)s” is not a whole number of vehicles.", value=text[:40]))
    return int(text)


def amount(text: str) -> Decimal | None:
    """An amount in euros as Italians or a program write it: 12.500,50 · 12500,50 ·
    12,500.50 · 12500.5 · € 12.500; None when blank."""
    text = text.replace("€", "").replace("EUR", "").replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text and "." in text:  # the later one separates the cents
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".")
    elif _THOUSANDS_DOT.match(text):  # 12.500: thousands, never 12 euros 50
        text = text.replace(".", "")
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise CellRefused(_("“%(value)s” is not an amount in euros.", value=text[:40])) from error
    if not value.is_finite():
        raise CellRefused(_("“%(value)s” is not an amount in euros.", value=text[:40]))
    return value
