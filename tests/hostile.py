"""Files built to hurt a reader, written in pieces (no test holds a large one whole): the
ones the outside probe used and their variants, and workbooks written by hand as a hostile
one would be. Shared by the reader's unit tests and the upload routes' tests."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

MIB = 1024 * 1024


def write(path: Path, pieces: Iterable[bytes]) -> Path:
    with path.open("wb") as handle:
        for piece in pieces:
            handle.write(piece)
    return path


def repeat(piece: bytes, total: int) -> Iterable[bytes]:
    """``piece`` again and again, ``total`` bytes in all, a megabyte at a time."""
    block = piece * max(1, MIB // len(piece))
    for _ in range(total // len(block)):
        yield block
    yield piece * ((total % len(block)) // len(piece))


HEADER = b"Ragione sociale;Comune;CAP\r\n"
ROW = b"Trasporti Rossi SRL;Cantu;22063\r\n"


def single_line(path: Path) -> Path:
    """48 MB and one line: a header of millions of cells."""
    return write(path, [b"Ragione sociale;Comune;", *repeat(b"Rossi SRL;Cantu;", 48_000_000)])


def million_columns(path: Path) -> Path:
    """9.9 MB: a header of a million columns and a row under it."""
    header = (b";".join(b"c%07d" % i for i in range(j, j + 100_000)) + b";" for j in
              range(0, 1_000_000, 100_000))  # fmt: skip
    return write(path, [*header, b"\r\n", *repeat(b"x;", 900_000), b"\r\n"])


def long_line_in_the_middle(path: Path) -> Path:
    return write(path, [HEADER, *repeat(ROW, 3 * MIB), *repeat(b"Rossi ", 20 * MIB), b"\r\n",
                        *repeat(ROW, 3 * MIB)])  # fmt: skip


def long_quoted_field(path: Path) -> Path:
    """Ordinary rows, then a quotation mark opened for 20 MB of short lines: one cell."""
    return write(path, [HEADER, *repeat(ROW, 3 * MIB), b'Rossi SRL;"Cantu',
                        *repeat(b"riga\r\n", 20 * MIB), b'";22063\r\n', ROW])  # fmt: skip


def many_short_lines(path: Path, rows: int = 1_048_576) -> Path:
    """More rows than ``rows`` (the default limit), each of two bytes."""
    return write(path, [b"Telefono\n", *repeat(b"x\n", 2 * (rows + 10))])


def empty_lines(path: Path) -> Path:
    """48 MB of line breaks."""
    return write(path, [HEADER, *repeat(b"\n", 48_000_000)])


XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
    '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd'
    '.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="appli'
    'cation/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxml'
    'formats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/workshee'
    'ts/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
    '.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlfo'
    'rmats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>",
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.o'
    'rg/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2'
    '006/relationships"><sheets><sheet name="Clienti" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>",
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas'
    '.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://sc'
    'hemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="workshee'
    'ts/sheet1.xml"/></Relationships>',
}


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(path: Path, rows: str, extra: dict[str, str] | None = None) -> Path:
    """A workbook written by hand, as a hostile one would be: ``rows`` is its sheetData."""
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/sprea'
             f'dsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>')  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**XLSX_PARTS, **(extra or {})}.items():
            archive.writestr(name, data)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names'
    ':tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifes'
    't:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods(path: Path, rows: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oas'
        'is:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocum'
        'ent:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" off'
        'ice:version="1.2"><office:body><office:spreadsheet><table:table table:name="Clienti"'
        f">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        mimetype = "application/vnd.oasis.opendocument.spreadsheet"
        archive.writestr("mimetype", mimetype, zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        archive.writestr("content.xml", content)
    return path


A1 = '<row r="1">' + cell("A1", "Ragione sociale") + "</row>"
ODS_CELL = '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
REPEATED_CELL = ODS_CELL.replace(
    "<table:table-cell", '<table:table-cell table:number-columns-repeated="16384"'
)
ODS_ROWS = '<table:table-row table:number-rows-repeated="{rows}">{cells}</table:table-row>'
EMPTY_ROWS = ODS_ROWS.format(
    rows=1_048_575, cells='<table:table-cell table:number-columns-repeated="16384"/>'
)
