"""A captured answer as people read it: the label of the choice it stands for.

The desk stores a choice's code ("tractor_unit"); older data and the demo stored its label
as text ("trattore stradale"). Pages show the label, in the reader's language, of the
question that maps onto the field, whichever of the two was stored; text that is no
choice of the script is shown as typed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import get_locale

from app.scripting.schema import Choice, Script


def same_choice(value: str, code: str, it: str, en: str) -> bool:
    """Whether stored ``value`` stands for the choice ``code``: its code, or one of its
    labels typed as text (any case). The one rule pages and files read choices by."""
    folded = value.strip().casefold()
    return folded in (code.casefold(), it.casefold(), en.casefold())


def answer_label(script: Script | None, target: str, value: str | None) -> str:
    """``value`` of the field ``target`` ("opportunity.vehicle_kind") as the page reads
    it: its choice's label in ``script`` (matched by code or by a label), else as stored."""
    if value is None or value == "":
        return ""
    if script is None:
        return value
    for question in script.questions():
        if question.maps_to != target:
            continue
        for choice in question.choices:
            if same_choice(value, choice.value, choice.label.it, choice.label.en):
                return choice.label.get(str(get_locale() or "it"))
    return value


def choice_options(choices: tuple[Choice, ...], locale: str) -> list[tuple[str, str]]:
    """(code, label) of each choice, made once for a select repeated row after row."""
    return [(choice.value, choice.label.get(locale)) for choice in choices]


TEMPLATE_HELPERS: dict[str, Callable[..., object]] = {
    "answer_label": answer_label,
    "choice_options": choice_options,
}
