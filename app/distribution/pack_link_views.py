"""The link in a salesperson's pack-ready e-mail: their own ZIP, without signing in, while
the link is valid. Every download is audited, as from the export page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_babel import force_locale
from werkzeug.security import safe_join

from app.audit.services import record
from app.distribution.exporting import published_dir
from app.distribution.pack_mail import PackLinkError, follow
from app.extensions import db
from app.security import public

bp = Blueprint("packs", __name__, url_prefix="/packs")


@bp.route("/<token>")
@public
def download(token: str):
    """Commits on GET, on purpose: handing out personal data is itself recorded."""
    try:
        pack = follow(db.session, token)
    except PackLinkError as exc:
        # In the salesperson's language when the link says it: they are not signed in.
        lang = exc.locale if exc.locale in current_app.config["LANGUAGES"] else None
        with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
            page = render_template("distribution/pack_link.html", message=str(exc.message))
        return page, exc.status
    name = pack.person["zip"]["name"]
    path = safe_join(str(published_dir(pack.run)), f"salespeople/{name}")
    if path is None:
        abort(404)
    record(
        db.session,
        "distribution.download",
        obj=pack.run,
        file=name,
        accounts=pack.person["account_keys"],
        salesperson=pack.person["code"],
        via="mail_link",
    )
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=name, max_age=0)
