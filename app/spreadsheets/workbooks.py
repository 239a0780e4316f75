"""A workbook (XLSX, ODS) checked before it is opened: it is a ZIP of XML parts, and its
reader (python-calamine) loads a whole sheet as a grid, every cell from the first to the
last, so what it costs is measured from the XML first.

Refused here, each with a sentence naming the limit: a ZIP that would inflate to far more
than it weighs (a "zip bomb"); more text than a CSV file may weigh (the upload limit: its
shared strings, or the cells' text); a sheet whose cells reach past ``Limits.rows`` or
``Limits.columns``, or whose grid would exceed ``Limits.cells`` (two cells far apart are a
grid of billions: a 1 KB file); formulas. The XML is scanned in chunks, never held whole,
with regular expressions rather than an XML parser (no entity is ever expanded).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from operator import itemgetter
from pathlib import Path

from flask_babel import gettext as _

from app.i18n import megabytes
from app.spreadsheets.bounds import FileRefused, Limits, number, row_too_long

MAX_ZIP_RATIO = 100  # uncompressed / compressed: real workbooks stay far below
MAX_ZIP_MEMBERS = 10_000
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
CHUNK = 1 << 20
MAX_TAG = 1 << 20  # bytes from a "<" to its ">": no real tag comes near


def zip_kind(path: Path, max_bytes: int, limits: Limits) -> str:
    """ "xlsx" or "ods", once the workbook is known to be safe to open."""
    try:
        with zipfile.ZipFile(path) as archive:
            _refuse_bomb(archive.infolist(), max_bytes)
            names = set(archive.namelist())
            kind = None
            if "xl/workbook.xml" in names:
                kind = "xlsx"
            elif "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                kind = "ods"
            if kind is not None:
                _check_parts(archive, kind, max_bytes, limits)
                return kind
    except zipfile.BadZipFile as error:
        raise FileRefused(_("The file is damaged: it cannot be opened.")) from error
    raise FileRefused(_("This ZIP file is not a spreadsheet. Upload a CSV, XLSX or ODS file."))


def _refuse_bomb(members: list[zipfile.ZipInfo], max_bytes: int) -> None:
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


def _sheets(names: list[str], kind: str) -> list[str]:
    if kind == "ods":
        return ["content.xml"]
    return [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")
            and "/_rels/" not in n]  # fmt: skip


def _check_parts(archive: zipfile.ZipFile, kind: str, max_bytes: int, limits: Limits) -> None:
    """Every part other than a sheet (shared strings, styles...) is read whole by the
    reader: none may hold more than a CSV file may weigh. Each sheet is then scanned."""
    sheets = _sheets(archive.namelist(), kind)
    for member in archive.infolist():
        if member.filename not in sheets and member.file_size > max_bytes:
            raise _too_much_text(member.file_size, max_bytes)
    for name in sheets:
        _scan_sheet(archive, name, kind, max_bytes, limits)


def _too_much_text(size: int, max_bytes: int) -> FileRefused:
    return FileRefused(
        _(
            "Once unpacked, the spreadsheet holds %(size)s MB of text, more than the "
            "%(limit)s MB a file may weigh. Save it as CSV, or split it.",
            size=megabytes(size, decimals=0),
            limit=megabytes(max_bytes, decimals=0),
        )
    )


# A formula in the sheet's XML, and the cell it belongs to (XLSX: <c r="B3"><f>; ODS:
# table:formula="..."; the cell is then told by the row and column counts in read_rows).
_XLSX_FORMULA = re.compile(  # an empty cell (<c r="E2"/>) is skipped: it is not the one
    rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*(?<!/)>(?:(?!</c>).){0,200}?<f[ >/]', re.S
)
_ANY_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")  # whatever its cell
_ODS_FORMULA = re.compile(rb"table:formula=")
_MARKUP = re.compile(rb"<[^>]*>\s*")  # a tag, and the indentation after it: not text


def _scan_sheet(
    archive: zipfile.ZipFile, name: str, kind: str, max_bytes: int, limits: Limits
) -> None:
    """One pass over a sheet's XML, in chunks: formulas, the cells' extent, their text.
    Calamine reads a formula's last computed value; a formula is refused instead, like
    one in a CSV."""
    extent = XlsxExtent(limits) if kind == "xlsx" else OdsExtent(limits)
    text, overlap = 0, b""
    with archive.open(name) as handle:
        for chunk in _tags(iter(lambda: handle.read(CHUNK), b""), extent):
            extent.feed(chunk)
            if isinstance(extent, OdsExtent):
                _refuse_formula(_ODS_FORMULA.search(chunk))
            elif extent.holds_formula(chunk):  # rare: only then look for its cell, to name it
                _refuse_formula(_XLSX_FORMULA.search(overlap + chunk), certain=True)
            overlap = chunk[-512:]
            text += len(_MARKUP.sub(b"", chunk))
            if text > max_bytes:
                raise _too_much_text(text, max_bytes)
    extent.close()


def _tags(chunks: Iterator[bytes], extent: XlsxExtent | OdsExtent) -> Iterator[bytes]:
    """The XML again in pieces that each end before a "<": no tag is ever cut in two."""
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        cut = data.rfind(b"<")
        if cut <= 0:
            cut = len(data) if cut < 0 else 0
        data, tail = data[:cut], data[cut:]
        if len(tail) > MAX_TAG + 4 * extent.limits.line_chars:
            raise row_too_long(max(extent.row, 1), extent.limits)
        if data:
            yield data
    if tail:
        yield tail


def _refuse_formula(found: re.Match[bytes] | None, *, certain: bool = False) -> None:
    """Refuse the formula ``found``, naming its cell when the match tells it; ``certain``
    when a formula is there even if its cell cannot be told (a cell without "r")."""
    if found and found.groups():
        raise FileRefused(
            _(
                "Cell %(cell)s of the spreadsheet holds a formula. Formulas are "
                "not imported: copy the cells and paste them as values.",
                cell=found.group(1).decode(),
            )
        )
    if found or certain:
        raise FileRefused(
            _(
                "The spreadsheet holds formulas. Formulas are not imported: copy "
                "the cells and paste them as values."
            )
        )


class _Extent:
    """How far a sheet's cells reach (rows and columns from the first, 1-based), as its
    reader will place them; refused as soon as it passes a limit."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.row = 0  # the row being read
        self.rows = self.columns = 0  # the farthest cell with a value
        self.cells_before = 0  # the grids of the workbook's earlier sheets (ODS)

    def check(self) -> None:
        limits = self.limits
        if self.rows > limits.rows:
            raise FileRefused(
                _(
                    "The spreadsheet has data down to row %(row)s; the limit is %(limit)s "
                    "rows. Split it into smaller files, and delete any stray value far "
                    "below the table (an administrator can raise QUALIFICA_MAX_ROWS).",
                    row=number(self.rows),
                    limit=number(limits.rows),
                )
            )
        if self.columns > limits.columns:
            raise FileRefused(
                _(
                    "The spreadsheet has data in column %(column)s; the limit is %(limit)s "
                    "columns. Delete the columns that are not needed, and any stray value "
                    "far to the right (an administrator can raise QUALIFICA_MAX_COLUMNS).",
                    column=number(self.columns),
                    limit=number(limits.columns),
                )
            )
        if self.cells_before + self.rows * self.columns > limits.cells:
            raise FileRefused(
                _(
                    "The spreadsheet spans %(rows)s rows by %(columns)s columns, more than "
                    "the %(limit)s cells a workbook may hold (it is read whole). Save it as "
                    "CSV, which is read row by row, or split it (an administrator can raise "
                    "QUALIFICA_MAX_CELLS).",
                    rows=number(self.rows),
                    columns=number(self.columns),
                    limit=number(limits.cells),
                )
            )

    def close(self) -> None:
        self.check()


