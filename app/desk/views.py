from __future__ import annotations

from flask import Blueprint, render_template

from app.campaigns.services import list_campaigns
from app.extensions import db
from app.security import guard
from app.users.models import Role

bp = Blueprint("desk", __name__, url_prefix="/desk")
guard(bp, Role.AGENT)


@bp.route("/")
def home():
    """Agent home: the campaigns open for calls."""
    return render_template("desk/home.html", campaigns=list_campaigns(db.session, only_active=True))
