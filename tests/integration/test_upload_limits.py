"""Uploads over the limits: every upload route answers 413 with a page in the user's
language naming the limit (never a server error), and files that would exhaust memory
(a huge line, too many columns or rows) are refused at once, with nothing stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.donotcall.models import DncList
from app.imports.models import ImportBatch
from app.scripting.models import CallScript
from tests.conftest import csrf_token

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
