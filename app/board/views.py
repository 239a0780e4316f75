from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from app.board.services import FRESH_SECONDS, campaigns_now
from app.extensions import db
from app.security import guard
from app.users.models import Role

bp = Blueprint("board", __name__, url_prefix="/board")
guard(bp, Role.SUPERVISOR, Role.ADMIN)


@bp.route("/")
def home():
    """Supervisor home: every campaign with its live figures against its target."""
    return render_template(
        "board/home.html", data=campaigns_now(db.session), refresh_seconds=FRESH_SECONDS
    )


@bp.route("/data.json")
def data():
    """The same figures for the open page to refresh itself (``static/js/board.js``)."""
    return jsonify(campaigns_now(db.session))
