"""No session under ``/api/``: a cookie sent with an API call is neither read nor renewed,
so a signed-in browser cannot call the API on its user's behalf (keys only, and no CSRF
to worry about), and no API response sets a cookie."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import NullSession, SecureCookieSessionInterface

from app.api.problems import API_PREFIX


class NoSessionForApi(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request):  # type: ignore[override]
        if request.path.startswith(API_PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:  # type: ignore[override]
        if isinstance(session, NullSession):
            return
        super().save_session(app, session, response)
