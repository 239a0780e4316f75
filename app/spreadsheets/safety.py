"""Cells that a spreadsheet would run as formulas, made inert (CSV/formula injection).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel and LibreOffice. Every file we hand out passes its cells through ``neutralise``,
which prefixes such a cell with an apostrophe (shown as text, not run), as OWASP advises.
"""

from __future__ import annotations

from typing import Any

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return "'" + value
    return value
