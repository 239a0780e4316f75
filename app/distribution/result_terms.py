"""The words of a hand-off's result: what a salesperson or a CRM says happened to an
account after it left the call centre, and why a lost one was lost.

They live with the pack because the salesperson's XLSX offers them as a list in its result
columns (``writers.tables``), and the pack is written below ``app.results``, which records
them (docs/architecture.md)."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class ResultOutcome(enum.StrEnum):
    VISITED = "visited"
    OFFER_MADE = "offer_made"
    SOLD = "sold"
    LOST = "lost"
    NOT_REACHABLE = "not_reachable"


class LostReason(enum.StrEnum):
    PRICE = "price"
    COMPETITOR = "competitor"
    NO_BUDGET = "no_budget"
    POSTPONED = "postponed"
    NO_NEED = "no_need"
    OTHER = "other"


OUTCOME_LABELS = {
    ResultOutcome.VISITED: _l("Visited"),
    ResultOutcome.OFFER_MADE: _l("Offer made"),
    ResultOutcome.SOLD: _l("Sold"),
    ResultOutcome.LOST: _l("Lost"),
    ResultOutcome.NOT_REACHABLE: _l("Not reachable"),
}

REASON_LABELS = {
    LostReason.PRICE: _l("Price"),
    LostReason.COMPETITOR: _l("Bought from a competitor"),
    LostReason.NO_BUDGET: _l("No budget"),
    LostReason.POSTPONED: _l("Purchase postponed"),
    LostReason.NO_NEED: _l("No need any more"),
    LostReason.OTHER: _l("Other"),
}


def outcome_label(value: ResultOutcome | str) -> str:
    return str(OUTCOME_LABELS[ResultOutcome(value)])


def reason_label(value: LostReason | str) -> str:
    return str(REASON_LABELS[LostReason(value)])


def result_headers() -> list[str]:
    """The pack's result columns, in the export's language (call inside ``force_locale``):
    the salesperson fills them and sends the file back (``app.results.files``)."""
    return [
        str(_l("Result")),
        str(_l("Result date")),
        str(_l("Vehicles sold")),
        str(_l("Value sold (EUR)")),
        str(_l("Reason lost")),
        str(_l("Result notes")),
    ]
