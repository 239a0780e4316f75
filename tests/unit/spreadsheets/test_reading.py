"""Reading uploaded files: kinds, encodings, delimiters, and every bad input refused."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter

from app.spreadsheets.reading import FileFormat, FileRefused, Limits, detect, read_rows, survey

LIMIT = 10_000_000
LIMITS = Limits()
ROWS = [["Ragione sociale", "Comune", "CAP"], ["Trasporti Cantù", "Cantù", "22063"]]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def csv_bytes(delimiter: str, encoding: str, rows=ROWS) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected"),
    [
        ("utf-8", ";", "utf-8"),
        ("utf-8-sig", ",", "utf-8-sig"),
        ("cp1252", "\t", "cp1252"),  # Access and Excel's "CSV" on Windows
        ("latin-1", ";", "cp1252"),  # Latin-1 letters are CP1252's
    ],
)
def test_encoding_and_delimiter_are_detected(tmp_path, encoding, delimiter, expected) -> None:
    path = write(tmp_path, "clienti.csv", csv_bytes(delimiter, encoding))
    found = detect(path, max_bytes=LIMIT, limits=LIMITS)
    assert found == FileFormat("csv", expected, delimiter)
    assert list(read_rows(path, found, limits=LIMITS)) == ROWS  # "Cantù" comes back whole, BOM gone


def test_quoted_cells_keep_their_delimiters(tmp_path) -> None:
    data = b'Ragione sociale;Indirizzo\r\n"Rossi; Bianchi SNC";"Via Roma, 1"\r\n'
    path = write(tmp_path, "a.csv", data)
    found = detect(path, max_bytes=LIMIT, limits=LIMITS)
    assert found.delimiter == ";"
    assert list(read_rows(path, found, limits=LIMITS))[1] == ["Rossi; Bianchi SNC", "Via Roma, 1"]


def test_the_kind_is_told_by_the_bytes_not_the_name(tmp_path) -> None:
    path = write(tmp_path, "clienti.xlsx", csv_bytes(";", "utf-8"))
    assert detect(path, max_bytes=LIMIT, limits=LIMITS).kind == "csv"


def xlsx(tmp_path: Path, rows, formula: str | None = None) -> Path:
    path = tmp_path / "clienti.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Clienti")
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, date_format)
            else:
                sheet.write(r, c, value)
    if formula:
        sheet.write_formula(formula, "=1+1")
    book.close()
    return path


def test_xlsx_cells_come_back_as_text(tmp_path) -> None:
    path = xlsx(tmp_path, [["Ragione sociale", "Mezzi", "Ultimo acquisto"],
                           ["Trasporti Cantù", 12, date(2024, 3, 1)]])  # fmt: skip
    found = detect(path, max_bytes=LIMIT, limits=LIMITS)
    assert found == FileFormat("xlsx")
    assert list(read_rows(path, found, limits=LIMITS))[1] == ["Trasporti Cantù", "12", "2024-03-01"]


def test_an_xlsx_formula_is_refused_with_its_cell(tmp_path) -> None:
    path = xlsx(tmp_path, ROWS, formula="C3")
    with pytest.raises(FileRefused, match=r"Cell C3 .* formula"):
        detect(path, max_bytes=LIMIT, limits=LIMITS)


def ods(tmp_path: Path, cells: str) -> Path:
    path = tmp_path / "clienti.ods"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Clienti">'
        f"{cells}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return path


def ods_row(*cells: str) -> str:
    return (
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>'
            for c in cells
        )
        + "</table:table-row>"
    )


def test_ods_is_read(tmp_path) -> None:
    path = ods(tmp_path, ods_row("Ragione sociale", "Comune") + ods_row("Rossi SRL", "Cantù"))
    found = detect(path, max_bytes=LIMIT, limits=LIMITS)
    assert found == FileFormat("ods")
    assert list(read_rows(path, found, limits=LIMITS)) == [
        ["Ragione sociale", "Comune"],
        ["Rossi SRL", "Cantù"],
    ]


def test_an_ods_formula_is_refused(tmp_path) -> None:
    cell = ('<table:table-row><table:table-cell table:formula="of:=1+1" '
            'office:value-type="float" office:value="2"/></table:table-row>')  # fmt: skip
    with pytest.raises(FileRefused, match="The spreadsheet holds formulas"):
        detect(ods(tmp_path, ods_row("A") + cell), max_bytes=LIMIT, limits=LIMITS)


@pytest.mark.parametrize(
    "cell",
    ["=HYPERLINK(\"http://x\";\"clic\")", "=1+1", "+cmd|' /C calc'!A0", "@SUM(A1:A2)",
     "-2+IMPORTXML(A1)"],
)  # fmt: skip
def test_a_csv_formula_is_refused_with_its_row_and_column(tmp_path, cell) -> None:
    rows = [["Ragione sociale", "Telefono"], ["Rossi SRL", cell]]
    path = write(tmp_path, "a.csv", csv_bytes(";", "utf-8", rows))
    with pytest.raises(FileRefused, match="Row 2, column 2 holds a formula"):
        list(read_rows(path, detect(path, max_bytes=LIMIT, limits=LIMITS), limits=LIMITS))


@pytest.mark.parametrize("cell", ["+39 02 1234 5678", "-", "+39-333-1234567", "@home", "-5"])
def test_values_that_only_look_like_formulas_are_data(tmp_path, cell) -> None:
    rows = [["Ragione sociale", "Telefono"], ["Rossi SRL", cell]]
    path = write(tmp_path, "a.csv", csv_bytes(";", "utf-8", rows))
    assert (
        list(read_rows(path, detect(path, max_bytes=LIMIT, limits=LIMITS), limits=LIMITS))[1][1]
        == cell
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7 ...", "a PDF file"),
        (b"\x89PNG\r\n\x1a\n....", "PNG image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", r"old Excel \(.xls\)"),
        (b"MZ\x90\x00\x03", "executable"),
        (b"Ragione sociale\x00;Comune\x00\r\n", "binary data"),
        ("Ragione sociale;Comune\r\nRossi;Cant\u00f9\r\n".encode("utf-16"), "binary data"),
        (b"Ragione sociale;Comune\r\nRossi\x81;Roma\r\n", "Line 2 is neither UTF-8 nor"),
        (b"PK\x03\x04 this is not really a zip", "damaged"),
        (b"   \r\n\r\n", "no rows"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(tmp_path, data, message) -> None:
    with pytest.raises(FileRefused, match=message):
        detect(write(tmp_path, "upload.csv", data), max_bytes=LIMIT, limits=LIMITS)


def test_an_oversized_file_is_refused(tmp_path) -> None:
    path = write(tmp_path, "big.csv", csv_bytes(";", "utf-8") * 1000)
    with pytest.raises(FileRefused, match="QUALIFICA_MAX_UPLOAD_MB"):
        detect(path, max_bytes=1000, limits=LIMITS)


def test_a_zip_that_is_not_a_spreadsheet_is_refused(tmp_path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "hello")
    with pytest.raises(FileRefused, match="not a spreadsheet"):
        detect(path, max_bytes=LIMIT, limits=LIMITS)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 20_000_000)  # ~20 KB packed
    assert path.stat().st_size < 100_000
    with pytest.raises(FileRefused, match="zip bomb"):
        detect(path, max_bytes=LIMIT, limits=LIMITS)


def test_the_survey_shows_the_header_and_first_rows_and_counts_them_all(tmp_path) -> None:
    rows = [["Ragione sociale"]] + [[f"Ditta {i}"] for i in range(30)]
    path = write(tmp_path, "a.csv", csv_bytes(";", "utf-8", rows))
    read = survey(path, detect(path, max_bytes=LIMIT, limits=LIMITS), limits=LIMITS, preview_rows=5)
    assert read.preview == rows[:6]
    assert read.rows == 30
