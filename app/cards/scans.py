"""The scan of a paper card: a PNG, a JPEG or a PDF, told by its first bytes (never by its
name or the type the browser claims), at most ``MAX_SCAN_BYTES``.

Kept in the database beside its card (a deferred column): the card and its scan are written
and refused in one transaction, so no file is left behind by a card that was never saved;
every web process and machine reads it without a shared disk; and the size bound keeps the
table's growth that of the cards typed by hand (a few hundred a day at most).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

MAX_SCAN_BYTES = 5 * 1024 * 1024
# The first bytes of each kind accepted, and the type it is served with.
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"%PDF-", "application/pdf", "pdf"),
)


class ScanRefused(ValueError):
    """The file is not a scan we keep; the message says what to send instead."""


@dataclass(frozen=True)
class Scan:
    data: bytes
    content_type: str
    extension: str
    name: str

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def read_scan(data: bytes, filename: str | None) -> Scan:
    """``data`` as a scan, or ``ScanRefused`` saying why not."""
    if not data:
        raise ScanRefused(_("The scan is empty: choose the file again."))
    if len(data) > MAX_SCAN_BYTES:
        raise ScanRefused(
            _(
                # The upload is read only one byte past the limit: its size is not known.
                "The scan is larger than %(limit)s MB, the most a card takes. Scan the card "
                "again at a lower resolution.",
                limit=MAX_SCAN_BYTES // 1024 // 1024,
            )
        )
    for magic, content_type, extension in MAGIC:
        if data.startswith(magic):
            name = " ".join((filename or "").split())[:200] or f"scheda.{extension}"
            return Scan(data, content_type, extension, name)
    raise ScanRefused(
        _("The scan must be a PNG or JPEG image or a PDF file; this file is none of them.")
    )


def is_image(content_type: str | None) -> bool:
    return bool(content_type and content_type.startswith("image/"))
