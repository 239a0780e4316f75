"""The ``/api/v1`` blueprint: authenticated by key (``auth``), limited per key
(``limits``), every call audited; no session, no CSRF (``app.api.setup``)."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.api.auth import audit_call, authenticate

PREFIX = "/api/v1"


def make_blueprint(name: str, import_name: str, url_prefix: str = PREFIX, **kw) -> Blueprint:
    """An API blueprint: every view behind a key and its scope, every call audited.
    Register it with ``app.api.setup.add_blueprint``."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix, **kw)
    blueprint.before_request(authenticate)
    blueprint.after_request(audit_call)
    return blueprint


bp = make_blueprint("api", __name__, description="Qualifica's JSON API")
