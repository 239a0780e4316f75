"""Interface names of a card's status, kind and what its validation did."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from app.accounts.labels import tonnage_label
from app.accounts.models import TonnageClass
from app.cards.models import CardKind, CardStatus

TONNAGE_CODES = frozenset(t.value for t in TonnageClass)

STATUS_LABELS = {
    CardStatus.PENDING: _l("Waiting for validation"),
    CardStatus.VALIDATED: _l("Card validated"),
    CardStatus.REFUSED: _l("Card refused"),
}
KIND_LABELS = {
    CardKind.NEW: _l("New company"),
    CardKind.EDIT: _l("Correction of an account"),
}
OUTCOME_LABELS = {
    "created": _l("a new account"),
    "updated": _l("joined the account it matched"),
    "merged": _l("joined the account it matched"),
    "held_for_review": _l("a new account, paired for review with one it may duplicate"),
    "applied": _l("the account's values corrected"),
    "unchanged": _l("nothing to change: the account already had these values"),
}


def card_status_label(status: CardStatus | str) -> str:
    return str(STATUS_LABELS[CardStatus(status)])


def card_kind_label(kind: CardKind | str) -> str:
    return str(KIND_LABELS[CardKind(kind)])


def card_outcome_label(outcome: str | None) -> str:
    return str(OUTCOME_LABELS.get(outcome or "", outcome or ""))


def card_value(name: str, value: str | None) -> str:
    """A typed or stored value as a person reads it: a tonnage class by its name."""
    if name == "tonnage_class" and value in TONNAGE_CODES:
        return tonnage_label(value)
    return value or ""


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {
    "card_value": card_value,
    "card_status_label": card_status_label,
    "card_kind_label": card_kind_label,
    "card_outcome_label": card_outcome_label,
}
