"""What the database holds about a company (an account) or a person (a contact): one plain
dict, downloaded as JSON or PDF (``app.privacy.documents``).

Why one dict for both: the JSON and the PDF cannot disagree, and the tests check the dict.
Staff users (agents, checkers) appear by id only: their names are their own personal
data, not the subject's.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.labels import horizon_label, tonnage_label
from app.accounts.models import Account, AccountFlag, AccountSource, Contact
from app.accounts.sites import ADDRESS_FIELDS
from app.audit.models import AuditEntry
from app.board.models import QualityCheck
from app.campaigns.models import Campaign, QueueEntry
from app.columns import utcnow
from app.desk.models import CallAttempt, CallDraft
from app.distribution.models import Wave, WaveAccount
from app.donotcall.models import DncEntry, DncList
from app.imports.models import (
    AccountMerge,
    DuplicatePair,
    FieldChange,
    ImportBatch,
    ImportRejection,
)
from app.privacy.documents import to_plain
from app.results.services import results_report
from app.scripting.labels import answer_label
from app.scripting.models import CallScript
from app.scripting.services import script_of
from app.territory.models import Salesperson

ACCOUNT_FIELDS = (
    "key", "company_name", "legal_form", "street", "house_number", "postcode",
    "municipality", "province", "istat_code", "istat_reference_date", "vat_number",
    "tax_code", "email", "tonnage_class", "last_purchase_on", "zone_id", "dealer_id",
    "salesperson_id", "status", "do_not_call", "merged_into_id", "notes", "anonymised_at",
    "created_at", "updated_at",
)  # fmt: skip
PHONE_FIELDS = ("raw", "e164", "kind", "position", "site_id")
SITE_FIELDS = ("id", "head_office", *ADDRESS_FIELDS, "created_at")
CONTACT_FIELDS = (
    "id", "full_name", "job_title", "phone", "email", "is_purchasing_manager",
    "call_attempt_id", "created_at", "updated_at",
)  # fmt: skip


def columns(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def subject_report(session: Session, subject: Account | Contact) -> dict[str, Any]:
    """Everything held about ``subject``, as plain values (see ``app.privacy.documents``)."""
    if isinstance(subject, Contact):
        return _contact_report(session, subject)
    return _account_report(session, subject)


def company_ids(session: Session, account: Account) -> list[int]:
    """The account and those merged into it: one company's rows."""
    merged = sa.select(Account.id).where(Account.merged_into_id == account.id)
    return [account.id, *session.scalars(merged)]


def _account_report(session: Session, account: Account) -> dict[str, Any]:
    ids = company_ids(session, account)
    calls = _calls(session, sa.select(CallAttempt).where(CallAttempt.account_id.in_(ids)))
    numbers = sorted({p.e164 for p in account.phones if p.e164})
    return {
        "subject": {"kind": "account", "id": account.id, "key": account.key},
        "generated_at": utcnow(),
        "account": columns(account, ACCOUNT_FIELDS),
        "phones": [columns(p, PHONE_FIELDS) for p in account.phones],
        "sites": [columns(site, SITE_FIELDS) for site in account.sites],
        "contacts": [_contact(session, c) for c in account.contacts],
        "fleet": _fleet(account),
        "opportunities": _opportunities(session, account),
        "calls": calls,
        "drafts": _drafts(session, ids),
        "queue_entries": _queue_entries(session, ids),
        "sources": _sources(session, ids),
        "field_changes": _field_changes(session, ids),
        "flags": _flags(session, ids),
        "duplicate_pairs": _pairs(session, ids),
        "merges": _merges(session, ids),
        "merged_accounts": _merged_accounts(session, account),
        "wave_assignments": _waves(session, ids),
        "results": results_report(session, ids),
        "do_not_call": _dnc(session, ids, numbers, account.vat_number),
        "import_rejections": _rejections(session, _needles(account)),
        "audit": _audit(session, account, calls),
    }


