"""Tables handed out as files people open in Italian Excel: CSV in UTF-8 with a BOM and
``;`` between cells, every cell made formula-safe (``spreadsheet_safety.neutralise``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response
from werkzeug.utils import secure_filename

from app.spreadsheet_safety import neutralise


def csv_download(filename: str, rows: Iterable[Sequence[Any]]) -> Response:
    """``rows`` (the header first) as an attachment called ``filename`` (made safe: it
    may carry a campaign's code or a person's name)."""
    filename = secure_filename(filename) or "table.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
