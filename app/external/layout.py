"""The file an outside data company checks and sends back: its columns and the words its
ESITO column accepts. One table, read by the export, the return and the docs' tests, so
the file that leaves and the file that comes back cannot drift apart (docs/exports.md)."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    header: str  # as the file writes it
    field: str | None  # the account's value it carries; None: the company fills it
    import_field: str = ""  # the import field a row without KEY maps it to


COLUMNS = (
    Column("KEY", "key"),
    Column("RAGIONE_SOCIALE", "company_name", "company_name"),
    Column("FORMA_GIURIDICA", "legal_form", "legal_form"),
    Column("INDIRIZZO", "street", "street"),
    Column("CIVICO", "house_number", "house_number"),
    Column("CAP", "postcode", "postcode"),
    Column("COMUNE", "municipality", "municipality"),
    Column("PROVINCIA", "province", "province"),
    Column("ISTAT", "istat_code"),  # derived from the municipality, never imported
    Column("PARTITA_IVA", "vat_number", "vat_number"),
    Column("CODICE_FISCALE", "tax_code", "tax_code"),
    Column("TELEFONO", "phone", "phone"),
    Column("TELEFONO_2", "phone_2", "phone_2"),
    Column("EMAIL", "email", "email"),
    Column("ESITO", None),
    Column("NOTE", None, "notes"),
)
HEADER = tuple(c.header for c in COLUMNS)
KEY, VERDICT, NOTE = "KEY", "ESITO", "NOTE"
FIELD_OF = {c.header: c.field for c in COLUMNS if c.field}
IMPORT_MAPPING = {c.header: c.import_field for c in COLUMNS}
PHONE_COLUMNS = ("phone", "phone_2")  # the account's first and second numbers


class Verdict(enum.StrEnum):
    OK = "ok"  # checked, right as it is (the values are compared all the same)
    CHANGED = "changed"  # corrected: the new values are in the row
    WRONG = "wrong"  # wrong, and the company could not correct it: a doubt for a person
    CLOSED = "closed"  # the company no longer exists


# Written in the file (folded: lower case, no accents, single spaces) -> verdict.
VERDICT_WORDS: dict[str, Verdict] = {
    **dict.fromkeys(
        ("ok", "confermato", "confermata", "invariato", "invariata", "verificato",
         "verificata", "valido", "valida", "confirmed", "unchanged", "verified", "valid"),
        Verdict.OK,
    ),
    **dict.fromkeys(
        ("modificato", "modificata", "aggiornato", "aggiornata", "variato", "variata",
         "corretto", "corretta", "changed", "modified", "updated", "corrected"),
        Verdict.CHANGED,
    ),
    **dict.fromkeys(
        ("errato", "errata", "sbagliato", "sbagliata", "non valido", "non valida", "errore",
         "wrong", "invalid", "incorrect", "error"),
        Verdict.WRONG,
    ),
    **dict.fromkeys(
        ("cessata", "cessato", "cessata attivita", "chiusa", "chiuso", "closed", "ceased",
         "dissolved", "out of business"),
        Verdict.CLOSED,
    ),
}  # fmt: skip
# The words the file is given in (the first of each, Italian): what docs and pages show.
WRITTEN = {Verdict.OK: "OK", Verdict.CHANGED: "MODIFICATO", Verdict.WRONG: "ERRATO",
           Verdict.CLOSED: "CESSATA"}  # fmt: skip


class UnknownVerdict(ValueError):
    """An ESITO the table does not know: the row is refused, never guessed."""


def fold(text: str) -> str:
    """Lower case, accents off, one space between words: "Cessata  Attività" and
    "cessata attivita" are one word of the table."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(plain.replace("_", " ").replace("-", " ").lower().split())


def read_verdict(text: str | None) -> Verdict | None:
    """The verdict an ESITO cell gives; None when the cell is empty."""
    folded = fold(text or "")
    if not folded:
        return None
    try:
        return VERDICT_WORDS[folded]
    except KeyError:
        raise UnknownVerdict(folded) from None
