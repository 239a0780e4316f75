"""Cells that a spreadsheet would run as formulas, made inert (CSV/formula injection).

A CSV cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel and LibreOffice. The CSV files people open pass their cells through ``neutralise``,
which prefixes such a cell with an apostrophe (shown as text, not run), as OWASP advises.
XLSX string cells are never evaluated and get no apostrophe; CRM load files are data for a
program and are guarded only in the columns their mapping asks for (docs/exports.md).
"""

from __future__ import annotations

from typing import Any

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return "'" + value
    return value
