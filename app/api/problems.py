"""Errors under ``/api/`` as ``application/problem+json`` (RFC 9457), in the language the
client asks for with ``Accept-Language`` (Italian or English): every status, those Flask
answers by itself (404, 405) and failures (500) included.

The application's error pages stay as they are for every other path: the handlers already
registered are wrapped, so that an API request gets a problem and a page request the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, current_app, json, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"
TYPE_BASE = "urn:qualifica:problem:"

log = logging.getLogger(__name__)

# The title of each status, in the client's language; the detail says what to do.
TITLES: dict[int, Any] = {
    400: _l("Bad request"),
    401: _l("Not authenticated"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    406: _l("Not acceptable"),
    409: _l("Conflict"),
    413: _l("Request too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid request"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Service unavailable"),
}
DETAILS: dict[int, Any] = {
    400: _l("The request could not be read: check its syntax."),
    401: _l("Send a valid API key in the Authorization header: Bearer <key>."),
    403: _l("This API key does not allow this request."),
    404: _l("Nothing exists at this address, or the item asked for does not exist."),
    405: _l("This address does not accept that method."),
    406: _l("This address answers only in JSON."),
    409: _l("The request conflicts with the current state of the item."),
    413: _l("The request body is larger than the limit."),
    415: _l("Send the body as application/json."),
    422: _l("The request's parameters or body are not valid: see errors."),
    429: _l("Too many requests with this key: wait Retry-After seconds and try again."),
    500: _l("The error has been logged. Try again; if it happens again, tell an administrator."),
    503: _l("The service is busy: try again in a moment."),
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def client_language() -> str:
    """The language of the client's ``Accept-Language``, else the application's default."""
    config = current_app.config
    return request.accept_languages.best_match(
        config["LANGUAGES"], default=config["BABEL_DEFAULT_LOCALE"]
    )


def problem(
    status: int,
    detail: Any = None,
    *,
    kind: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem response. ``detail`` may be a lazy string: it is translated here, in the
    client's language. ``kind`` names a problem of ours (its ``type``); without it the
    type is ``about:blank`` and the title is the status's own."""
    with force_locale(client_language()):
        title = TITLES.get(status) or HTTP_STATUS_CODES.get(status, "Error")
        body: dict[str, Any] = {
            "type": f"{TYPE_BASE}{kind}" if kind else "about:blank",
            "title": str(title),
            "status": status,
            "detail": str(detail if detail is not None else DETAILS.get(status, title)),
            **extra,
        }
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


class Problem(HTTPException):
    """Raised by API code to answer with a problem of its own (``kind``, ``detail``)."""

    def __init__(self, status: int, detail: Any = None, *, kind: str | None = None,
                 headers: Mapping[str, str] | None = None, **extra: Any) -> None:  # fmt: skip
        super().__init__()
        self.code = status
        self.problem = (detail, kind, dict(headers or {}), extra)

    def get_response(self, environ=None, scope=None) -> Response:  # type: ignore[override]
        detail, kind, headers, extra = self.problem
        return problem(self.code or 500, detail, kind=kind, headers=headers, **extra)


def problem_for(error: BaseException) -> Response:
    """The problem for any error raised while answering an API request."""
    if isinstance(error, Problem):
        return error.get_response()
    if not isinstance(error, HTTPException):
        error = InternalServerError(original_exception=error)
    code = error.code or 500
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    data = getattr(error, "data", None)  # webargs' validation errors (flask-smorest abort)
    if isinstance(data, dict) and "messages" in data:
        extra["errors"] = data["messages"]
    if code == 405 and error.get_headers():
        headers.update({k: v for k, v in error.get_headers() if k == "Allow"})
    if code == 429 and (response := getattr(error, "response", None)) is not None:
        headers.update({k: v for k, v in response.headers.items() if k.startswith(("Retry", "X-"))})
    if code >= 500:
        log.error("API request failed: %s %s", request.method, request.path, exc_info=error)
    return problem(code, kind=None, headers=headers, **extra)


def _api_first(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def handle(error: Any) -> Any:
        return problem_for(error) if is_api_request() else handler(error)

    handle.__wrapped__ = handler  # type: ignore[attr-defined]
    return handle


def _default(error: HTTPException) -> Any:
    return problem_for(error) if is_api_request() else error


def register_problem_handlers(app: Flask) -> None:
    """Give API requests problems for every error: the application's handlers (its error
    pages) are wrapped, and every other HTTP error and any exception get one too."""
    for handlers in app.error_handler_spec[None].values():
        for exc_class, handler in list(handlers.items()):
            handlers[exc_class] = _api_first(handler)
    if HTTPException not in app.error_handler_spec[None].get(None, {}):
        app.register_error_handler(HTTPException, _default)
