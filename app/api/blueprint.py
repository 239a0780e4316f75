"""The ``/api/v1`` blueprint: authenticated by key (``auth``), limited per key
(``limits``), every call audited; no session, no CSRF (``app.api.setup``)."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.api.auth import audit_call, authenticate

PREFIX = "/api/v1"

bp = Blueprint("api", __name__, url_prefix=PREFIX, description="Qualifica's JSON API")
bp.before_request(authenticate)
bp.after_request(audit_call)
