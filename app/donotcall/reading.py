"""Reading a do-not-call file into entries, before anything is written.

Two formats (``docs/do-not-call.md``):

* a **registry extract**: the answer of the Registro pubblico delle opposizioni. Either one
  number per line with no header (every number is opposed), or a header naming a number
  column (``telefono``, ``numero``, ``utenza``, ``msisdn``...) and, optionally, an outcome
  column (``esito``, ``stato``, ``opposizione``...) telling opposed numbers (``opposto``,
  ``iscritto``, ``sì``, ``1``...) from free ones (``libero``, ``non iscritto``, ``no``,
  ``0``...); free numbers are counted and left out.
* **internal opt-outs**: a header with any of phone, VAT number and account key columns,
  and an optional reason column.

Numbers go to E.164 with ``app.accounts.phones.parse_phone`` (region IT), VAT numbers are
checked with ``app.accounts.normalise.identifiers.clean_vat``: nothing is repaired here
beyond what those do. A line that cannot be read is a ``BadLine``; the service refuses a
file with any (all or nothing), so that no opposed number is silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.accounts.normalise.identifiers import clean_vat
from app.accounts.phones import parse_phone
from app.territory.municipalities import search_key

PHONE_HEADERS = frozenset(
    {
        "telefono",
        "tel",
        "numero",
        "numero telefonico",
        "numero di telefono",
        "utenza",
        "utenza telefonica",
        "msisdn",
        "number",
        "phone",
        "phone number",
        "cellulare",
        "cell",
        "mobile",
        "telefono 1",
        "telefono 2",
        "tel 1",
        "tel 2",
    }
)
OUTCOME_HEADERS = frozenset(
    {
        "esito",
        "stato",
        "opposizione",
        "opposto",
        "iscritto",
        "iscrizione",
        "outcome",
        "status",
        "opposed",
    }
)
VAT_HEADERS = frozenset({"partita iva", "p iva", "piva", "iva", "vat", "vat number"})
KEY_HEADERS = frozenset(
    {
        "account",
        "account key",
        "chiave",
        "chiave account",
        "codice account",
        "key",
        "codice qualifica",
    }
)
REASON_HEADERS = frozenset({"motivo", "reason", "note", "notes", "causale"})

# Outcome cells, folded like headers.
OPPOSED = frozenset(
    {
        "opposto",
        "opposta",
        "iscritto",
        "iscritta",
        "si",
        "s",
        "1",
        "true",
        "x",
        "yes",
        "y",
        "opposed",
        "registered",
        "non contattabile",
    }
)
FREE = frozenset(
    {
        "libero",
        "libera",
        "non iscritto",
        "non iscritta",
        "no",
        "n",
        "0",
        "false",
        "contattabile",
        "free",
        "not opposed",
        "not registered",
    }
)
REASON_MAX = 500


@dataclass(frozen=True)
class Item:
    """One entry to write: at least one of number, VAT number and account key."""

    line: int
    e164: str | None = None
    vat_number: str | None = None
    account_key: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class BadLine:
    line: int
    value: str
    problem: str  # a sentence for the user (lazy: translated when shown)


@dataclass
class Parsed:
    items: list[Item] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)
    free: int = 0  # registry numbers the register said are not opposed
    duplicates: int = 0  # lines repeating an entry already read

    def add(self, item: Item, seen: set[tuple[str | None, ...]]) -> None:
        key = (item.e164, item.vat_number, item.account_key)
        if key in seen:
            self.duplicates += 1
        else:
            seen.add(key)
            self.items.append(item)


class DncFileError(ValueError):
    """The file cannot be read as that kind of list; the message says why."""


def phone_e164(raw: str) -> str | None:
    """The number in E.164, or None when it is not a valid Italian (or +CC) number."""
    return parse_phone(raw)[0] if raw.strip() else None


def vat_compact(raw: str) -> str | None:
    """The VAT number compact and checked (leading zeros restored), or None if invalid."""
    cleaned = clean_vat(raw)
    value = cleaned.values.get("vat_number")
    return None if cleaned.flags or not value else value


def _columns(header: Sequence[str], names: frozenset[str]) -> list[int]:
    return [i for i, cell in enumerate(header) if search_key(cell) in names]


def _cell(row: Sequence[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _blank(row: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in row)


def parse_registry(rows: Iterable[list[str]]) -> Parsed:
    """A registry extract: one number per line, or a number column and an outcome one."""
    parsed, seen = Parsed(), set()
    phone_col, outcome_col = 0, None
    for line, row in enumerate(rows, start=1):
        if _blank(row):
            continue
        if line == 1 and phone_e164(_cell(row, 0)) is None:
            phones, outcomes = _columns(row, PHONE_HEADERS), _columns(row, OUTCOME_HEADERS)
            if len(phones) != 1:
                raise DncFileError(
                    _l(
                        "The first line is neither a phone number nor a header with one "
                        "number column (telefono, numero, utenza, msisdn). Found: %(header)s.",
                        header="; ".join(row)[:200],
                    )
                )
            phone_col, outcome_col = phones[0], (outcomes[0] if outcomes else None)
            continue
        raw = _cell(row, phone_col)
        if outcome_col is not None:
            verdict = search_key(_cell(row, outcome_col))
            if verdict in FREE:
                parsed.free += 1
                continue
            if verdict not in OPPOSED:
                parsed.bad.append(
                    BadLine(
                        line,
                        _cell(row, outcome_col),
                        _l("outcome not understood (opposto / libero)"),
                    )
                )
                continue
        e164 = phone_e164(raw)
        if e164 is None:
            parsed.bad.append(BadLine(line, raw, _l("not a valid phone number")))
        else:
            parsed.add(Item(line, e164=e164), seen)
    return parsed


def parse_internal(rows: Iterable[list[str]]) -> Parsed:
    """Internal opt-outs: phone / VAT number / account key columns, an optional reason."""
    parsed, seen = Parsed(), set()
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise DncFileError(_l("The file has no rows."))
    phones, vats = _columns(header, PHONE_HEADERS), _columns(header, VAT_HEADERS)
    keys, reasons = _columns(header, KEY_HEADERS), _columns(header, REASON_HEADERS)
    if not (phones or vats or keys):
        raise DncFileError(
            _l(
                "No phone, VAT number or account column in the header (telefono, partita "
                "iva, codice account). Found: %(header)s.",
                header="; ".join(header)[:200],
            )
        )
    for line, row in enumerate(iterator, start=2):
        if _blank(row):
            continue
        reason = (_cell(row, reasons[0]) if reasons else "")[:REASON_MAX] or None
        found, bad_before = 0, len(parsed.bad)
        for col in phones:
            raw = _cell(row, col)
            if not raw:
                continue
            e164 = phone_e164(raw)
            if e164 is None:
                parsed.bad.append(BadLine(line, raw, _l("not a valid phone number")))
            else:
                parsed.add(Item(line, e164=e164, reason=reason), seen)
                found += 1
        for col in vats:
            raw = _cell(row, col)
            if not raw:
                continue
            vat = vat_compact(raw)
            if vat is None:
                parsed.bad.append(BadLine(line, raw, _l("not a valid VAT number")))
            else:
                parsed.add(Item(line, vat_number=vat, reason=reason), seen)
                found += 1
        for col in keys:
            raw = _cell(row, col).upper()
            if raw:
                parsed.add(Item(line, account_key=raw, reason=reason), seen)
                found += 1
        if not found and len(parsed.bad) == bad_before:
            parsed.bad.append(
                BadLine(
                    line, "; ".join(row)[:60], _l("no phone, VAT number or account on this line")
                )
            )
    return parsed
