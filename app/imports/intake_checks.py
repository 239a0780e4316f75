"""What an integration's account record must be before the import may clean it.

The import's own rules (a company name, values that fit their columns) are applied by the
import itself; here only what a file cannot get wrong and a JSON record can: a record that
is no object, fields that are no account field, values that are no text, a value far too
long to be worth cleaning, the same external id twice in one request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.imports.labels import import_field_label
from app.imports.records import FIELDS

# The fields a record may hold: the import's mapping targets, the source's code named as
# integrations name it. ``external_id`` is what an import's CODICE column is.
SENT_FIELDS = ("external_id", *(name for name in FIELDS if name != "source_id"))
AS_FIELD = {"external_id": "source_id"}
MAX_VALUE_CHARS = 1_000  # cleaning a value is linear in it: a longer one is no account's
MAX_EXTERNAL_ID = 100  # ``account_sources.external_id``
SENT = "record"  # the rejected record as sent, in the rejections' download
SENT_KEPT = 2_000  # characters of it kept


@dataclass(frozen=True)
class Message:
    """One thing said about a record: ``kind`` error (rejected), doubt (flagged for a
    person), correction (cleaned) or note; ``code`` stable for programs, ``text`` for
    people in the caller's language."""

    kind: str
    code: str
    text: str
    field: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "code": self.code, "field": self.field, "text": self.text}


@dataclass
class Checked:
    """A record as text (``values``, by the names it was sent with), or why it is refused
    (``reason`` as the import's rejections store it, and its message)."""

    values: dict[str, str]
    external_id: str | None = None
    reason: str | None = None
    message: Message | None = None

    def kept(self, original: Any) -> dict[str, str]:
        """What the rejections' download shows of a refused record: its readable fields and
        the record as sent."""
        sent = json.dumps(original, ensure_ascii=False, default=str)[:SENT_KEPT]
        return {**self.values, SENT: sent}


def too_long(field: str, limit: int) -> Message:
    return Message(
        "error",
        "value_too_long",
        _(
            "%(field)s: value too long, at most %(limit)s characters.",
            field=import_field_label(field),
            limit=limit,
        ),
        field,
    )


def check_record(record: Any) -> Checked:
    """The record's values as text, or the first reason to refuse it."""
    if not isinstance(record, Mapping):
        return _refused({}, "not_an_object", _("A record must be a JSON object."))
    unknown = sorted(str(name) for name in record if name not in SENT_FIELDS)
    values: dict[str, str] = {}
    not_text: list[str] = []
    for name, value in record.items():
        if name in unknown or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            not_text.append(name)
        else:
            values[name] = str(value)
    if unknown:
        text = _(
            "Unknown field: %(names)s. A record's fields are: %(fields)s.",
            names=", ".join(unknown),
            fields=", ".join(SENT_FIELDS),
        )
        return _refused(values, "unknown_field", text)
    if not_text:
        field = AS_FIELD.get(not_text[0], not_text[0])
        text = _("%(field)s: give text or a number.", field=import_field_label(field))
        return _refused(values, "value_not_text", text, not_text[0])
    for name, value in values.items():
        limit = MAX_EXTERNAL_ID if name == "external_id" else MAX_VALUE_CHARS
        if len(value) > limit:
            field = AS_FIELD.get(name, name)
            return Checked(values, None, f"value_too_long:{field}:{limit}", too_long(field, limit))
    return Checked(values, values.get("external_id", "").strip() or None)


def repeated(checked: Checked) -> Checked:
    """A record whose external id an earlier record of the request already gave."""
    text = _(
        "External id %(id)s is already in this request: send each record once.",
        id=checked.external_id,
    )
    return _refused(checked.values, "external_id_repeated", text, "external_id")


def _refused(values: dict[str, str], reason: str, text: str, field: str | None = None) -> Checked:
    return Checked(values, None, reason, Message("error", reason, text, field))
