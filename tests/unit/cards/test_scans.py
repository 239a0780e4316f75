"""A card's scan is told by its bytes: PNG, JPEG or PDF, within the size limit."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.cards.scans import MAX_SCAN_BYTES, ScanRefused, read_scan

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def english(app):
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PNG, "scheda.pdf", "image/png"),  # the bytes decide, not the name
        (JPEG, "foto.JPG", "image/jpeg"),
        (PDF, "scan", "application/pdf"),
    ],
)
def test_png_jpeg_and_pdf_are_kept_with_their_type(data, name, content_type) -> None:
    scan = read_scan(data, name)
    assert (scan.content_type, scan.data, scan.name) == (content_type, data, name)


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a\x01\x00\x01\x00",
        b"<html><script>alert(1)</script></html>",
        b"PK\x03\x04 a zip, or a docx",
        b" %PDF-1.7 not at the start",
    ],
)
def test_other_bytes_are_refused_with_a_message(data) -> None:
    with pytest.raises(ScanRefused, match="PNG or JPEG image or a PDF"):
        read_scan(data, "scheda.png")


def test_an_empty_or_too_large_scan_is_refused() -> None:
    with pytest.raises(ScanRefused, match="empty"):
        read_scan(b"", "scheda.png")
    assert read_scan(PNG + b"\x00" * (MAX_SCAN_BYTES - len(PNG)), "x").content_type == "image/png"
    with pytest.raises(ScanRefused, match="larger than 5 MB"):
        read_scan(PNG + b"\x00" * (MAX_SCAN_BYTES - len(PNG) + 1), "scheda.png")