# XLSX: <row r="7">, <c r="B7" ...> (any namespace prefix); a cell without "r" follows
# the one before it, a row without "r" the row before. An empty cell (<c r="B7" s="1"/>,
# formatting only) is not read, so it does not count. Cells with their "r" (what Excel
# and every library write) are measured in bulk; the others one by one.
_NS = rb"<(?:[A-Za-z_][\w.-]*:)?"
_XLSX_TAGS = re.compile(_NS + rb"(row|c)(?=[\s/>])([^>]*)>")
_XLSX_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)([0-9]*)["']""")
_XLSX_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")


class _Bulk:
    """The patterns for a sheet whose tags carry ``prefix`` (b"" for none, "x:"...)."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix
        self.cell, self.row = b"<" + prefix + b"c", b"<" + prefix + b"row"
        self.rows = re.compile(re.escape(self.row) + rb"[\s/>]")
        self.formula = re.compile(re.escape(b"<" + prefix + b"f") + rb"[\s/>]")
        self.valued = re.compile(re.escape(self.cell) + rb' r="([A-Z]+)([0-9]+)"[^>]*(?<!/)>')


def _column_number(letters: bytes) -> int:
    value = 0
    for letter in letters.upper()[:12]:  # more than XFD is refused either way
        value = value * 26 + letter - 64
    return value


class XlsxExtent(_Extent):
    column = 0
    bulk: _Bulk | None = None

    def feed(self, data: bytes) -> None:
        if self.bulk is None and (root := _XLSX_ROOT.search(data)):
            self.bulk = _Bulk(root.group(1) or b"")
        bulk = self.bulk
        if bulk is None or not self._in_bulk(data, bulk):
            self._one_by_one(data)
        self.check()

    def holds_formula(self, data: bytes) -> bool:
        """A formula element in ``data``, whatever its prefix (calamine reads local names)."""
        if self.bulk is not None and self.bulk.formula.search(data):
            return True
        return (self.bulk is None or b":f" in data) and bool(_ANY_FORMULA_TAG.search(data))

    def _in_bulk(self, data: bytes, bulk: _Bulk) -> bool:
        """Every cell and row of ``data`` starts with its "r" (as Excel and the libraries
        write them): measured with a few passes of the regular expression engine, the last
        row again one cell at a time for where the piece leaves off. False otherwise."""
        # Every "<c" is a cell with its "r" first, every "<row" a row with its "r" (the
        # piece holding <cols> or <rowBreaks> is read one by one: it is never the big one),
        # and no cell or row has another prefix (calamine reads <y:c> as a cell too).
        prefixed = bool(bulk.prefix)
        if (
            data.count(bulk.cell) != data.count(bulk.cell + b' r="')
            or data.count(bulk.row) != data.count(bulk.row + b' r="')
            or data.count(b":c") != prefixed * data.count(bulk.cell)
            or data.count(b":row") != prefixed * data.count(bulk.row)
        ):
            return False
        valued = bulk.valued.findall(data)
        if valued:
            letters = set(map(itemgetter(0), valued))
            self.columns = max(self.columns, *map(_column_number, letters))
            self.rows = max(self.rows, *map(int, set(map(itemgetter(1), valued))))
        last_row = bulk.rows.search(data, max(0, data.rfind(bulk.row)))
        start = last_row.start() if last_row else data.rfind(bulk.cell + b' r="')
        self._one_by_one(data[max(0, start) :])
        return True

    def _one_by_one(self, data: bytes) -> None:
        for tag, attributes in _XLSX_TAGS.findall(data):
            ref = _XLSX_REF.search(attributes)
            letters, digits = (ref.group(1), ref.group(2)) if ref else (b"", b"")
            if tag == b"row":
                self.row = int(digits) if digits else self.row + 1
                self.column = 0
                continue
            self.column = _column_number(letters) if letters else self.column + 1
            if not attributes.endswith(b"/"):
                self.rows = max(self.rows, int(digits) if digits else self.row)
                self.columns = max(self.columns, self.column)


# ODS: rows and cells repeated by number-rows-repeated / number-columns-repeated; a cell
# counts when it has a value (a value type, or content). Trailing empty cells and rows
# (LibreOffice writes a million of them) are not read. Every table of the file is loaded.
_ODS_TAGS = re.compile(
    rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>"
)
_ODS_REPEAT = re.compile(rb"""number-(?:rows|columns)-repeated\s*=\s*["']([0-9]+)""")


