"""An import's world: the bundled municipality reference, files written on the fly."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from app.accounts.normalise.municipality import bundled_index
from app.imports.models import SourceKind
from app.imports.pipeline import Reference
from app.imports.services import import_now
from app.territory.municipalities import (
    BUNDLED_REFERENCE_DATE,
    bundled_municipalities,
    search_key,
)


@pytest.fixture(scope="session")
def reference() -> Reference:
    """The bundled ISTAT list as the import's reference, without loading it in the
    database for each test (the pipeline's own loading is tested on its own)."""
    provinces = {search_key(r.province_name): r.province_code for r in bundled_municipalities()}
    return Reference(bundled_index(), provinces, BUNDLED_REFERENCE_DATE)


@pytest.fixture
def write_csv(tmp_path):
    def write(rows: list[list[str]], name: str = "clienti.csv", delimiter: str = ";",
              encoding: str = "utf-8") -> Path:  # fmt: skip
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter).writerows(rows)
        path = tmp_path / name
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path

    return write


@pytest.fixture
def do_import(app, session, reference):
    def run(path: Path, kind: SourceKind = SourceKind.CUSTOMER_BASE, **kwargs):
        with app.app_context():
            return import_now(session, path, kind, reference=reference, **kwargs)

    return run
