"""The report as files: JSON (sorted keys, ISO dates) and PDF (WeasyPrint, from
``templates/privacy/report_pdf.html``), both from the one dict ``subject_report`` builds."""

from __future__ import annotations

import enum
import json
from contextlib import nullcontext
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

# Section titles of the PDF, in the order it shows them.
SECTIONS = {
    "account": _l("Company"),
    "contact": _l("Person"),
    "phones": _l("Phone numbers"),
    "contacts": _l("Contact people"),
    "fleet": _l("Fleet"),
    "opportunities": _l("Purchase intentions"),
    "calls": _l("Calls"),
    "drafts": _l("Answers being typed"),
    "queue_entries": _l("Campaign queues"),
    "sources": _l("Imported source rows"),
    "field_changes": _l("Corrections made by normalisation"),
    "flags": _l("Values waiting for review"),
    "duplicate_pairs": _l("Possible duplicates"),
    "merges": _l("Merges"),
    "merged_accounts": _l("Accounts merged into this one"),
    "wave_assignments": _l("Handed to salespeople"),
    "results": _l("Results after the hand-off"),
    "do_not_call": _l("Do-not-call list"),
    "import_rejections": _l("Rejected import rows that name it"),
    "audit": _l("Audit log"),
}


def to_plain(value: Any) -> Any:
    """Dates as ISO 8601, enums as their value: what JSON can hold."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def to_json(report: dict[str, Any]) -> bytes:
    """The report as UTF-8 JSON: sorted keys, indented, so two exports compare by diff."""
    text = json.dumps(to_plain(report), sort_keys=True, ensure_ascii=False, indent=2)
    return (text + "\n").encode()


def render_pdf(report: dict[str, Any], *, locale: str = "it") -> bytes:
    """The report as a PDF (WeasyPrint), one section per kind of data; needs an app context."""
    plain = to_plain(report)
    sections = [(title, plain[name]) for name, title in SECTIONS.items() if name in plain]
    # The context processors read the request: outside one (the shell) give them an empty one.
    request = nullcontext() if has_request_context() else current_app.test_request_context()
    with request, force_locale(locale):
        html = render_template(
            "privacy/report_pdf.html", report=plain, sections=sections, locale=locale
        )
    from weasyprint import HTML  # lazily: only a PDF needs Pango
    from weasyprint.urls import URLFetcher

    # No protocol allowed: nothing in the subject's data may make the renderer fetch.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
