"""Tables handed out as files people open in Italian Excel: CSV in UTF-8 with a BOM and
``;`` between cells, or XLSX (xlsxwriter) with a frozen header, filters and widths; every
text cell made formula-safe (``spreadsheet_safety.neutralise``), and XLSX text written
as text, never as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from numbers import Number
from typing import Any

from flask import Response
from werkzeug.utils import secure_filename
from xlsxwriter import Workbook

from app.spreadsheet_safety import neutralise


def csv_download(filename: str, rows: Iterable[Sequence[Any]]) -> Response:
    """``rows`` (the header first) as an attachment called ``filename`` (made safe: it
    may carry a campaign's code or a person's name)."""
    filename = secure_filename(filename) or "table.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(filename: str, rows: Sequence[Sequence[Any]], sheet: str = "Dati") -> Response:
    """``rows`` (the header first) as one XLSX sheet, called ``filename``."""
    filename = secure_filename(filename) or "table.xlsx"
    buffer = io.BytesIO()
    book = Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    page = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    widths = [10] * max((len(row) for row in rows), default=0)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if isinstance(cell, Number) and not isinstance(cell, bool):
                page.write_number(r, c, cell)
            elif cell is not None:
                text = str(neutralise(str(cell)))
                page.write_string(r, c, text, bold if r == 0 else None)
                widths[c] = min(max(widths[c], len(text) + 2), 60)
    for c, width in enumerate(widths):
        page.set_column(c, c, width)
    if rows:
        page.freeze_panes(1, 0)
        page.autofilter(0, 0, max(len(rows) - 1, 0), max(len(rows[0]) - 1, 0))
    book.close()
    return Response(
        buffer.getvalue(),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
