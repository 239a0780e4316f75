"""Files built to exhaust memory are refused at once, within a bounded memory.

Each hostile file is written to ``tmp_path`` in pieces (the test never holds it), then
read by the upload check (``detect`` then ``survey``, which reads every row) in a child
process: its peak resident memory must stay under 256 MiB, and the child runs under a
2 GiB address-space cap so that a regression fails the test instead of the machine.

The peak is the kernel's high-water mark of the child's own memory (``VmHWM``), which
counts the Rust spreadsheet reader's allocations too (``tracemalloc`` sees only
Python's). ``getrusage``'s ``ru_maxrss`` is no use here: Linux carries the forking
parent's peak (pytest's) over into the child."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zipfile
from dataclasses import asdict
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from app.spreadsheets import workbooks
from app.spreadsheets.bounds import Limits
from app.spreadsheets.reading import FileFormat, FileRefused, detect, read_rows
from config import ROOT
from tests.hostile import (
    A1,
    EMPTY_ROWS,
    HEADER,
    MIB,
    ODS_CELL,
    ODS_ROWS,
    REPEATED_CELL,
    ROW,
    cell,
    empty_lines,
    long_line_in_the_middle,
    long_quoted_field,
    many_short_lines,
    million_columns,
    ods,
    repeat,
    single_line,
    write,
    xlsx,
)

UPLOAD = 50 * MIB  # the default upload limit
LIMITS = Limits()  # the defaults: 64 KiB a row, 200 columns, 1,048,576 rows, 2M cells
PEAK = 256 * MIB

CHILD = r"""
import json, resource, sys
from pathlib import Path

from app.spreadsheets.reading import FileRefused, Limits, detect, survey

cap = 2 * 1024**3
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
path, max_bytes, limits = Path(sys.argv[1]), int(sys.argv[2]), Limits(**json.loads(sys.argv[3]))
def peak():
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) * 1024

before = peak()
try:
    read = survey(path, detect(path, max_bytes=max_bytes, limits=limits), limits=limits)
    outcome = {"rows": read.rows}
except FileRefused as exc:
    outcome = {"refused": str(exc)}
outcome["peak"], outcome["before"] = peak(), before
print(json.dumps(outcome))
"""


def upload_check(path: Path, limits: Limits = LIMITS, max_bytes: int = UPLOAD) -> dict:
    """What the upload check makes of ``path`` in a process of its own, and its peak."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, str(path), str(max_bytes), json.dumps(asdict(limits))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


