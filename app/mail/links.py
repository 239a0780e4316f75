"""Absolute links for e-mails, built outside any request (a job sends most mail): the
application's address comes from ``QUALIFICA_BASE_URL``, not from a request's host."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute address of ``endpoint`` under ``MAIL_BASE_URL``."""
    base = urlsplit(current_app.config["MAIL_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
