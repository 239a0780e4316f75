"""The OpenAPI description (``/api/v1/openapi.json``) and the page that reads it (Swagger
UI, vendored in ``static/vendor/swagger-ui``): public, they hold no data."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template

from app.api.blueprint import PREFIX
from app.security import public

docs_bp = Blueprint("api_docs", __name__, url_prefix=PREFIX)


@docs_bp.route("/openapi.json")
@public
def openapi() -> Any:
    return jsonify(current_app.extensions["qualifica-api"].spec.to_dict())


@docs_bp.route("/docs")
@public
def docs() -> Any:
    return render_template("api/docs.html")