HOSTILE = {
    "single_line_48mb.csv": (single_line, "Row 1 is longer than 65,536 characters"),
    "million_columns.csv": (million_columns, "Row 1 is longer than 65,536 characters"),
    "long_line_in_the_middle.csv": (
        long_line_in_the_middle,
        f"Row {2 + 3 * MIB // len(ROW):,} is longer than 65,536 characters",
    ),
    "long_quoted_field.csv": (
        long_quoted_field,
        f"Row {2 + 3 * MIB // len(ROW):,} is longer than 65,536 characters",
    ),
    "many_short_lines.csv": (many_short_lines, "more than 1,048,576 rows"),
    "empty_lines.csv": (empty_lines, "more than 1,048,576 rows"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_csv_is_refused_within_bounded_memory(tmp_path, name) -> None:
    make, message = HOSTILE[name]
    path = make(tmp_path / name)
    assert path.stat().st_size < UPLOAD
    outcome = upload_check(path)
    assert message in outcome.get("refused", ""), outcome
    assert outcome["peak"] < PEAK, f"peak {outcome['peak'] / MIB:.0f} MiB"


def test_a_large_ordinary_csv_is_read_within_bounded_memory(tmp_path) -> None:
    """The control: 30 MB of ordinary rows pass, read row by row in the same bound."""
    path = write(tmp_path / "clienti.csv", [HEADER, *repeat(ROW, 30 * MIB)])
    outcome = upload_check(path)
    assert outcome.get("rows") == 30 * MIB // len(ROW), outcome
    assert outcome["peak"] < PEAK


# --------------------------------------------------------------------- workbooks ---
WORKBOOKS = {
    # Two cells far apart: the reader would allocate a grid of 17 billion cells (512 GB).
    "far_cell.xlsx": (
        lambda p: xlsx(p, A1 + '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"),
        "data in column 16,384; the limit is 200 columns",
    ),
    "big_grid.xlsx": (
        lambda p: xlsx(p, A1 + '<row r="20000">' + cell("GR20000", "x") + "</row>"),
        "spans 20,000 rows by 200 columns, more than the 2,000,000 cells",
    ),
    # Cells without positions follow each other: 300 of them make 300 columns.
    "unnumbered.xlsx": (
        lambda p: xlsx(p, "<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 300 + "</row>"),
        "data in column 300",
    ),
    # One cell repeated over a whole sheet: calamine asks for 17 billion cells.
    "repeated.ods": (
        lambda p: ods(p, ODS_ROWS.format(rows=1_048_576, cells=REPEATED_CELL)),
        "data in column 16,384",
    ),
    "tall.ods": (
        lambda p: ods(p, ODS_ROWS.format(rows=20_000, cells=ODS_CELL * 150)),
        "spans 20,000 rows by 150 columns",
    ),
}


@pytest.mark.parametrize("name", WORKBOOKS)
def test_a_hostile_workbook_is_refused_before_it_is_opened(tmp_path, name) -> None:
    make, message = WORKBOOKS[name]
    path = make(tmp_path / name)
    assert path.stat().st_size < 100_000
    outcome = upload_check(path)
    assert message in outcome.get("refused", ""), outcome
    assert outcome["peak"] < PEAK


def test_a_workbook_with_more_text_than_a_file_may_weigh_is_refused(tmp_path) -> None:
    """Shared strings are read whole: no more of them than the upload limit."""
    strings = "".join(f"<si><t>Ditta {i:07d} di Cantù</t></si>" for i in range(60_000))
    extra = {"xl/sharedStrings.xml": f"<sst>{strings}</sst>"}
    path = xlsx(tmp_path / "strings.xlsx", A1, extra)
    with pytest.raises(FileRefused, match=r"holds 2 MB of text, more than the 1 MB"):
        detect(path, max_bytes=MIB, limits=LIMITS)


def test_a_sheet_with_more_text_than_a_file_may_weigh_is_refused(tmp_path) -> None:
    rows = "".join(f'<row r="{r}">{cell(f"A{r}", "Ditta " + "x" * 40)}</row>'
                   for r in range(1, 30_001))  # fmt: skip
    path = xlsx(tmp_path / "inline.xlsx", rows)
    with pytest.raises(FileRefused, match=r"holds 1 MB of text, more than the 1 MB"):
        detect(path, max_bytes=MIB, limits=LIMITS)


def test_formatting_without_values_does_not_count(tmp_path) -> None:
    """Empty cells a spreadsheet keeps for their format (and LibreOffice's million empty
    trailing rows) are not read, so they do not count against the limits."""
    styled = A1 + '<row r="900000"><c r="XFD900000" s="1"/></row>'
    path = xlsx(tmp_path / "styled.xlsx", styled)
    assert list(read_rows(path, detect(path, max_bytes=UPLOAD, limits=LIMITS), limits=LIMITS)) \
        == [["Ragione sociale"]]  # fmt: skip
    empty = '<table:table-cell table:number-columns-repeated="16383"/>'
    trailing = f"<table:table-row>{ODS_CELL}{empty}</table:table-row>{EMPTY_ROWS}"
    path = ods(tmp_path / "libreoffice.ods", trailing)
    assert list(read_rows(path, detect(path, max_bytes=UPLOAD, limits=LIMITS), limits=LIMITS)) \
        == [["x"]]  # fmt: skip


# ------------------------------------------------------------------ the limits' edges ---
def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    return path


def read_all(path: Path, limits: Limits) -> list[list[str]]:
    if path.suffix == ".csv":  # the delimiter told, not guessed from a few odd lines
        return list(read_rows(path, FileFormat("csv", "utf-8", ";"), limits=limits))
    return list(read_rows(path, detect(path, max_bytes=UPLOAD, limits=limits), limits=limits))


SMALL = Limits(line_chars=100, columns=5, rows=4, cells=20)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a;b\r\n" + "x" * 101 + "\r\n", "Row 2 is longer than 100 characters"),
        ('a;b\r\n"' + "x\r\n" * 40 + '";y\r\n', "Row 2 is longer than 100 characters"),
        ("a;b;c;d;e;f\r\n", "Row 1 has 6 columns; the limit is 5"),
        ("a\r\n1\r\n2\r\n3\r\n4\r\n", "more than 4 rows"),
    ],
)
def test_a_csv_past_a_limit_is_refused_naming_it(tmp_path, text, message) -> None:
    with pytest.raises(FileRefused, match=message):
        read_all(csv_file(tmp_path, text), SMALL)


def test_a_csv_at_the_limits_is_read(tmp_path) -> None:
    text = "a;b;c;d;e\r\n" + "x" * 98 + ";y\r\n" + '"' + "z\n" * 40 + '"\r\n3\r\n'
    rows = read_all(csv_file(tmp_path, text), SMALL)
    assert rows[0] == ["a", "b", "c", "d", "e"] and len(rows[1][0]) == 98 and len(rows) == 4


def test_a_workbook_row_past_a_limit_is_refused_like_a_csv_row(tmp_path) -> None:
    path = xlsx(tmp_path / "long.xlsx", A1 + '<row r="2">' + cell("A2", "x" * 101) + "</row>")
    with pytest.raises(FileRefused, match="Row 2 is longer than 100 characters"):
        read_all(path, SMALL)


@pytest.mark.parametrize("cell_text", ["+" + "a" * 60_000, "-" + "1a" * 30_000 + " ("])
def test_a_long_cell_is_checked_for_formulas_in_one_pass(tmp_path, cell_text) -> None:
    """The former formula pattern backtracked: a 60,000-character cell took minutes."""
    path = csv_file(tmp_path, "Ragione sociale\r\n" + cell_text + "\r\n")
    assert read_all(path, LIMITS)[1] == [cell_text]


def test_the_defaults_are_the_configured_ones() -> None:
    from config import Config

    settings = Config()
    assert Limits.from_config(settings.as_dict()) == Limits()
    assert settings.READ_MAX_ROWS == settings.MAX_CONTENT_LENGTH // 50


def unnumbered(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


PREFIXED = (
    '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml'
    '/2006/main"><x:sheetData><x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:t>a</x:t></x:is>'
    '</x:c><x:c r="E7" t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c></x:row></x:sheetData>'
    "</x:worksheet>"
)
SHEETS = {
    "numbered": A1 + '<row r="3">' + cell("C3", "x") + "</row>",
    "unnumbered": "<row>" + unnumbered("a") * 5 + "</row><row>" + unnumbered("b") + "</row>",
    "mixed": '<row r="2">' + cell("B2", "a") + unnumbered("b") * 3 + "</row><row>"
    + unnumbered("c") + "</row>",
    "reference not first": '<row r="4"><c t="inlineStr" r="D4"><is><t>a</t></is></c></row>',
    "a cell's own row": '<row r="1">' + cell("A1", "a") + cell("B9", "b") + "</row>",
    "long rows": "".join(f'<row r="{r}">' + "".join(cell(f"{c}{r}", "x") for c in "ABCDEFGH")
                         + "</row>" for r in range(1, 40)) + '<row r="40">' + unnumbered("y") * 9
    + "</row>",
    # Calamine reads local names: a cell under another prefix is a cell all the same.
    "foreign prefix": A1 + '<row r="2"><x:c r="B2" t="inlineStr"><is><t>a</t></is></x:c>'
    '<x:c r="E7" t="inlineStr"><is><t>b</t></is></x:c></row><row r="3">' + cell("A3", "c")
    + "</row>",
    "styled far away": A1 + '<row r="9"><c r="K9" s="1"/></row><row r="10"><c r="B10" s="1">'
    "<v>1</v></c></row>",
}  # fmt: skip


@pytest.mark.parametrize("chunk", [64, workbooks.CHUNK])
@pytest.mark.parametrize("name", SHEETS)
def test_a_sheets_extent_is_measured_as_its_reader_places_the_cells(
    tmp_path, monkeypatch, name, chunk
) -> None:
    """The scan agrees with calamine on where the last cell is, read in pieces of 64 bytes
    (rows and tags fall across pieces) and whole (the bulk measure)."""
    monkeypatch.setattr(workbooks, "CHUNK", chunk)
    path = xlsx(tmp_path / "s.xlsx", SHEETS[name])
    assert_same_extent(path, "xl/worksheets/sheet1.xml")


def test_a_sheet_with_a_namespace_prefix_is_measured_too(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(workbooks, "CHUNK", 64)
    path = xlsx(tmp_path / "s.xlsx", "")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/worksheets/sheet2.xml", PREFIXED)
    with zipfile.ZipFile(path) as archive:
        extent = measure(archive, "xl/worksheets/sheet2.xml")
    assert (extent.rows, extent.columns) == (7, 5)


def measure(archive: zipfile.ZipFile, name: str) -> workbooks.XlsxExtent:
    extent = workbooks.XlsxExtent(LIMITS)
    with archive.open(name) as handle:
        for piece in workbooks._tags(iter(lambda: handle.read(workbooks.CHUNK), b""), extent):
            extent.feed(piece)
    return extent


def assert_same_extent(path: Path, name: str) -> None:
    with zipfile.ZipFile(path) as archive:
        extent = measure(archive, name)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    last_row, last_column = sheet.end
    assert (extent.rows, extent.columns) == (last_row + 1, last_column + 1)


EMPTY = "<table:table-cell/>"
ODS_SHEETS = {
    "plain": f"<table:table-row>{ODS_CELL * 3}</table:table-row><table:table-row>{ODS_CELL}"
    "</table:table-row>",
    "repeated cells": '<table:table-row><table:table-cell table:number-columns-repeated="4" '
    'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>',
    "rows between": f"<table:table-row>{ODS_CELL}</table:table-row>"
    + ODS_ROWS.format(rows=7, cells=EMPTY)
    + f"<table:table-row>{EMPTY}{ODS_CELL}</table:table-row>",
    "value in an attribute": f"<table:table-row>{ODS_CELL}</table:table-row><table:table-row>"
    f'{EMPTY * 5}<table:table-cell office:value-type="float" office:value="2"/></table:table-row>',
    "covered cells": f"<table:table-row>{ODS_CELL}<table:covered-table-cell/>{ODS_CELL}"
    "</table:table-row>",
    "trailing emptiness": f"<table:table-row>{ODS_CELL}{EMPTY * 9}</table:table-row>{EMPTY_ROWS}",
}  # fmt: skip


@pytest.mark.parametrize("name", ODS_SHEETS)
def test_an_ods_extent_is_measured_as_its_reader_places_the_cells(
    tmp_path, monkeypatch, name
) -> None:
    monkeypatch.setattr(workbooks, "CHUNK", 64)
    path = ods(tmp_path / "s.ods", ODS_SHEETS[name])
    extent = workbooks.OdsExtent(LIMITS)
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as handle:
        for piece in workbooks._tags(iter(lambda: handle.read(workbooks.CHUNK), b""), extent):
            extent.feed(piece)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    assert extent.tables == [(sheet.end[0] + 1, sheet.end[1] + 1)]


def test_a_formula_in_a_cell_without_its_reference_is_refused_too(tmp_path) -> None:
    path = xlsx(tmp_path / "f.xlsx", A1 + "<row><c><f>1+1</f><v>2</v></c></row>")
    with pytest.raises(FileRefused, match="The spreadsheet holds formulas"):
        detect(path, max_bytes=UPLOAD, limits=LIMITS)


def test_a_formula_under_another_prefix_is_refused_too(tmp_path) -> None:
    path = xlsx(
        tmp_path / "f.xlsx", A1 + '<row r="2"><y:c r="A2"><y:f>1+1</y:f><v>2</v></y:c></row>'
    )
    with pytest.raises(FileRefused, match="The spreadsheet holds formulas"):
        detect(path, max_bytes=UPLOAD, limits=LIMITS)


def test_indentation_is_not_counted_as_text(tmp_path) -> None:
    """A sheet written indented (some generators do) holds more spaces than text."""
    rng = random.Random(7)
    indent = "\n" + " " * 60
    rows = "".join(
        f'{indent}<row r="{r}">{indent}{cell(f"A{r}", rng.randbytes(4).hex())}{indent}</row>'
        for r in range(2, 20_002)
    )
    path = xlsx(tmp_path / "indented.xlsx", A1 + rows)
    assert len(rows) > 3 * MIB
    assert detect(path, max_bytes=MIB, limits=LIMITS) == FileFormat("xlsx")
