"""Interface language: Italian by default, English on request; the choice is kept in
the session (and on the user, once signed in)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import format_decimal
from flask_login import current_user

from app.extensions import db
from app.security import public, safe_next_url

bp = Blueprint("i18n", __name__)

MEBIBYTE = 1024 * 1024


def megabytes(size: float, decimals: int = 1) -> str:
    """A size in bytes as megabytes in the reader's number format: "0,6" in Italian,
    "0.6" in English (the caller writes the "MB")."""
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(size / MEBIBYTE, pattern)


def file_size(size: float) -> str:
    """A file's size for a page: "12 KB" under a tenth of a megabyte, else "1,4 MB"."""
    if size < MEBIBYTE / 10:
        return f"{format_decimal(max(1, round(size / 1024)), '#,##0')} KB"
    return f"{megabytes(size)} MB"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a job or a shell command: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch language (CSRF-protected like every POST) and go back where the user was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("users.home"))
