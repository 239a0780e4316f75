"""Uploads over the limits: every upload route answers 413 with a page in the user's
language naming the limit (never a server error), and files that would exhaust memory
(a huge line, too many columns or rows) are refused at once, with nothing stored."""

from __future__ import annotations

import html
import io
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.donotcall.models import DncList
from app.imports.models import ImportBatch
from app.scripting.models import CallScript
from tests.conftest import csrf_token
from tests.hostile import A1, cell, xlsx

MIB = 1024 * 1024
# Each upload route: the page that carries its form, where it posts, its other fields.
ROUTES = {
    "imports": ("/imports/", "/imports/", {"source_kind": "customer_base"}),
    "do-not-call": ("/do-not-call/", "/do-not-call/upload", {"source": "registry",
                                                             "list_date": "2026-01-05"}),
    "scripts": ("/scripts/", "/scripts/upload", {}),
}  # fmt: skip


@pytest.fixture
def staff(users, auth):
    auth.login("staff")


def speak(client, lang: str) -> None:
    token = csrf_token(client, "/imports/")
    client.post("/language", data={"csrf_token": token, "lang": lang})


def post_file(client, route: str, data: bytes, name: str = "clienti.csv"):
    page, target, fields = ROUTES[route]
    form = {"csrf_token": csrf_token(client, page), **fields,
            "file": FileStorage(io.BytesIO(data), name)}  # fmt: skip
    # Encoded here, in memory: the test client would spool a large body to a temporary
    # file that nobody closes when the application answers before reading it.
    boundary, body = encode_multipart(form)
    content_type = f"multipart/form-data; boundary={boundary}"
    return client.post(target, data=body, content_type=content_type)


def stored(session) -> tuple[int, int, int]:
    count = sa.func.count()
    return (
        session.scalar(sa.select(count).select_from(ImportBatch)),
        session.scalar(sa.select(count).select_from(DncList)),
        session.scalar(sa.select(count).select_from(CallScript)),
    )


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("lang", "title", "limit"),
    [("it", "File troppo grande", "limite di 1 MB"), ("en", "File too large", "1 MB limit")],
)
def test_a_too_large_upload_is_a_413_page_in_the_users_language(
    app, client, session, staff, monkeypatch, route, lang, title, limit
) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", MIB)
    speak(client, lang)
    before = stored(session)
    response = post_file(client, route, b"Ragione sociale;Comune\r\n" + b"x" * (2 * MIB))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'data-testid="error-413"' in page
    assert title in page and limit in page
    assert stored(session) == before


def files_in(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*")) if folder.exists() else []


def single_line() -> bytes:
    return b"Ragione sociale;Comune;" + b"Rossi SRL;Cantu;" * 10_000


def wide() -> bytes:
    header = ";".join(f"Colonna {i}" for i in range(1, 301))
    return f"{header}\r\nRossi SRL{';' * 299}\r\n".encode()


def far_cell() -> bytes:
    """A 1 KB workbook whose reader would ask for a grid of 17 billion cells."""
    with tempfile.TemporaryDirectory() as folder:
        far = A1 + '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"
        return xlsx(Path(folder) / "far.xlsx", far).read_bytes()


HOSTILE = {
    "single_line.csv": (single_line, "La riga 1 è più lunga di 65.536 caratteri",
                        "Row 1 is longer than 65,536 characters"),
    "wide.csv": (wide, "La riga 1 ha 300 colonne; il limite è 200",
                 "Row 1 has 300 columns; the limit is 200"),
    "far_cell.xlsx": (far_cell, "dati nella colonna 16.384; il limite è 200 colonne",
                      "data in column 16,384; the limit is 200 columns"),
}  # fmt: skip


@pytest.fixture
def import_dir(app, monkeypatch, tmp_path) -> Path:
    folder = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(folder))
    return folder


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("lang", ["it", "en"])
def test_an_import_past_the_limits_is_refused_naming_them_and_nothing_is_kept(
    client, session, staff, import_dir, name, lang
) -> None:
    make, italian, english = HOSTILE[name]
    speak(client, lang)
    response = post_file(client, "imports", make(), name)
    assert response.status_code == 200  # the upload page again, with the refusal
    page = html.unescape(response.get_data(as_text=True))
    assert (italian if lang == "it" else english) in page
    assert stored(session) == (0, 0, 0)
    assert files_in(import_dir) == []  # no copy kept, no temporary file left


@pytest.mark.parametrize("name", HOSTILE)
def test_a_do_not_call_list_past_the_limits_is_refused_naming_them(
    client, session, staff, name
) -> None:
    make, italian, _english = HOSTILE[name]
    response = post_file(client, "do-not-call", make(), name)
    assert response.status_code == 400
    assert italian in html.unescape(response.get_data(as_text=True))
    assert stored(session) == (0, 0, 0)


def test_rows_past_the_configured_limit_are_refused(client, session, staff, app, monkeypatch):
    monkeypatch.setitem(app.config, "READ_MAX_ROWS", 10)
    rows = b"Ragione sociale;Comune\r\n" + b"Rossi SRL;Cantu\r\n" * 10
    response = post_file(client, "imports", rows)
    assert "Il file ha più di 10 righe, il limite" in html.unescape(response.get_data(as_text=True))
    assert stored(session) == (0, 0, 0)
    response = post_file(client, "imports", rows[: -len(b"Rossi SRL;Cantu\r\n")])
    assert response.status_code == 302  # nine rows and the header: within the limit
