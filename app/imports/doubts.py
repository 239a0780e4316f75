"""Resolving the doubts an import left on an account: correct the value, or keep it.

An account held by its doubts (``app.accounts.holds``: where it is, or its only numbers)
waits in status *to review* and cannot go into a campaign; its other doubts wait on their
values. A person corrects the value (it goes through the same cleaning as an import, so a
corrected municipality still gets its ISTAT code, a VAT number its check digit), or keeps
it as it is. Each correction is recorded as a field change; when no doubt left holds it,
the account becomes *ready*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.holds import holds, release
from app.accounts.models import Account, AccountFlag, FlagStatus
from app.accounts.normalise.address import clean_street
from app.accounts.normalise.changes import Cleaned
from app.accounts.normalise.company import clean_company
from app.accounts.normalise.email import is_email
from app.accounts.normalise.identifiers import clean_vat
from app.accounts.normalise.location import clean_location
from app.accounts.phones import is_callable_number
from app.accounts.status import AccountStatus, can_transition
from app.audit.services import record as audit
from app.columns import utcnow
from app.imports.combining import short
from app.imports.models import FieldChange
from app.imports.pipeline import Reference, load_reference
from app.imports.records import TEXT_LIMITS

# Account fields a person may correct here, by the cleaning they go through together.
GROUPS = {
    "company": ("company_name", "legal_form"),
    "location": ("postcode", "municipality", "province"),
    "identifiers": ("vat_number", "tax_code"),
    "email": ("email",),
}
EDITABLE = tuple(name for names in GROUPS.values() for name in names)
_cache: dict[Any, Reference] = {}


def reference(session: Session) -> Reference:
    """The municipality reference, built once per reference version in this process."""
    from app.territory.models import Municipality

    version = session.execute(
        sa.select(sa.func.count(Municipality.belfiore), sa.func.max(Municipality.reference_date))
    ).one()
    if version not in _cache:
        _cache.clear()
        _cache[version] = load_reference(session)
    return _cache[version]


def open_flags(session: Session, account_id: int) -> list[AccountFlag]:
    return list(
        session.scalars(
            sa.select(AccountFlag)
            .where(AccountFlag.account_id == account_id, AccountFlag.status == FlagStatus.OPEN)
            .order_by(AccountFlag.id)
        )
    )


class StaleAccount(Exception):
    """Someone else saved the account since the page was loaded: nothing was saved."""

    def __init__(self) -> None:
        super().__init__(
            _l(
                "Someone else saved this account while you were editing it, so nothing was "
                "saved. The page now shows the current values: check them and make your "
                "corrections again."
            )
        )


@dataclass
class Outcome:
    errors: dict[str, list[str]]  # field -> messages: nothing was saved
    resolved: int = 0
    ready: bool = False
    # What an undo needs: the flags this save resolved and the field changes it wrote.
    flag_ids: list[int] = field(default_factory=list)
    change_ids: list[int] = field(default_factory=list)


def clean_group(group: str, values: dict[str, Any], ref: Reference) -> Cleaned:
    """A group of an account's fields (company, street, location, identifiers, e-mail)
    cleaned as an import cleans them: for a value a person or another company proposes."""
    if group == "company":
        return clean_company(values["company_name"], values["legal_form"])
    if group == "street":
        return clean_street(values["street"], values["house_number"])
    if group == "location":
        return clean_location(
            ref.index, ref.provinces, values["municipality"], values["province"], values["postcode"]
        )
    if group == "identifiers":
        return clean_vat(values["vat_number"], values["tax_code"])
    email = (values["email"] or "").strip().lower() or None
    cleaned = Cleaned(values={"email": email})
    if email and not is_email(email):
        cleaned.flag("email", email, "email_invalid")
    return cleaned


def resolve(
    session: Session,
    account: Account,
    submitted: dict[str, str],
    keep: set[int],
    *,
    user_id: int | None,
    version: int | None = None,
    via: str = "page",
    ref: Reference | None = None,
) -> Outcome:
    """Apply the corrected values of ``submitted`` (editable fields only) and resolve the
    flags they answer; flags in ``keep`` are resolved with the value left as it is. A
    corrected value that still raises a doubt is refused and nothing is saved.

    ``version`` is the account version the person saw: raises ``StaleAccount`` when the
    account has been saved since, or when a concurrent save lands first (the account row
    is always rewritten, so its version check always runs), instead of overwriting it.
    ``via`` names the screen in the audit: the account's page, the one-at-a-time queue or
    the bulk acceptance of suggestions; ``ref``, the municipality reference when the
    caller holds it already (a batch), else it is read when a place must be cleaned."""
    if version is not None and version != account.version:
        raise StaleAccount()
    flags = open_flags(session, account.id)
    # read before any change: loading the phones later would flush the account early
    reachable = any(is_callable_number(p.e164, p.kind) for p in account.phones)
    current = {name: getattr(account, name) for name in EDITABLE}
    # NUL is no text anyone types, and PostgreSQL stores none: dropped with the spaces.
    proposed = {**current, **{k: (v or "").replace("\x00", "").strip() or None
                              for k, v in submitted.items() if k in EDITABLE}}  # fmt: skip
    changed = {name for name in EDITABLE if proposed[name] != current[name]}
    kept_fields = {f.field for f in flags if f.id in keep}
    new_values, errors = _cleaned_again(session, proposed, changed, kept_fields, ref)
    if errors:
        return Outcome(errors)
    now = utcnow()
    written = _write_changes(session, account, new_values, now)
    answered = set(changed) | {name for name in new_values if new_values[name] != current.get(name)}
    resolved: list[AccountFlag] = []
    for flag in flags:
        if flag.id in keep or flag.field in answered or _group_of(flag.field) & answered:
            flag.status, flag.resolved_by_id, flag.resolved_at = FlagStatus.RESOLVED, user_id, now
            resolved.append(flag)
    ready = _released(account, [f for f in flags if f.status == FlagStatus.OPEN], reachable)
    account.updated_at = now  # a save always writes the row, and so checks its version
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleAccount() from exc
    audit(session, "imports.doubts_resolved", user_id=user_id, obj=account,
          resolved=len(resolved), corrected=sorted(changed), via=via)  # fmt: skip
    return Outcome({}, len(resolved), ready, [f.id for f in resolved], [c.id for c in written])


def settle(
    session: Session, account: Account, fields: set[str], *, user_id: int | None, now: datetime
) -> int:
    """The open doubts on ``fields``, which a trusted source has just replaced with values
    cleaned without a doubt (the external company's file, a validated paper card), are
    resolved by ``user_id``; an account these doubts held for review, and the ones left do
    not, is released (``holds.release``; one held for another reason, such as a duplicate
    an agent found, stays). How many doubts were resolved."""
    answered = fields | {name for field in fields for name in _group_of(field)}
    flags = open_flags(session, account.id)
    resolved = [f for f in flags if f.field in answered]
    for flag in resolved:
        flag.status, flag.resolved_by_id, flag.resolved_at = FlagStatus.RESOLVED, user_id, now
    if resolved:
        reachable = any(is_callable_number(p.e164, p.kind) for p in account.phones)
        left = [f for f in flags if f.status == FlagStatus.OPEN]
        if holds(flags, reachable):  # held for these doubts, not for another reason
            _released(account, left, reachable)
    return len(resolved)


def _released(account: Account, left: list[AccountFlag], reachable: bool) -> bool:
    """Whether the doubts still open let a held account go back to *ready* (holds.py)."""
    if account.status != AccountStatus.TO_REVIEW or holds(left, reachable):
        return False
    if not can_transition(account.status, AccountStatus.READY):
        return False
    release(account)
    return True


def _cleaned_again(
    session: Session,
    proposed: dict[str, Any],
    changed: set[str],
    kept_fields: set[str],
    ref: Reference | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The changed fields' groups cleaned as an import would, and the errors by field: a
    value that still raises a doubt the person did not accept, or one too long to store."""
    errors: dict[str, list[str]] = {}
    new_values: dict[str, Any] = {}
    if changed & set(GROUPS["location"]):
        ref = ref or reference(session)
    for group, names in GROUPS.items():
        if not changed & set(names):
            continue
        if group == "location" and ref is None:  # pragma: no cover - loaded above
            continue
        cleaned = clean_group(group, proposed, ref)  # type: ignore[arg-type]
        for flag in cleaned.flags:
            if flag.field in names and flag.field not in kept_fields:
                errors.setdefault(flag.field, []).append(_("This value still raises a doubt."))
        new_values.update({k: v for k, v in cleaned.values.items() if k in EDITABLE})
        if group == "location":
            new_values["istat_code"] = cleaned.values.get("istat_code")
    for name, value in new_values.items():  # what the column cannot hold whole is refused
        limit = TEXT_LIMITS.get(name)
        if isinstance(value, str) and limit and len(value) > limit:
            errors.setdefault(name, []).append(
                _("Keep it within %(limit)d characters.", limit=limit)
            )
    return new_values, errors


def _write_changes(
    session: Session, account: Account, new_values: dict[str, Any], now: datetime
) -> list[FieldChange]:
    """Set the values that differ, each with its field change (the account's history)."""
    written = []
    for name, value in new_values.items():
        before = getattr(account, name)
        if before != value:
            setattr(account, name, value)
            written.append(FieldChange(account_id=account.id, field=name, before=short(before),
                                       after=short(value), reason="corrected_in_review",
                                       created_at=now))  # fmt: skip
    session.add_all(written)
    return written


class NothingToUndo(Exception):
    """The save cannot be undone; the message says why, and nothing was changed."""


def reopen(
    session: Session,
    account: Account,
    outcome: Outcome,
    *,
    version: int,
    user_id: int | None,
) -> int:
    """Undo a save of ``user_id``'s (``outcome``: the flags it resolved, the changes it
    wrote): the values go back, the doubts are open again, and the account waits for review
    again if that save made it ready. ``version`` is the account's version right after the
    save: if anyone saved the account since, nothing is undone. Returns the number of
    doubts opened again."""
    if version != account.version:
        raise NothingToUndo(_("The account was saved again since: nothing was undone."))
    flags = session.scalars(
        sa.select(AccountFlag).where(
            AccountFlag.id.in_(outcome.flag_ids),
            AccountFlag.account_id == account.id,
            AccountFlag.status == FlagStatus.RESOLVED,
            AccountFlag.resolved_by_id == user_id,
        )
    ).all()
    if not flags:
        raise NothingToUndo(_("There is nothing left to undo."))
    now = utcnow()
    for change in session.scalars(
        sa.select(FieldChange).where(
            FieldChange.id.in_(outcome.change_ids), FieldChange.account_id == account.id
        )
    ):
        session.add(FieldChange(account_id=account.id, field=change.field,
                                before=short(getattr(account, change.field)),
                                after=change.before, reason="review_undone",
                                created_at=now))  # fmt: skip
        setattr(account, change.field, change.before)
    for flag in flags:
        flag.status, flag.resolved_by_id, flag.resolved_at = FlagStatus.OPEN, None, None
    if outcome.ready and can_transition(account.status, AccountStatus.TO_REVIEW):
        account.status = AccountStatus.TO_REVIEW  # the save made it ready: it waits again
    account.updated_at = now
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleAccount() from exc
    audit(session, "imports.doubts_reopened", user_id=user_id, obj=account, reopened=len(flags))
    return len(flags)


def _group_of(field: str) -> set[str]:
    for names in GROUPS.values():
        if field in names:
            return set(names)
    return set()
