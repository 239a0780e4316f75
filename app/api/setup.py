"""Wiring the API into the application (called by ``create_app``)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from app.api import (  # noqa: F401 (routes)
    account_views,
    campaign_views,
    distribution_views,
    write_views,
)
from app.api.auth import SECURITY_SCHEMES
from app.api.blueprint import bp
from app.api.docs_views import docs_bp
from app.api.limits import init_limits, limit_blueprint
from app.api.problems import PROBLEM_JSON, register_problem_handlers
from app.api.schemas import ProblemSchema
from app.api.sessions import NoSessionForApi
from app.extensions import csrf
from app.security import keyed

API_SETTINGS = {
    "API_TITLE": "Qualifica",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
}


class QualificaApi(Api):
    """flask-smorest's Api, with errors left to ``app.api.problems`` (which answers only
    API requests, not the application's pages) and documented as problems; the description
    is served by ``docs_views``."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_RESPONSE_CONTENT_TYPE = "application/json"

    def _register_error_handlers(self) -> None:
        pass

    def _register_doc_blueprint(self) -> None:
        pass

    def _register_responses(self) -> None:
        import http

        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def add_blueprint(api: Api, blueprint: Blueprint) -> None:
    """Register an API blueprint (``blueprint.make_blueprint``): keyed, not a session's;
    no CSRF (no cookie is read); limited per key; in the OpenAPI description."""
    keyed(blueprint)
    csrf.exempt(blueprint)
    limit_blueprint(blueprint)
    api.register_blueprint(blueprint)


def init_api(app: Flask) -> None:
    for name, value in API_SETTINGS.items():
        app.config.setdefault(name, value)
    api = QualificaApi(app)
    app.extensions["qualifica-api"] = api
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    init_limits(app)
    add_blueprint(api, bp)
    app.register_blueprint(docs_bp)
    app.session_interface = NoSessionForApi()
    register_problem_handlers(app)
