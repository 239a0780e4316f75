"""Which column of a file holds which account field.

A file's headers are matched to fields by the names Italian sources use (``RAGIONE
SOCIALE``, ``P.IVA``, ``CAP``...), unless a mapping was saved for the same kind of source
and still fits the file's headers, in which case it is offered again as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from flask_babel import gettext as _

from app.imports.qualification import brand_header_synonyms, pair_header_synonyms
from app.imports.records import FIELDS, REQUIRED
from app.territory.municipalities import search_key

# Folded header -> field. Headers are folded by ``header_key`` (case, accents, punctuation,
# underscores, a number stuck to a word), so "P.IVA", "p_iva" and "P. IVA" are one entry.
SYNONYMS: dict[str, str] = {
    **dict.fromkeys(["codice", "id", "codice cliente", "cod cliente", "id cliente"], "source_id"),
    **dict.fromkeys(
        ["ragione sociale", "denominazione", "nome", "azienda", "cliente", "rag soc",
         "ragione sociale cliente", "company", "company name", "name"],
        "company_name",
    ),
    **dict.fromkeys(["forma giuridica", "natura giuridica", "legal form"], "legal_form"),
    **dict.fromkeys(["indirizzo", "via", "sede", "address", "street"], "street"),
    **dict.fromkeys(["civico", "n civico", "numero civico", "num", "house number"],
                    "house_number"),
    **dict.fromkeys(["cap", "c a p", "postcode", "zip"], "postcode"),
    **dict.fromkeys(["comune", "citta", "localita", "city", "municipality"], "municipality"),
    **dict.fromkeys(["provincia", "prov", "pr", "sigla provincia", "province"], "province"),
    **dict.fromkeys(["tipo sede", "tipologia sede", "tipo indirizzo", "site type", "site kind"],
                    "site_kind"),
    **dict.fromkeys(["partita iva", "p iva", "piva", "iva", "vat", "vat number"], "vat_number"),
    **dict.fromkeys(["codice fiscale", "cod fiscale", "cod fisc", "c fiscale", "cf", "c f",
                     "tax code"], "tax_code"),
    **dict.fromkeys(["telefono", "tel", "telefono 1", "tel 1", "phone"], "phone"),
    **dict.fromkeys(["telefono 2", "tel 2", "altro telefono", "fax"], "phone_2"),
    **dict.fromkeys(["cellulare", "cell", "mobile", "tel cellulare", "telefono cellulare"],
                    "mobile"),
    **dict.fromkeys(["email", "e mail", "mail", "pec", "posta elettronica", "indirizzo email",
                     "indirizzo e mail", "email pec"], "email"),
    **dict.fromkeys(["portata", "classe tonnellaggio", "tonnellaggio", "ptt", "tonnage"],
                    "tonnage_class"),
    **dict.fromkeys(["n veicoli", "numero veicoli", "veicoli", "flotta", "parco veicoli",
                     "mezzi", "vehicles"], "vehicle_count"),
    **dict.fromkeys(["marca", "marchio", "brand"], "brand"),
    **dict.fromkeys(["ultimo acquisto", "data acquisto", "data ultimo acquisto",
                     "last purchase"], "last_purchase"),
    **dict.fromkeys(["venditore", "cod venditore", "codice venditore", "venditore assegnato",
                     "salesperson", "salesperson code", "owner"], "salesperson"),
    **dict.fromkeys(["note", "annotazioni", "notes"], "notes"),
    # Earlier qualification results (docs/imports.md, "Earlier qualification results").
    **dict.fromkeys(["referente", "nome referente", "nominativo referente", "contatto",
                     "nome contatto", "persona di riferimento", "interlocutore",
                     "contact", "contact name"], "contact_name"),
    **dict.fromkeys(["ruolo", "ruolo referente", "qualifica referente", "carica", "mansione",
                     "role", "job title"], "contact_role"),
    **dict.fromkeys(["telefono referente", "tel referente", "telefono diretto", "tel diretto",
                     "numero diretto", "contact phone", "direct phone"], "contact_phone"),
    **dict.fromkeys(["cellulare referente", "cell referente", "mobile referente",
                     "contact mobile"], "contact_mobile"),
    **dict.fromkeys(["email referente", "e mail referente", "mail referente",
                     "contact email"], "contact_email"),
    **dict.fromkeys(["orizzonte", "orizzonte acquisto", "orizzonte di acquisto",
                     "tempi acquisto", "tempistica acquisto", "previsione acquisto",
                     "intenzione acquisto", "acquisto entro", "purchase horizon", "horizon"],
                    "horizon"),
    **dict.fromkeys(["veicolo di interesse", "veicolo interesse",
                     "interesse veicolo", "modello di interesse", "vehicle interest"],
                    "vehicle_interest"),
    **dict.fromkeys(["data qualifica", "data qualificazione", "data contatto",
                     "data chiamata", "qualification date", "qualified on"], "qualified_on"),
    **dict.fromkeys(["agenzia", "qualificato da", "fonte qualifica",
                     "agency", "qualified by"], "qualified_by"),
    **dict.fromkeys(["note qualifica", "note qualificazione", "esito note",
                     "qualification notes"], "qualification_notes"),
    **pair_header_synonyms(),
    **brand_header_synonyms(),
}  # fmt: skip
_NUMBER_STUCK = re.compile(r"(?<=[a-z])(?=\d)")


def header_key(header: str) -> str:
    """A header folded for lookup: like a municipality name (case, accents, dots, hyphens),
    and underscores are spaces too (``RAGIONE_SOCIALE`` is "ragione sociale", as database
    exports name their columns), a number stuck to a word stands apart (``TEL1``)."""
    return search_key(_NUMBER_STUCK.sub(" ", header.replace("_", " ").casefold()))


def suggest(headers: Sequence[str], saved: Mapping[str, str] | None = None) -> dict[str, str]:
    """Header -> field ("" for a column left out). A saved mapping wins when every header
    it names is still in the file; otherwise each header is looked up by its name."""
    if saved and set(saved) <= set(headers):
        return {header: saved.get(header, "") for header in headers}
    used: set[str] = set()
    found: dict[str, str] = {}
    for header in headers:
        field = SYNONYMS.get(header_key(header), "")
        if field in used:
            field = ""
        if field:
            used.add(field)
        found[header] = field
    return found


def check(mapping: Mapping[str, str], headers: Sequence[str]) -> list[str]:
    """What is wrong with a mapping, as messages for the page; empty when it can be used."""
    errors: list[str] = []
    unknown_headers = [h for h in mapping if h not in headers]
    if unknown_headers:
        errors.append(_("Columns not in the file: %(names)s.", names=", ".join(unknown_headers)))
    chosen = [field for field in mapping.values() if field]
    for field in sorted({f for f in chosen if f not in FIELDS}):
        errors.append(_("%(field)s is not an account field.", field=field))
    for field in sorted({f for f in chosen if chosen.count(f) > 1}):
        errors.append(_("Two columns are mapped to %(field)s: choose one.", field=field))
    for field in REQUIRED:
        if field not in chosen:
            errors.append(_("Choose the column that holds %(field)s.", field=field))
    return errors


def apply(mapping: Mapping[str, str], headers: Sequence[str], row: Sequence[str]) -> dict[str, str]:
    """One file row as ``{field: text}`` through the mapping (short rows are padded)."""
    values: dict[str, str] = {}
    for position, header in enumerate(headers):
        field = mapping.get(header)
        if field:
            values[field] = row[position] if position < len(row) else ""
    return values


def unique_headers(row: Sequence[str]) -> list[str]:
    """The header row with blanks named and repeats numbered ("TEL", "TEL (2)"), so that
    every column can be mapped on its own."""
    seen: dict[str, int] = {}
    headers: list[str] = []
    for position, cell in enumerate(row, start=1):
        name = cell.strip() or _("Column %(n)s", n=position)
        seen[name] = seen.get(name, 0) + 1
        headers.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return headers
