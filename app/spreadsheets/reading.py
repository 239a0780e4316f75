"""Reading an uploaded account file (CSV, XLSX, ODS) safely, row by row.

Everything that can be wrong with a file is found here, before anything is written: the
size, the kind (told by its bytes, not its name), a ZIP that would inflate to far more than
it weighs (a "zip bomb"), binary content, an unknown encoding, formulas, and whatever
would take the reader's memory whatever the file's size: a row too long or too wide, too
many rows, a workbook's grid too large (``bounds``, ``workbooks``). Each problem is a
``FileRefused`` whose message says what is wrong and what to do.

Encodings: Italian files come as UTF-8 (with or without BOM) or Windows' CP1252 (Access
and Excel exports). A strict UTF-8 decode decides between them reliably (CP1252 text with
accents is never valid UTF-8), which a statistical detector cannot promise on short files;
Latin-1 is CP1252's subset for letters. The delimiter (``;`` ``,`` or tab) is found with
the standard library's ``csv.Sniffer`` on the first lines. Spreadsheets are read with
python-calamine; their cell values come back as text, as a CSV's would.
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from python_calamine import CalamineWorkbook

from app.i18n import megabytes
from app.spreadsheets.bounds import FileRefused, Limits, check_row, csv_rows
from app.spreadsheets.workbooks import zip_kind

__all__ = ["FileFormat", "FileRefused", "Limits", "Survey", "detect", "read_rows", "survey"]

log = logging.getLogger(__name__)

DELIMITERS = ";,\t"
SNIFF_BYTES = 64 * 1024
# Other formats people upload by mistake, told by their first bytes, named in the
# reader's language ("This is %(kind)s, not a spreadsheet").
MAGIC = {
    b"%PDF": _l("a PDF file"),
    b"\x89PNG": _l("a PNG image"),
    b"\xff\xd8\xff": _l("a JPEG image"),
    b"GIF8": _l("a GIF image"),
    b"\x7fELF": _l("an executable program"),
    b"MZ": _l("an executable program"),
    b"\xd0\xcf\x11\xe0": _l("an old Excel (.xls) or Access file"),
    b"\x1f\x8b": _l("a gzip archive"),
    b"Rar!": _l("a RAR archive"),
    b"7z\xbc\xaf": _l("a 7-Zip archive"),
    b"SQLite format 3": _l("an SQLite database"),
}
# A cell a spreadsheet would run: "=...", or "+", "-", "@" with a function call or a DDE
# link ("-2+IMPORTXML(...)", "+cmd|..."). "+39 02 ..." (a phone) and "-" (nothing) are data.
# After the sign, a name called: a run of letters, digits and dots holding an ASCII letter
# or "_", then "(". Matched from the start of each run only, and without backtracking, so
# a 64 KB cell takes a pass, not billions of steps (the former single pattern did).
CALL = re.compile(r"(?<![\w.])(?:(?![A-Za-z_])[\w.])*+[A-Za-z_][\w.]*+\(")


@dataclass(frozen=True)
class FileFormat:
    """What a file is and how to read it."""

    kind: str  # "csv", "xlsx" or "ods"
    encoding: str | None = None  # CSV only: "utf-8", "utf-8-sig" or "cp1252"
    delimiter: str | None = None  # CSV only


def detect(path: Path, *, max_bytes: int, limits: Limits) -> FileFormat:
    """Tell what ``path`` holds, refusing what cannot or must not be read. A workbook is
    measured against ``limits`` here (it is loaded whole); a CSV, row by row as it is
    read (``read_rows``, ``survey``)."""
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(_("The file is empty."))
    if size > max_bytes:
        raise FileRefused(
            _(
                "The file is %(size)s MB; the limit is %(limit)s MB. Split it, or ask an "
                "administrator to raise QUALIFICA_MAX_UPLOAD_MB.",
                size=megabytes(size),
                limit=megabytes(max_bytes, decimals=0),
            )
        )
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return FileFormat(zip_kind(path, max_bytes, limits))
    for magic, name in MAGIC.items():
        if head.startswith(magic):
            raise FileRefused(
                _(
                    "This is %(kind)s, not a spreadsheet. Save it as CSV, XLSX or ODS and "
                    "upload that.",
                    kind=str(name),
                )
            )
    if b"\x00" in head or _holds_nul(path):
        raise FileRefused(
            _("The file holds binary data (or UTF-16 text). Save it as CSV (UTF-8) or XLSX.")
        )
    encoding = _encoding(path)
    text = head.decode(encoding, errors="ignore")
    return FileFormat("csv", encoding, _delimiter(text))


def _holds_nul(path: Path) -> bool:
    """A NUL character anywhere in a text file (not only in the sniffed start): no text
    holds one, and PostgreSQL cannot store one, so the file is refused at upload."""
    with path.open("rb") as handle:
        return any(b"\x00" in chunk for chunk in iter(lambda: handle.read(1 << 20), b""))


def _encoding(path: Path) -> str:
    """UTF-8 (BOM or not) if the whole file decodes as such, else CP1252."""
    with path.open("rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8-sig" if bom else "utf-8"
        handle.seek(0)
        lines = 0  # CP1252 is one byte a character: a chunk decodes alone, never a whole line
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            try:
                chunk.decode("cp1252")
            except UnicodeDecodeError as error:
                raise FileRefused(
                    _(
                        "Line %(line)s is neither UTF-8 nor Windows (CP1252) text. Save the "
                        "file as CSV UTF-8.",
                        line=lines + chunk.count(b"\n", 0, error.start) + 1,
                    )
                ) from error
            lines += chunk.count(b"\n")
    return "cp1252"


def _delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        raise FileRefused(_("The file has no rows."))
    if not any(d in line for line in lines for d in DELIMITERS):
        return ";"  # one column
    if len(lines) == 1:  # the header alone: the most frequent candidate
        return max(DELIMITERS, key=lines[0].count)
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error as error:
        raise FileRefused(
            _("The columns cannot be told apart: separate them with ';', ',' or tabs.")
        ) from error


def read_rows(path: Path, file_format: FileFormat, *, limits: Limits) -> Iterator[list[str]]:
    """Yield every row as text cells, header first; a formula, or a row past ``limits``,
    stops the reading."""
    if file_format.kind == "csv":
        rows = _csv_rows(path, file_format, limits)  # each row checked as it is read
    else:
        rows = (check_row(n, row, limits) for n, row in enumerate(_sheet_rows(path), start=1))
    for row_number, row in enumerate(rows, start=1):
        for column, cell in enumerate(row, start=1):
            if cell and is_formula(cell):
                raise FileRefused(
                    _(
                        "Row %(row)s, column %(column)s holds a formula (%(cell)s). Formulas "
                        "are not imported: paste the values instead.",
                        row=row_number,
                        column=column,
                        cell=cell[:40],
                    )
                )
        yield row


def is_formula(cell: str) -> bool:
    """A cell a spreadsheet would run (see ``CALL``), told in time linear in its length."""
    text = cell.lstrip()
    if text[:1] == "=":
        return True
    if text[:1] not in ("+", "-", "@"):
        return False
    rest = text[1:]
    return "|" in rest or "!" in rest or ("(" in rest and CALL.search(rest) is not None)


def _csv_rows(path: Path, file_format: FileFormat, limits: Limits) -> Iterator[list[str]]:
    with path.open(encoding=file_format.encoding, newline="") as handle:
        yield from csv_rows(handle, file_format.delimiter or ";", limits)


def _sheet_rows(path: Path) -> Iterator[list[str]]:
    """The first sheet's rows; ``detect`` has measured the workbook, which is loaded
    whole."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        for row in sheet.iter_rows():
            yield [_cell_text(value) for value in row]
    except FileRefused:
        raise
    except Exception as error:  # calamine's errors have no common public base class
        # The reader's own words ("Cannot detect file format") stay in the log.
        log.info("spreadsheet refused: %s", str(error)[:200])
        raise FileRefused(
            _(
                "The spreadsheet cannot be read: it may be damaged, or saved in another "
                "format under this name. Open it in your spreadsheet program and save it "
                "again as XLSX or CSV."
            )
        ) from error


def _cell_text(value: Any) -> str:
    """A spreadsheet value as the text a CSV would hold (12 not 12.0; dates ISO)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Survey:
    """A file read once through, as the upload check reads it."""

    preview: list[list[str]]  # the header and the first rows, for the mapping page
    rows: int  # data rows, the header left out


def survey(
    path: Path, file_format: FileFormat, *, limits: Limits, preview_rows: int = 10
) -> Survey:
    """Read the whole file, so that whatever is wrong anywhere in it (a formula, a row
    past the limits) refuses it now, before anything is stored; keep its first rows."""
    shown: list[list[str]] = []
    count = 0
    for count, row in enumerate(read_rows(path, file_format, limits=limits), start=1):
        if count <= preview_rows + 1:
            shown.append(row)
    return Survey(shown, max(0, count - 1))
