from __future__ import annotations

from flask import Blueprint, render_template

from app.accounts.services import status_counts, zone_counts
from app.extensions import db
from app.security import guard
from app.users.models import Role

bp = Blueprint("accounts", __name__, url_prefix="/workspace")
guard(bp, Role.STAFF, Role.ADMIN)


@bp.route("/")
def workspace():
    """Staff home: the state of the account base."""
    counts = status_counts(db.session)
    return render_template(
        "accounts/workspace.html",
        counts=counts,
        total=sum(counts.values()),
        zones=zone_counts(db.session),
    )
