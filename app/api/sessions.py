"""The application's session cookie: none under ``/api/``, and renewed at most once a minute.

No session under ``/api/``: a cookie sent with an API call is neither read nor renewed, so a
signed-in browser cannot call the API on its user's behalf (keys only, and no CSRF to worry
about), and no API response sets a cookie.

Renewed once a minute: the idle limit (``SESSION_IDLE_MINUTES``) counts from the cookie's
last renewal, and Flask renews it on every request (``SESSION_REFRESH_EACH_REQUEST``),
signing it again each time; the desk sends a request every few seconds per agent. Renewing
it when the minute has changed keeps the limit to the minute and spares the rest."""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import NullSession, SecureCookieSessionInterface, SessionMixin

from app.api.problems import API_PREFIX

RENEW_EVERY = 60  # seconds
RENEWED = "_renewed"  # the session's key: the minute (since the epoch) of the last renewal


class NoSessionForApi(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request):  # type: ignore[override]
        if request.path.startswith(API_PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:  # type: ignore[override]
        if isinstance(session, NullSession):
            return
        super().save_session(app, session, response)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            session[RENEWED] = int(time.time() // RENEW_EVERY)
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        minute = int(time.time() // RENEW_EVERY)
        if session.get(RENEWED) == minute:
            return False
        session[RENEWED] = minute
        return True
