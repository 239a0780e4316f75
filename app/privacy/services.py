"""Data-subject requests: find who is asked about, report what is held, anonymise.

Anonymising keeps the account's row and every figure the board and the workspace count
(status, zone, dealer, salesperson, tonnage, place, calls with their outcome, timing and
horizon, fleet lines, queue entries) and removes what identifies the company or a person:
names, street, VAT number, tax code, e-mail, phone numbers, contact people, the raw
imported rows, everything typed during calls. docs/privacy.md lists every column.
Functions flush and never commit: the view, the shell command or the job batch commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from stdnum.it import codicefiscale, iva

from app.accounts.models import (
    Account,
    AccountFlag,
    AccountPhone,
    AccountSite,
    AccountSource,
    Contact,
    Opportunity,
)
from app.accounts.phones import parse_phone
from app.accounts.services import of_zone
from app.audit.services import record
from app.board.models import QualityCheck
from app.campaigns.models import QueueEntry, QueueState
from app.campaigns.queueing import withdraw_accounts
from app.cards.models import PaperCard
from app.columns import utcnow
from app.desk.models import CallAttempt, CallDraft
from app.imports.models import AccountMerge, FieldChange, ImportRejection
from app.privacy.report import (
    company_ids,
    rejection_ids,
    subject_report,
)
from app.results.models import AccountResult

ANONYMOUS_NAME = "Anonimizzato {key}"  # the company name an anonymised account shows
SEARCH_LIMIT = 50


class PrivacyError(ValueError):
    """The request cannot be carried out now; the message is for the user."""


@dataclass(frozen=True)
class Subject:
    """One search result: a company, or a person of a company."""

    account: Account
    contact: Contact | None = None

    @property
    def kind(self) -> str:
        return "contact" if self.contact is not None else "account"


def find_subjects(session: Session, query: str, zone_id: int | None = None) -> list[Subject]:
    """Accounts and contact people matching an account key, a VAT number, a tax code, a
    phone number (any way it is written), an e-mail address or part of a name; only
    those of ``zone_id`` when given (zoned staff)."""
    text = (query or "").strip()
    if len(text) < 2:
        return []
    a, c = Account, Contact
    accounts: list[Any] = [a.key == text.upper(), a.company_name.ilike(f"%{_like(text)}%", "\\")]
    contacts: list[Any] = [c.full_name.ilike(f"%{_like(text)}%", "\\")]
    if "@" in text:
        accounts.append(sa.func.lower(a.email) == text.lower())
        contacts.append(sa.func.lower(c.email) == text.lower())
    vat = iva.compact(text)
    if vat.isdigit():
        accounts.append(a.vat_number == vat)
        accounts.append(a.tax_code == vat)
    tax = codicefiscale.compact(text)
    if len(tax) == 16:
        accounts.append(a.tax_code == tax)
    e164, __ = parse_phone(text)
    if e164:
        phones = sa.select(AccountPhone.account_id).where(AccountPhone.e164 == e164)
        accounts.append(a.id.in_(phones))
        contacts.append(c.phone.in_([e164, text]))
    in_zone = [of_zone(zone_id)] if zone_id is not None else []
    found = [
        Subject(account)
        for account in session.scalars(
            sa.select(a).where(sa.or_(*accounts), *in_zone).order_by(a.key).limit(SEARCH_LIMIT)
        )
    ]
    people = sa.select(c).join(a, a.id == c.account_id).where(sa.or_(*contacts), *in_zone)
    found += [
        Subject(contact.account, contact)
        for contact in session.scalars(people.order_by(c.full_name, c.id).limit(SEARCH_LIMIT))
    ]
    return found


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def account_by_key(session: Session, key: str) -> Account:
    account = session.scalar(sa.select(Account).where(Account.key == (key or "").strip().upper()))
    if account is None:
        raise PrivacyError(_("No account has the key %(key)s.", key=key))
    return account


# ---------------------------------------------------------------------- anonymising ---


@dataclass
class Removed:
    """What anonymising removed: counts only, safe to put in the audit log."""

    fields: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, n: int) -> None:
        if n:
            self.counts[name] = self.counts.get(name, 0) + n

    @property
    def anything(self) -> bool:
        return bool(self.fields or self.counts)


PERSONAL_FIELDS = ("street", "house_number", "vat_number", "tax_code", "email", "notes")


def live_call(session: Session, account_ids: list[int], now: datetime | None = None) -> bool:
    """An agent holds one of the accounts right now (its lease has not expired)."""
    now = now or utcnow()
    q = QueueEntry
    held = sa.select(q.id).where(
        q.account_id.in_(account_ids), q.state == QueueState.LEASED, q.lease_expires_at > now
    )
    return session.scalar(sa.select(held.exists())) or False


def anonymise_account(
    session: Session,
    account: Account,
    *,
    by: int | None,
    reason: str,
    via: str = "staff",
    now: datetime | None = None,
) -> Removed:
    """Remove the company's and its people's personal data, keep its statistics.

    Accounts merged into it (the same company) are anonymised with it. Idempotent: a
    second call finds nothing to remove and writes no second audit entry. Refused
    (``PrivacyError``) while an agent is on the phone with it.
    """
    reason = (reason or "").strip()
    if not reason:
        raise PrivacyError(_("Say why the data is anonymised (for example: request of 3 May)."))
    now = now or utcnow()
    ids = company_ids(session, account)
    if live_call(session, ids, now):
        raise PrivacyError(
            _("An agent is on the phone with this company now: try again in a few minutes.")
        )
    first_time = account.anonymised_at is None
    removed = Removed()
    removed.add("rejections", _blank_rejections(session, account))  # while it has its values
    # No agent is ever served a company without a number: out of its queues, ready; first,
    # so that entries are locked before accounts, as the claim locks them.
    removed.add("queue_entries_withdrawn", len(withdraw_accounts(session, ids)))
    for row in session.scalars(sa.select(Account).where(Account.id.in_(ids))):
        _scrub_account(row, removed, now)
    _scrub_children(session, ids, removed)
    session.flush()
    if first_time or removed.anything:
        record(
            session,
            "privacy.anonymise",
            user_id=by,
            obj=account,
            key=account.key,
            reason=reason,
            via=via,
            fields=sorted(set(removed.fields)),
            removed=removed.counts,
            merged_accounts=len(ids) - 1,
        )
    return removed


def _scrub_account(account: Account, removed: Removed, now: datetime) -> None:
    name = ANONYMOUS_NAME.format(key=account.key)
    if account.company_name != name:
        account.company_name = name
        removed.fields.append("company_name")
    for column in PERSONAL_FIELDS:
        if getattr(account, column) is not None:
            setattr(account, column, None)
            removed.fields.append(column)
    if account.anonymised_at is None:
        account.anonymised_at = now


def _count(session: Session, statement: Any) -> int:
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0


def _not_empty(column: Any) -> Any:
    """A JSON column holding something (PostgreSQL's ``json`` has no equality)."""
    return sa.cast(column, sa.Text) != "{}"


def _scrub_children(session: Session, ids: list[int], removed: Removed) -> None:
    """Rows that only hold personal data go; rows that hold figures lose their text."""
    calls = sa.select(CallAttempt.id).where(CallAttempt.account_id.in_(ids))
    entries = sa.select(QueueEntry.id).where(QueueEntry.account_id.in_(ids))
    statements = {
        "phones": sa.delete(AccountPhone).where(AccountPhone.account_id.in_(ids)),
        # A site keeps its town (statistics, routing), not its street: as the account.
        "sites": sa.update(AccountSite)
        .where(
            AccountSite.account_id.in_(ids),
            sa.or_(AccountSite.street.is_not(None), AccountSite.house_number.is_not(None)),
        )
        .values(street=None, house_number=None),
        "contacts": sa.delete(Contact).where(Contact.account_id.in_(ids)),
        "drafts": sa.delete(CallDraft).where(CallDraft.queue_entry_id.in_(entries)),
        "source_rows": sa.update(AccountSource)
        .where(AccountSource.account_id.in_(ids), _not_empty(AccountSource.data))
        .values(data={}),
        "call_answers": sa.update(CallAttempt)
        .where(
            CallAttempt.account_id.in_(ids),
            sa.or_(_not_empty(CallAttempt.answers), CallAttempt.notes.is_not(None)),
        )
        .values(answers={}, notes=None),
        "quality_notes": sa.update(QualityCheck)
        .where(QualityCheck.call_attempt_id.in_(calls), QualityCheck.note.is_not(None))
        .values(note=None),
        "opportunity_notes": sa.update(Opportunity)
        .where(Opportunity.account_id.in_(ids), Opportunity.notes.is_not(None))
        .values(notes=None),
        "field_changes": sa.update(FieldChange)
        .where(
            FieldChange.account_id.in_(ids),
            sa.or_(FieldChange.before.is_not(None), FieldChange.after.is_not(None)),
        )
        .values(before=None, after=None),
        "flags": sa.update(AccountFlag)
        .where(AccountFlag.account_id.in_(ids), AccountFlag.value.is_not(None))
        .values(value=None),
        "paper_cards": _scrub_cards(ids),
        # A result keeps its outcome, date and figures (the conversion), not its words.
        "result_notes": sa.update(AccountResult)
        .where(AccountResult.account_id.in_(ids), AccountResult.notes.is_not(None))
        .values(notes=None),
    }
    for name, statement in statements.items():
        removed.add(name, _count(session, statement))
    merges = sa.select(AccountMerge).where(
        sa.or_(AccountMerge.survivor_id.in_(ids), AccountMerge.merged_id.in_(ids))
    )
    for merge in session.scalars(merges):
        if merge.snapshot.get("taken"):  # the survivor's values before: undo no longer needs them
            merge.snapshot = {**merge.snapshot, "taken": {}}
            removed.add("merge_snapshots", 1)
    session.flush()
    session.expire_all()


def _scrub_cards(ids: list[int]) -> Any:
    """A paper card keeps who typed and who validated it, and when (the counts per person
    and day), not what it said, its scan or a refusal's words."""
    return (
        sa.update(PaperCard)
        .where(
            PaperCard.account_id.in_(ids),
            sa.or_(
                _not_empty(PaperCard.values),
                PaperCard.scan_size.is_not(None),
                PaperCard.baseline.is_not(None),
                PaperCard.refusal_reason.is_not(None),
            ),
        )
        .values(
            values={},
            baseline=sa.null(),
            scan=None,
            scan_type=None,
            scan_name=None,
            scan_size=None,
            refusal_reason=None,
        )
    )


def _blank_rejections(session: Session, account: Account) -> int:
    """Rejected import rows that name the account's VAT number, e-mail or phones keep
    their reason and row number, not their data (read before the account is scrubbed)."""
    ids = rejection_ids(session, account)
    if not ids:
        return 0
    return _count(
        session, sa.update(ImportRejection).where(ImportRejection.id.in_(ids)).values(data={})
    )


def erase_contact(
    session: Session, contact: Contact, *, by: int | None, reason: str, via: str = "staff"
) -> dict[str, int]:
    """Erase one person of a company: their contact row, and their name, number and
    e-mail wherever a call's answers, notes or draft repeat them. The company stays."""
    reason = (reason or "").strip()
    if not reason:
        raise PrivacyError(_("Say why the data is erased (for example: request of 3 May)."))
    needles = [v for v in (contact.full_name, contact.phone, contact.email) if v]
    account_id, contact_id = contact.account_id, contact.id
    scrubbed = 0
    calls = session.scalars(sa.select(CallAttempt).where(CallAttempt.account_id == account_id))
    drafts = session.scalars(
        sa.select(CallDraft)
        .join(QueueEntry, QueueEntry.id == CallDraft.queue_entry_id)
        .where(QueueEntry.account_id == account_id)
    )
    for row in [*calls, *drafts]:
        answers, n_answers = scrub_values(row.answers or {}, needles)
        notes, n_notes = scrub_values(row.notes, needles)
        if n_answers or n_notes:
            row.answers, row.notes = answers, notes
            scrubbed += 1
    session.delete(contact)
    session.flush()
    record(session, "privacy.erase_contact", user_id=by, object_type="contacts",
           object_id=contact_id, account_id=account_id, reason=reason, via=via,
           rows_scrubbed=scrubbed)  # fmt: skip
    return {"rows_scrubbed": scrubbed}


REMOVED_TEXT = "[…]"


def scrub_values(value: Any, needles: list[str]) -> tuple[Any, int]:
    """``value`` with every string that contains one of ``needles`` (case-insensitive)
    cut out: a whole answer goes, a note keeps the rest of its words."""
    folded = [n.casefold() for n in needles if n]
    if isinstance(value, dict):
        pairs = [(k, *scrub_values(v, needles)) for k, v in value.items()]
        return {k: v for k, v, __ in pairs}, sum(n for *__, n in pairs)
    if isinstance(value, list):
        items = [scrub_values(v, needles) for v in value]
        return [v for v, __ in items], sum(n for __, n in items)
    if isinstance(value, str) and any(n in value.casefold() for n in folded):
        text = value
        for needle in needles:
            text = _replace_folded(text, needle)
        return text, 1
    return value, 0


def _replace_folded(text: str, needle: str) -> str:
    lowered, target = text.casefold(), needle.casefold()
    if len(lowered) != len(text):  # casefold changed the length: cut the whole text
        return REMOVED_TEXT if target in lowered else text
    out, start = [], 0
    while (found := lowered.find(target, start)) >= 0:
        out += [text[start:found], REMOVED_TEXT]
        start = found + len(target)
    return "".join(out) + text[start:]


def export_subject(
    session: Session, subject: Account | Contact, *, by: int | None, via: str, form: str
) -> dict[str, Any]:
    """The report of ``subject``, with an audit entry saying who took it and in which form
    (the entry names the subject by id and key, never by its personal values)."""
    report = subject_report(session, subject)
    key = subject.key if isinstance(subject, Account) else subject.account.key
    record(session, "privacy.export", user_id=by, obj=subject, key=key, form=form, via=via)
    return report
