"""How much of a file Qualifica reads: the limits, and the refusals that name them.

A file's size alone does not bound the memory its reading takes: a 48 MB CSV of one line
became one row of millions of cells (and a page with a column selector for each), a
1 KB XLSX with two cells far apart asks its reader for a grid of seventeen billion. So
every reader stops at the first row longer than ``line_chars`` characters, wider than
``columns`` or past ``rows``, before building it; a workbook's extent is measured before
it is opened (``workbooks``), since it is loaded whole. The defaults match ``config.py``
(``QUALIFICA_MAX_LINE_KB``, ``QUALIFICA_MAX_COLUMNS``, ``QUALIFICA_MAX_ROWS``,
``QUALIFICA_MAX_CELLS``); a test keeps them equal.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from flask_babel import format_decimal
from flask_babel import gettext as _

log = logging.getLogger(__name__)


class FileRefused(ValueError):
    """The file cannot be imported; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class Limits:
    """The most a file may hold, whatever its size."""

    line_chars: int = 64 * 1024  # a row, quoted line breaks included
    columns: int = 200
    rows: int = 1_048_576  # the header included; 50 MB at 50 bytes a row
    cells: int = 2_000_000  # a workbook's grid, loaded whole: about 100 bytes a cell

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(
            line_chars=config["READ_MAX_LINE_CHARS"],
            columns=config["READ_MAX_COLUMNS"],
            rows=config["READ_MAX_ROWS"],
            cells=config["READ_MAX_CELLS"],
        )


def number(value: int) -> str:
    """A count in the reader's figures: "65.536" in Italian, "65,536" in English."""
    return format_decimal(value, "#,##0")


def row_too_long(row: int, limits: Limits) -> FileRefused:
    return FileRefused(
        _(
            "Row %(row)s is longer than %(limit)s characters, the most a row may hold: the "
            'file may not be a table, or a quotation mark (") may be opened and never '
            "closed. Check that row (an administrator can raise QUALIFICA_MAX_LINE_KB).",
            row=number(row),
            limit=number(limits.line_chars),
        )
    )


def too_many_columns(row: int, count: int, limits: Limits) -> FileRefused:
    return FileRefused(
        _(
            "Row %(row)s has %(count)s columns; the limit is %(limit)s. Delete the columns "
            "that are not needed, or check the separator (an administrator can raise "
            "QUALIFICA_MAX_COLUMNS).",
            row=number(row),
            count=number(count),
            limit=number(limits.columns),
        )
    )


def too_many_rows(limits: Limits) -> FileRefused:
    return FileRefused(
        _(
            "The file has more than %(limit)s rows, the limit. Split it into smaller files "
            "(an administrator can raise QUALIFICA_MAX_ROWS).",
            limit=number(limits.rows),
        )
    )


def check_row(row_number: int, row: list[str], limits: Limits) -> list[str]:
    """``row``, unless it is past the last one allowed, too wide or too long (a workbook's
    row is built already; a CSV's length is checked while it is read, by ``CsvLines``)."""
    if row_number > limits.rows:
        raise too_many_rows(limits)
    if len(row) > limits.columns:
        raise too_many_columns(row_number, len(row), limits)
    if sum(map(len, row)) + len(row) - 1 > limits.line_chars:
        raise row_too_long(row_number, limits)
    return row


def csv_rows(handle: TextIO, delimiter: str, limits: Limits) -> Iterator[list[str]]:
    """``csv.reader`` over ``handle``, every row within ``limits``; what the parser cannot
    read is refused with the line where it stopped."""
    if csv.field_size_limit() < limits.line_chars + 3:
        csv.field_size_limit(limits.line_chars + 3)  # the row's own limit comes first
    lines = CsvLines(handle, limits)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        while True:
            lines.start_row()
            row = next(reader, None)
            if row is None:
                return
            yield check_row(lines.rows, row, limits)
    except csv.Error as error:
        # The parser's own words stay in the log.
        log.info("CSV refused at line %s: %s", reader.line_num, error)
        raise FileRefused(
            _(
                'The file cannot be read as CSV from line %(line)s: a quotation mark (") '
                "may be opened and never closed. Check that line, or save the file again "
                "as CSV from your spreadsheet program.",
                line=reader.line_num,
            )
        ) from error


class CsvLines:
    """The lines of a text file for ``csv.reader``, each read with a length cap, and the
    row they make up (a quoted cell may span lines) never longer than ``line_chars``:
    a long line is refused after ``line_chars`` characters, never read whole.

    ``start_row()`` is called before each row is read; ``rows`` counts the rows begun."""

    def __init__(self, handle: TextIO, limits: Limits) -> None:
        self.handle, self.limits = handle, limits
        self.rows = 0
        self._length = 0

    def start_row(self) -> None:
        self.rows += 1
        self._length = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(self.limits.line_chars + 3)
        if not line:
            raise StopIteration
        self._length += len(line)
        if self._length > self.limits.line_chars + 2:  # + CR LF
            raise row_too_long(max(self.rows, 1), self.limits)
        return line
