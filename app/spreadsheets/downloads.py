"""Tables handed out as files people open in Italian Excel: CSV in UTF-8 with a BOM and
``;`` between cells, or XLSX (xlsxwriter) with a frozen header, filters and widths. A CSV
cell Excel would run is made formula-safe (``safety.neutralise``); XLSX text is written as
string cells, which no spreadsheet evaluates, so it is written exactly as it is (a quote
there would be shown as part of the value). ``csv_bytes`` / ``xlsx_bytes`` make the files (the
distribution packs use them too), ``csv_download`` / ``xlsx_download`` send them.

A ``Duration`` (a timesheet's hours) is a number of days formatted ``[h]:mm`` in XLSX, which
sums and never wraps at 24 hours; in a CSV it is the text ``h:mm`` after the apostrophe that
marks a cell as text (as the formula guard does): Excel would otherwise read ``7:30`` as a
time of day and ``31:15`` as a date in 1900, and a column of them would sum wrongly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from numbers import Number
from typing import Any

from flask import Response
from werkzeug.utils import secure_filename
from xlsxwriter import Workbook

from app.spreadsheets.safety import neutralise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXED_STAMP = datetime(2000, 1, 1)
TEXT_MARK = "'"  # what tells a spreadsheet a CSV cell is text, not a number, date or formula


@dataclass(frozen=True)
class Duration:
    """A length of time, written as hours and minutes (rounded to the minute)."""

    seconds: float

    @property
    def hours_minutes(self) -> str:
        minutes = round(self.seconds / 60)
        return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Validation:
    """A column people fill in: what its data rows accept (xlsxwriter's data validation
    ``options``: a list, a whole number, a date...) and how its cells are shown
    (``num_format``)."""

    column: int
    options: Mapping[str, Any]
    num_format: str | None = None


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """``rows`` (the header first) as CSV for Italian Excel: UTF-8 BOM, ``;``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(cell: Any) -> Any:
    if isinstance(cell, Duration):
        return TEXT_MARK + cell.hours_minutes
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, date):
        return cell.isoformat()
    return neutralise(cell)


def xlsx_bytes(
    rows: Sequence[Sequence[Any]],
    sheet: str = "Dati",
    *,
    created: datetime | None = None,
    validations: Sequence[Validation] = (),
) -> bytes:
    """``rows`` (the header first) as one XLSX sheet. ``created`` fixes the workbook's
    creation date, so the same rows always give the same bytes; ``validations`` check what
    people type in the data rows of their columns."""
    buffer = io.BytesIO()
    book = Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    book.set_properties({"created": (created or FIXED_STAMP).replace(tzinfo=None)})
    page = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    hours = book.add_format({"num_format": "[h]:mm"})
    widths = [10] * max((len(row) for row in rows), default=0)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if isinstance(cell, Number) and not isinstance(cell, bool):
                page.write_number(r, c, cell)
            elif isinstance(cell, Duration):  # days, as spreadsheets count time
                page.write_number(r, c, round(cell.seconds / 60) / 1440, hours)
            elif isinstance(cell, datetime):
                page.write_datetime(r, c, cell.replace(tzinfo=None), stamp)
                widths[c] = max(widths[c], 17)
            elif isinstance(cell, date):
                page.write_datetime(r, c, datetime(cell.year, cell.month, cell.day), day)
                widths[c] = max(widths[c], 12)
            elif cell is not None:
                text = str(cell)  # a string cell: never evaluated, so never altered
                page.write_string(r, c, text, bold if r == 0 else None)
                widths[c] = min(max(widths[c], len(text) + 2), 60)
    shown = {v.column: book.add_format({"num_format": v.num_format}) for v in validations
             if v.num_format}  # fmt: skip
    for c, width in enumerate(widths):
        page.set_column(c, c, width, shown.get(c))
    for rule in validations:
        page.data_validation(1, rule.column, max(len(rows) - 1, 1), rule.column, dict(rule.options))
    if rows:
        page.freeze_panes(1, 0)
        page.autofilter(0, 0, max(len(rows) - 1, 0), max(len(rows[0]) - 1, 0))
    book.close()
    return buffer.getvalue()


def _attachment(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_download(filename: str, rows: Iterable[Sequence[Any]]) -> Response:
    """``rows`` (the header first) as an attachment called ``filename`` (made safe: it
    may carry a campaign's code or a person's name)."""
    name = secure_filename(filename) or "table.csv"
    return _attachment(csv_bytes(rows), "text/csv; charset=utf-8", name)


def xlsx_download(filename: str, rows: Sequence[Sequence[Any]], sheet: str = "Dati") -> Response:
    """``rows`` (the header first) as one XLSX sheet, called ``filename``."""
    name = secure_filename(filename) or "table.xlsx"
    return _attachment(xlsx_bytes(rows, sheet), XLSX, name)
