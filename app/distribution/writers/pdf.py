"""The PDF of account sheets a salesperson receives: one A4 page per account.

All of a pack's pages are laid out in one WeasyPrint document, which is much faster than
one document per page. The bytes depend only on the pack and the locale: the dates in the
PDF are the wave's confirmation date and the file identifier is a hash of the content, so
re-exporting a wave gives identical files.
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale

from app.accounts.phones import format_national
from app.distribution.sheets import Pack
from app.distribution.writers.values import other_site_lines, shown, site_label

TEMPLATE = "distribution/pack_pdf.html"


def _phones(numbers: tuple[str, ...]) -> str:
    return ", ".join(format_national(number) for number in numbers)


def render_pdf(pack: Pack, *, locale: str = "it") -> bytes:
    """Render every sheet of ``pack`` as one PDF; needs an application context.

    A salesperson with no accounts gets no PDF: an empty pack raises ``ValueError``.
    """
    if not pack.sheets:
        raise ValueError(
            f"pack of salesperson {pack.recipient.code} in wave {pack.wave.id} has no "
            "account sheets: there is no PDF to render"
        )
    # The app's context processors (the navigation bar) read the request: outside one
    # (a job, a shell command) give them an empty request to read.
    request = nullcontext() if has_request_context() else current_app.test_request_context()
    with request, force_locale(locale):
        html = render_template(
            TEMPLATE,
            recipient=pack.recipient,
            wave=pack.wave,
            sheets=pack.sheets,
            locale=locale,
            phone=format_national,
            phones=_phones,
            shown=shown,
            site_label=site_label,
            other_site_lines=other_site_lines,
        )
    # Imported here: WeasyPrint needs Pango, and the rest of the application (the demo
    # on a bare machine) must start without it; only rendering a PDF requires it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # No protocol is allowed: the template is self-contained, and nothing in an account's
    # values may make the renderer read a file or the network.
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))
    return document.write_pdf(pdf_identifier=True)