def _fleet(account: Account) -> list[dict[str, Any]]:
    return [
        {"brand": f.brand, "vehicle_count": f.vehicle_count, "tonnage_class": f.tonnage_class,
         "tonnage_label": tonnage_label(f.tonnage_class) if f.tonnage_class else None,
         "call_attempt_id": f.call_attempt_id}
        for f in account.fleet
    ]  # fmt: skip


def _opportunities(session: Session, account: Account) -> list[dict[str, Any]]:
    return [
        {"horizon": o.horizon, "horizon_label": horizon_label(o.horizon) if o.horizon else None,
         "vehicle_kind": o.vehicle_kind,
         "vehicle_kind_label": _label(session, o.call_attempt_id, "opportunity.vehicle_kind",
                                      o.vehicle_kind),
         "quantity": o.quantity, "notes": o.notes, "call_attempt_id": o.call_attempt_id,
         "created_at": o.created_at}
        for o in account.opportunities
    ]  # fmt: skip


def _contact(session: Session, contact: Contact) -> dict[str, Any]:
    """The contact's columns, and its role as people read it (the desk stores a code)."""
    label = _label(session, contact.call_attempt_id, "contact.job_title", contact.job_title)
    return {**columns(contact, CONTACT_FIELDS), "job_title_label": label}


def _label(session: Session, call_id: int | None, target: str, value: str | None) -> str | None:
    """A choice's code as the label of the script its call used (a value typed as text,
    or one with no call, is given as stored)."""
    if not value:
        return None
    script_id = call_id and session.scalar(
        sa.select(CallAttempt.call_script_id).where(CallAttempt.id == call_id)
    )
    stored = session.get(CallScript, script_id) if script_id else None
    return answer_label(script_of(stored) if stored else None, target, value)


