"""The call form's fields: the names the desk gives the script's questions (``a.<question>``,
``a.<question>.<row>.<column>`` for a fleet table), and the raw answers they hold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.scripting.schema import Q, Script

FIELD_PREFIX = "a."


FLEET_COLUMNS = ("brand", "brand_other", "vehicle_count", "tonnage_class")
MAX_FLEET_ROWS = 20


def script_fields(script: Script, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Only the form fields the script has (what a browser can send beyond them is dropped)."""
    names = set()
    for question in script.questions():
        key = FIELD_PREFIX + question.id
        if question.type == Q.FLEET_TABLE:
            names |= {f"{key}.{n}.{c}" for n in range(MAX_FLEET_ROWS) for c in FLEET_COLUMNS}
        else:
            names.add(key)
    return {k: v for k, v in fields.items() if k in names}


def answers_from_fields(script: Script, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Turn form fields (``a.<question>`` and ``a.<question>.<row>.<column>``) into raw
    answers by question id, as ``app.scripting.answers`` cleans them."""
    answers: dict[str, Any] = {}
    for question in script.questions():
        key = FIELD_PREFIX + question.id
        if question.type == Q.FLEET_TABLE:
            rows: dict[int, dict[str, Any]] = {}
            for name, value in fields.items():
                parts = name.split(".")
                if len(parts) == 4 and name.startswith(key + ".") and parts[2].isdigit():
                    rows.setdefault(int(parts[2]), {})[parts[3]] = value
            if rows:
                answers[question.id] = [rows[n] for n in sorted(rows)]
        elif key in fields:
            answers[question.id] = fields[key]
    return answers
