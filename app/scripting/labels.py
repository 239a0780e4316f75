"""A captured answer as people read it: the label of the choice it stands for.

The desk stores a choice's code ("tractor_unit"); older data and the demo stored its label
as text ("trattore stradale"). Pages show the label, in the reader's language, of the
question that maps onto the field, whichever of the two was stored; text that is no
choice of the script is shown as typed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import get_locale

from app.scripting.schema import Script


def answer_label(script: Script | None, target: str, value: str | None) -> str:
    """``value`` of the field ``target`` ("opportunity.vehicle_kind") as the page reads
    it: its choice's label in ``script`` (matched by code or by a label), else as stored."""
    if value is None or value == "":
        return ""
    if script is None:
        return value
    folded = value.strip().casefold()
    for question in script.questions():
        if question.maps_to != target:
            continue
        for choice in question.choices:
            if folded in (choice.value.casefold(), choice.label.it.casefold(),
                          choice.label.en.casefold()):  # fmt: skip
                return choice.label.get(str(get_locale() or "it"))
    return value


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {"answer_label": answer_label}