def _field_changes(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    query = sa.select(FieldChange).where(FieldChange.account_id.in_(ids)).order_by(FieldChange.id)
    return [
        {"field": f.field, "before": f.before, "after": f.after, "reason": f.reason,
         "batch_id": f.batch_id, "row_number": f.row_number, "created_at": f.created_at}
        for f in session.scalars(query)
    ]  # fmt: skip


def _flags(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    query = sa.select(AccountFlag).where(AccountFlag.account_id.in_(ids)).order_by(AccountFlag.id)
    return [
        {"field": f.field, "value": f.value, "reason": f.reason, "status": f.status,
         "created_at": f.created_at}
        for f in session.scalars(query)
    ]  # fmt: skip


def _merged_accounts(session: Session, account: Account) -> list[dict[str, Any]]:
    query = sa.select(Account).where(Account.merged_into_id == account.id).order_by(Account.id)
    return [
        {"id": a.id, "key": a.key, "company_name": a.company_name} for a in session.scalars(query)
    ]


def _contact_report(session: Session, contact: Contact) -> dict[str, Any]:
    account = contact.account
    mentioned = [v for v in (contact.full_name, contact.phone, contact.email) if v]
    calls = [
        call
        for call in _calls(
            session, sa.select(CallAttempt).where(CallAttempt.account_id == account.id)
        )
        if call["id"] == contact.call_attempt_id or _mentions(call, mentioned)
    ]
    numbers = [contact.phone] if contact.phone else []
    return {
        "subject": {"kind": "contact", "id": contact.id, "account_key": account.key},
        "generated_at": utcnow(),
        "contact": _contact(session, contact),
        "account": {"key": account.key, "company_name": account.company_name},
        "calls": calls,
        "do_not_call": _dnc(session, [], numbers, None),
        "import_rejections": _rejections(session, [contact.phone, contact.email]),
        "audit": [
            _audit_row(e, with_details=True)
            for e in session.scalars(
                sa.select(AuditEntry)
                .where(
                    AuditEntry.object_type == "contacts", AuditEntry.object_id == str(contact.id)
                )
                .order_by(AuditEntry.id)
            )
        ],
    }


def _mentions(value: Any, needles: list[str]) -> bool:
    text = json.dumps(to_plain(value), ensure_ascii=False).casefold()
    return any(n.casefold() in text for n in needles)


def _calls(session: Session, query: sa.Select) -> list[dict[str, Any]]:
    checks = {}
    rows = list(session.scalars(query.order_by(CallAttempt.started_at, CallAttempt.id)))
    if rows:
        checks = {
            q.call_attempt_id: q
            for q in session.scalars(
                sa.select(QualityCheck).where(
                    QualityCheck.call_attempt_id.in_([c.id for c in rows])
                )
            )
        }
    codes = dict(session.execute(sa.select(Campaign.id, Campaign.code)).all()) if rows else {}
    found = []
    for c in rows:
        check = checks.get(c.id)
        found.append(
            {
                "id": c.id, "campaign": codes.get(c.campaign_id), "agent_id": c.agent_id,
                "started_at": c.started_at, "ended_at": c.ended_at, "outcome": c.outcome,
                "answers": c.answers, "notes": c.notes, "horizon_months": c.horizon_months,
                "quality_check": None if check is None else {
                    "verdict": check.verdict, "note": check.note, "checked_at": check.checked_at,
                },
            }
        )  # fmt: skip
    return found


def _drafts(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    query = (
        sa.select(CallDraft)
        .join(QueueEntry, QueueEntry.id == CallDraft.queue_entry_id)
        .where(QueueEntry.account_id.in_(ids))
        .order_by(CallDraft.id)
    )
    return [
        {"answers": d.answers, "notes": d.notes, "agent_id": d.agent_id, "updated_at": d.updated_at}
        for d in session.scalars(query)
    ]


def _queue_entries(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    query = (
        sa.select(QueueEntry, Campaign.code)
        .join(Campaign, Campaign.id == QueueEntry.campaign_id)
        .where(QueueEntry.account_id.in_(ids))
        .order_by(QueueEntry.id)
    )
    return [
        {"campaign": code, "state": q.state, "attempts": q.attempts,
         "next_call_at": q.next_call_at, "last_outcome": q.last_outcome,
         "created_at": q.created_at}
        for q, code in session.execute(query)
    ]  # fmt: skip


def _sources(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    query = (
        sa.select(AccountSource, ImportBatch.filename)
        .outerjoin(ImportBatch, ImportBatch.id == AccountSource.import_batch_id)
        .where(AccountSource.account_id.in_(ids))
        .order_by(AccountSource.id)
    )
    return [
        {"source_kind": s.source_kind, "import_batch_id": s.import_batch_id, "file": filename,
         "row_number": s.row_number, "imported_at": s.imported_at, "used_fields": s.used_fields,
         "data": s.data}
        for s, filename in session.execute(query)
    ]  # fmt: skip


def _pairs(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    query = (
        sa.select(DuplicatePair)
        .where(sa.or_(DuplicatePair.account_a_id.in_(ids), DuplicatePair.account_b_id.in_(ids)))
        .order_by(DuplicatePair.id)
    )
    return [
        {"account_a_id": p.account_a_id, "account_b_id": p.account_b_id, "score": p.score,
         "reasons": p.reasons, "status": p.status, "created_at": p.created_at}
        for p in session.scalars(query)
    ]  # fmt: skip


def _merges(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    query = (
        sa.select(AccountMerge)
        .where(sa.or_(AccountMerge.survivor_id.in_(ids), AccountMerge.merged_id.in_(ids)))
        .order_by(AccountMerge.id)
    )
    return [
        {"survivor_id": m.survivor_id, "merged_id": m.merged_id, "values_taken":
         m.snapshot.get("taken", {}), "merged_at": m.merged_at, "undone_at": m.undone_at}
        for m in session.scalars(query)
    ]  # fmt: skip


def _waves(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    query = (
        sa.select(WaveAccount, Wave, Salesperson)
        .join(Wave, Wave.id == WaveAccount.wave_id)
        .join(Salesperson, Salesperson.id == WaveAccount.salesperson_id)
        .where(WaveAccount.account_id.in_(ids))
        .order_by(WaveAccount.id)
    )
    return [
        {"wave": w.label, "wave_status": w.status, "confirmed_at": w.confirmed_at,
         "sent_at": w.sent_at, "salesperson": s.code, "horizon": wa.horizon}
        for wa, w, s in session.execute(query)
    ]  # fmt: skip


def _dnc(
    session: Session, ids: list[int], numbers: list[str], vat: str | None
) -> list[dict[str, Any]]:
    conditions = []
    if ids:
        conditions.append(DncEntry.account_id.in_(ids))
    if numbers:
        conditions.append(DncEntry.e164.in_(numbers))
    if vat:
        conditions.append(DncEntry.vat_number == vat)
    if not conditions:
        return []
    query = (
        sa.select(DncEntry, DncList)
        .outerjoin(DncList, DncList.id == DncEntry.list_id)
        .where(sa.or_(*conditions))
        .order_by(DncEntry.id)
    )
    return [
        {"source": e.source, "e164": e.e164, "vat_number": e.vat_number, "reason": e.reason,
         "created_at": e.created_at, "list_date": lst.list_date if lst else None,
         "list_file": lst.filename if lst else None}
        for e, lst in session.execute(query)
    ]  # fmt: skip


def _needles(account: Account) -> list[str | None]:
    """Values precise enough to find the account in rows not linked to it."""
    return [
        account.vat_number,
        account.tax_code,
        account.email,
        *(p.raw for p in account.phones),
        *(p.e164 for p in account.phones),
    ]


def _rejections(session: Session, needles: list[str | None]) -> list[dict[str, Any]]:
    """Rejected import rows (never linked to an account) whose raw data names a value."""
    wanted = sorted({n for n in needles if n and len(n) >= 5})
    if not wanted:
        return []
    text = sa.cast(ImportRejection.data, sa.Text)
    query = (
        sa.select(ImportRejection)
        .where(sa.or_(*(text.contains(n, autoescape=True) for n in wanted)))
        .order_by(ImportRejection.id)
    )
    return [
        {"id": r.id, "batch_id": r.batch_id, "row_number": r.row_number, "reason": r.reason,
         "data": r.data}
        for r in session.scalars(query)
    ]  # fmt: skip


def rejection_ids(session: Session, account: Account) -> list[int]:
    return [row["id"] for row in _rejections(session, _needles(account))]


def _audit_row(entry: AuditEntry, *, with_details: bool) -> dict[str, Any]:
    row = {"at": entry.at, "action": entry.action, "user_id": entry.user_id,
           "object_type": entry.object_type, "object_id": entry.object_id}  # fmt: skip
    if with_details:
        row["details"] = entry.details
    return row


def _audit(session: Session, account: Account, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries about the account or its rows, with their details; entries that only name
    its key among others (an export's list of accounts), without."""
    a = AuditEntry
    objects = [sa.and_(a.object_type == "accounts", a.object_id == str(account.id))]
    if calls:
        call_ids = [str(c["id"]) for c in calls]
        objects.append(sa.and_(a.object_type == "call_attempts", a.object_id.in_(call_ids)))
    contacts = [str(c.id) for c in account.contacts]
    if contacts:
        objects.append(sa.and_(a.object_type == "contacts", a.object_id.in_(contacts)))
    own = sa.or_(*objects)
    named = sa.cast(a.details, sa.Text).contains(account.key, autoescape=True)
    rows = session.execute(sa.select(a, own).where(sa.or_(own, named)).order_by(a.id))
    return [_audit_row(entry, with_details=bool(is_own)) for entry, is_own in rows]
