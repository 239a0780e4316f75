"""``campaigns:read`` and ``calls:read``: campaigns with the board's figures; calls and
their captured answers, changed since a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.api import reads
from app.api.auth import scope
from app.api.blueprint import bp
from app.api.pagination import Page
from app.api.problems import Problem
from app.api.schemas import CallPageSchema, CallQuery, CampaignPageSchema, CampaignSchema, ListQuery
from app.extensions import db


@bp.route("/campaigns")
@bp.arguments(ListQuery, location="query", as_kwargs=True)
@bp.response(200, CampaignPageSchema)
@scope("campaigns:read")
def campaigns(limit: int, cursor: str | None = None) -> Page:
    """Campaigns by last change, with their figures as the board computes them."""
    return reads.campaigns(db.session, cursor=cursor, limit=limit)


@bp.route("/campaigns/<string:code>")
@bp.response(200, CampaignSchema)
@scope("campaigns:read")
def campaign(code: str) -> Any:
    found = reads.campaign(db.session, code)
    if found is None:
        raise Problem(404)
    return found


@bp.route("/calls")
@bp.arguments(CallQuery, location="query", as_kwargs=True)
@bp.response(200, CallPageSchema)
@scope("calls:read")
def calls(
    limit: int,
    cursor: str | None = None,
    changed_since: datetime | None = None,
    campaign: str | None = None,
) -> Page:
    """Recorded calls with their outcome and captured answers, by the time they ended."""
    return reads.calls(db.session, changed_since=changed_since, campaign=campaign,
                       cursor=cursor, limit=limit)  # fmt: skip
