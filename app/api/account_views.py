"""``accounts:read``: accounts by key, by VAT number, and those changed since a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.api import reads
from app.api.auth import scope
from app.api.blueprint import bp
from app.api.pagination import Page
from app.api.problems import Problem
from app.api.schemas import AccountPageSchema, AccountQuery, AccountSchema
from app.extensions import db


@bp.route("/accounts")
@bp.arguments(AccountQuery, location="query", as_kwargs=True)
@bp.response(200, AccountPageSchema)
@scope("accounts:read")
def accounts(
    limit: int,
    cursor: str | None = None,
    changed_since: datetime | None = None,
    vat_number: str | None = None,
    external_id: str | None = None,
) -> Page:
    """Accounts changed since a time (or all), oldest change first; or those with a VAT
    number."""
    return reads.accounts(db.session, changed_since=changed_since, vat_number=vat_number,
                          external_id=external_id, cursor=cursor, limit=limit)  # fmt: skip


@bp.route("/accounts/<string:key>")
@bp.response(200, AccountSchema)
@scope("accounts:read")
def account(key: str) -> Any:
    """One account by its key; a merged account shows the key it was merged into."""
    found = reads.account(db.session, key)
    if found is None:
        raise Problem(404)
    return found
