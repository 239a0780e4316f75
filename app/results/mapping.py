"""Which column of a returned file holds which part of a result.

The salesperson's pack names its columns in the export's language, and a CRM extract in its
own words; both are matched by the import's folding (``imports.mapping.header_key``) to the
fields below, and the page lets staff correct what was guessed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.distribution.result_terms import result_headers
from app.imports.mapping import header_key

FIELDS = {
    "account_key": _l("Account key"),
    "vat_number": _l("VAT number"),
    "outcome": _l("Result"),
    "occurred_on": _l("Result date"),
    "vehicles": _l("Vehicles sold"),
    "value": _l("Value sold (EUR)"),
    "reason": _l("Reason lost"),
    "notes": _l("Result notes"),
}
# A CRM's own words for them (folded); the pack's headers are added in both languages.
SYNONYMS: dict[str, str] = {
    **dict.fromkeys(["chiave account", "chiave", "account key", "key", "codice account",
                     "external id", "id esterno"], "account_key"),
    **dict.fromkeys(["partita iva", "p iva", "piva", "vat", "vat number"], "vat_number"),
    **dict.fromkeys(["esito", "esito result", "result", "outcome", "stato trattativa",
                     "stage", "deal stage"], "outcome"),
    **dict.fromkeys(["data esito", "result date", "data", "date", "close date",
                     "data chiusura"], "occurred_on"),
    **dict.fromkeys(["veicoli venduti", "vehicles sold", "quantita venduta", "quantity sold"],
                    "vehicles"),
    **dict.fromkeys(["valore venduto eur", "value sold eur", "valore", "importo", "amount",
                     "value", "deal amount"], "value"),
    **dict.fromkeys(["motivo perdita", "reason lost", "motivo", "reason", "lost reason"],
                    "reason"),
    **dict.fromkeys(["note esito", "result notes"], "notes"),
}  # fmt: skip


def _pack_headers() -> dict[str, str]:
    """The pack's own headers (both languages), folded -> field."""
    fields = ["outcome", "occurred_on", "vehicles", "value", "reason", "notes"]
    found: dict[str, str] = {}
    for locale in ("it", "en"):
        with force_locale(locale):
            found[header_key(_("Account key"))] = "account_key"
            found[header_key(_("VAT number"))] = "vat_number"
            for header, field in zip(result_headers(), fields, strict=True):
                found[header_key(header)] = field
    return found


def suggest(headers: Sequence[str]) -> dict[str, str]:
    """header -> field for the headers recognised, each field taken once (the first)."""
    known = {**SYNONYMS, **_pack_headers()}
    found: dict[str, str] = {}
    for header in headers:
        field = known.get(header_key(header))
        if field and field not in found.values():
            found[header] = field
    return found


def check(mapping: Mapping[str, str], headers: Sequence[str]) -> list[str]:
    """What is wrong with a mapping, as messages for the page; empty when it can be used."""
    errors: list[str] = []
    unknown = [h for h in mapping if h not in headers]
    if unknown:
        errors.append(_("Columns not in the file: %(names)s.", names=", ".join(unknown)))
    chosen = [field for field in mapping.values() if field]
    for field in sorted({f for f in chosen if f not in FIELDS}):
        errors.append(_("%(field)s is not a part of a result.", field=field))
    for field in sorted({f for f in chosen if f in FIELDS and chosen.count(f) > 1}):
        errors.append(_("Two columns are mapped to %(field)s: choose one.",
                        field=str(FIELDS[field])))  # fmt: skip
    if "account_key" not in chosen and "vat_number" not in chosen:
        errors.append(_("Choose the column that holds the account key or the VAT number."))
    if "outcome" not in chosen:
        errors.append(_("Choose the column that holds the result."))
    return errors