def _repeat(attributes: bytes) -> int:
    found = _ODS_REPEAT.search(attributes)
    return max(1, int(found.group(1))) if found else 1


class OdsExtent(_Extent):
    column = last = 0
    repeat = 1

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self.tables: list[tuple[int, int]] = []  # each table's rows and columns, once read

    def feed(self, data: bytes) -> None:
        handlers: dict[bytes, Callable[[bool, bytes], None]] = {
            b"table": self._table,
            b"table-row": self._row,
        }
        for closing, tag, attributes in _ODS_TAGS.findall(data):
            handler = handlers.get(tag)
            if handler is not None:
                handler(closing == b"/", attributes)
            elif not closing:  # a cell (or one covered by a merged cell)
                repeat = _repeat(attributes)
                if not attributes.endswith(b"/") or b"value-type" in attributes:
                    self.last = self.column + repeat
                self.column += repeat
        self.check()

    def _table(self, closing: bool, attributes: bytes) -> None:
        if closing:
            self.check()
            self.tables.append((self.rows, self.columns))
            self.cells_before += self.rows * self.columns
            self.row = self.rows = self.columns = 0

    def _row(self, closing: bool, attributes: bytes) -> None:
        if not closing:
            self.repeat, self.column, self.last = _repeat(attributes), 0, 0
            if not attributes.endswith(b"/"):
                return
        if self.last:
            self.rows = self.row + self.repeat
            self.columns = max(self.columns, self.last)
        self.row += self.repeat
        self.last = 0
