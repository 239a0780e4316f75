"""Reading an uploaded account file (CSV, XLSX, ODS) safely, row by row.

Everything that can be wrong with a file is found here, before anything is written: the
size, the kind (told by its bytes, not its name), a ZIP that would inflate to far more than
it weighs (a "zip bomb"), binary content, an unknown encoding, formulas. Each problem is an
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
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from python_calamine import CalamineWorkbook

from app.i18n import megabytes

log = logging.getLogger(__name__)

DELIMITERS = ";,\t"
SNIFF_BYTES = 64 * 1024
MAX_ZIP_RATIO = 100  # uncompressed / compressed: real workbooks stay far below
MAX_ZIP_MEMBERS = 10_000
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
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
FORMULA = re.compile(r"^\s*(=|[+\-@].*?[A-Za-z_][\w.]*\(|[+\-@].*[|!])")


class FileRefused(ValueError):
    """The file cannot be imported; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class FileFormat:
    """What a file is and how to read it."""

    kind: str  # "csv", "xlsx" or "ods"
    encoding: str | None = None  # CSV only: "utf-8", "utf-8-sig" or "cp1252"
    delimiter: str | None = None  # CSV only


def detect(path: Path, *, max_bytes: int) -> FileFormat:
    """Tell what ``path`` holds, refusing what cannot or must not be read."""
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
        return FileFormat(_zip_kind(path, max_bytes))
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


def _zip_kind(path: Path, max_bytes: int) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise FileRefused(_("The file holds too many parts to be a spreadsheet."))
            packed = sum(m.compress_size for m in members) or 1
            unpacked = sum(m.file_size for m in members)
            if unpacked > max_bytes * 10 or unpacked / packed > MAX_ZIP_RATIO:
                raise FileRefused(
                    _(
                        "The file would expand to %(size)s MB: refused as a possible zip "
                        "bomb. Re-save it from your spreadsheet program.",
                        size=megabytes(unpacked, decimals=0),
                    )
                )
            names = {m.filename for m in members}
            kind = None
            if "xl/workbook.xml" in names:
                kind = "xlsx"
            elif "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                kind = "ods"
            if kind is not None:
                _refuse_formulas(archive, kind)
                return kind
    except zipfile.BadZipFile as error:
        raise FileRefused(_("The file is damaged: it cannot be opened.")) from error
    raise FileRefused(_("This ZIP file is not a spreadsheet. Upload a CSV, XLSX or ODS file."))


# A formula in the sheet's XML, and the cell it belongs to (XLSX: <c r="B3"><f>; ODS:
# table:formula="..."; the cell is then told by the row and column counts in read_rows).
_XLSX_FORMULA = re.compile(  # an empty cell (<c r="E2"/>) is skipped: it is not the one
    rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*(?<!/)>(?:(?!</c>).){0,200}?<f[ >/]', re.S
)
_ODS_FORMULA = re.compile(rb"table:formula=")


def _refuse_formulas(archive: zipfile.ZipFile, kind: str) -> None:
    """Calamine reads a formula's last computed value; a formula is refused instead, like
    one in a CSV. The sheets are scanned in chunks (with an overlap), never loaded whole."""
    if kind == "xlsx":
        members = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        pattern = _XLSX_FORMULA
    else:
        members, pattern = ["content.xml"], _ODS_FORMULA
    for name in members:
        with archive.open(name) as handle:
            tail = b""
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                found = pattern.search(tail + chunk)
                if found and found.groups():
                    raise FileRefused(
                        _(
                            "Cell %(cell)s of the spreadsheet holds a formula. Formulas are "
                            "not imported: copy the cells and paste them as values.",
                            cell=found.group(1).decode(),
                        )
                    )
                if found:
                    raise FileRefused(
                        _(
                            "The spreadsheet holds formulas. Formulas are not imported: copy "
                            "the cells and paste them as values."
                        )
                    )
                tail = chunk[-512:]


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
        for line_number, line in enumerate(handle, start=1):
            try:
                line.decode("cp1252")
            except UnicodeDecodeError as error:
                raise FileRefused(
                    _(
                        "Line %(line)s is neither UTF-8 nor Windows (CP1252) text. Save the "
                        "file as CSV UTF-8.",
                        line=line_number,
                    )
                ) from error
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


def read_rows(path: Path, file_format: FileFormat) -> Iterator[list[str]]:
    """Yield every row as text cells, header first; a formula stops the reading."""
    rows = _csv_rows(path, file_format) if file_format.kind == "csv" else _sheet_rows(path)
    for line_number, row in enumerate(rows, start=1):
        for column, cell in enumerate(row, start=1):
            if cell and FORMULA.match(cell):
                raise FileRefused(
                    _(
                        "Row %(row)s, column %(column)s holds a formula (%(cell)s). Formulas "
                        "are not imported: paste the values instead.",
                        row=line_number,
                        column=column,
                        cell=cell[:40],
                    )
                )
        yield row


def _csv_rows(path: Path, file_format: FileFormat) -> Iterator[list[str]]:
    with path.open(encoding=file_format.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=file_format.delimiter or ";")
        try:
            yield from reader
        except csv.Error as error:
            # The parser's own words ("field larger than field limit") stay in the log.
            log.info("CSV refused at line %s: %s", reader.line_num, error)
            raise FileRefused(
                _(
                    'The file cannot be read as CSV from line %(line)s: a quotation mark (") '
                    "may be opened and never closed. Check that line, or save the file again "
                    "as CSV from your spreadsheet program.",
                    line=reader.line_num,
                )
            ) from error


def _sheet_rows(path: Path) -> Iterator[list[str]]:
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


def preview(path: Path, file_format: FileFormat, rows: int = 10) -> list[list[str]]:
    """The header and the first ``rows`` rows, for the page that shows them."""
    found: list[list[str]] = []
    for row in read_rows(path, file_format):
        found.append(row)
        if len(found) > rows:
            break
    return found


def count_rows(path: Path, file_format: FileFormat) -> int:
    """About how many data rows the file has, for the progress bar (lines for a CSV)."""
    if file_format.kind == "csv":
        with path.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        return max(0, lines - 1)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        return max(0, workbook.get_sheet_by_index(0).height - 1)
    except Exception:  # the reading itself reports what is wrong with the file
        return 0
