from __future__ import annotations

from flask import Blueprint, render_template

from app.campaigns.services import list_campaigns
from app.extensions import db
from app.security import guard
from app.users.models import Role

bp = Blueprint("board", __name__, url_prefix="/board")
guard(bp, Role.SUPERVISOR, Role.ADMIN)


@bp.route("/")
def home():
    """Supervisor home: every campaign and its state."""
    return render_template("board/home.html", campaigns=list_campaigns(db.session))
