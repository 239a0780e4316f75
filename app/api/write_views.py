"""``accounts:write`` and ``results:write``: the two ways an integration changes what
Qualifica holds, each through the one service the browser's path uses (the import's
intake, ``record_result``) and committed once."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts.models import Account
from app.api import reads
from app.api.auth import current_key, scope
from app.api.blueprint import bp
from app.api.idempotency import idempotent
from app.api.problems import Problem
from app.api.write_schemas import AccountsInSchema, IntakeOutSchema, ResultInSchema, ResultOutSchema
from app.extensions import db
from app.imports.intake import IntakeRefused, upsert_accounts
from app.results.services import API_PREFIX, ResultRefused, record_result
from app.spreadsheets.bounds import FileRefused


@bp.route("/accounts", methods=["POST"])
@idempotent
@bp.arguments(AccountsInSchema)
@bp.response(200, IntakeOutSchema)
@scope("accounts:write")
def upsert(body: dict[str, Any]) -> dict[str, Any]:
    """Create or update accounts through the import's cleaning, ISTAT matching and
    de-duplication, as one small import batch named after the key; each record's outcome."""
    try:
        report = upsert_accounts(db.session, body["records"], source=current_key().name)
    except (IntakeRefused, FileRefused) as refused:  # FileRefused: no municipality list yet
        raise Problem(422, str(refused), kind="accounts-refused") from refused
    db.session.commit()
    return report.as_dict()


@bp.route("/results", methods=["POST"])
@idempotent
@bp.arguments(ResultInSchema)
@bp.response(201, ResultOutSchema)
@scope("results:write")
def record(body: dict[str, Any]) -> dict[str, Any]:
    """What happened to a handed-off account: visited, offer made, sold (with vehicles and
    value), lost (with a reason), not reachable; on its date."""
    account = _account(body.get("account_key"), body.get("vat_number"))
    try:
        result = record_result(
            db.session, account, outcome=body["outcome"], occurred_on=body.get("occurred_on"),
            source=f"{API_PREFIX}{current_key().name[:60]}", vehicles=body.get("vehicles"),
            value=body.get("value"), reason=body.get("reason"), notes=body.get("notes"),
            external_ref=body.get("external_ref"),
        )  # fmt: skip
    except ResultRefused as refused:
        raise Problem(422, str(refused), kind="result-refused", errors=refused.errors) from refused
    db.session.commit()
    return {
        "id": result.id, "account_key": account.key, "outcome": result.outcome.value,
        "occurred_on": result.occurred_on, "vehicles": result.vehicles, "value": result.value,
        "reason": result.reason.value if result.reason else None, "source": result.source,
        "external_ref": result.external_ref,
    }  # fmt: skip


def _account(key: str | None, vat_number: str | None) -> Account:
    """The account a result is about: by key, else the one live account with the VAT number."""
    if not key and not vat_number:
        raise Problem(422, _l("Give the account's key or its VAT number."), kind="no-account")
    found = reads.accounts_named(db.session, key=key, vat_number=vat_number)
    if not found:
        raise Problem(404, _l("No account has the key %(key)s.", key=key) if key else
                      _l("No account has the VAT number %(vat)s.", vat=vat_number))  # fmt: skip
    if len(found) > 1:
        raise Problem(409, _l("Several accounts have the VAT number %(vat)s: give the account "
                              "key instead.", vat=vat_number), kind="ambiguous-vat")  # fmt: skip
    return found[0]
