"""What became of each record an integration sent: the intake's report.

Read back from what the import wrote (each record's source row, the pairs it left for
review) and from what cleaning said of the record, so the report cannot disagree with the
batch the staff see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.labels import reason_label
from app.accounts.models import Account, AccountSource
from app.imports.intake_checks import Checked, Message, too_long
from app.imports.labels import rejection_label
from app.imports.matching import chunks
from app.imports.models import DuplicatePair, PairStatus
from app.imports.records import Record

ACTIONS = ("created", "updated", "merged", "held_for_review", "rejected")


@dataclass
class RecordResult:
    """What became of one record: ``index`` its place in the request (from 0)."""

    index: int
    external_id: str | None
    action: str
    account_key: str | None = None
    messages: list[Message] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "external_id": self.external_id,
            "account_key": self.account_key,
            "action": self.action,
            "messages": [m.as_dict() for m in self.messages],
        }


@dataclass
class IntakeReport:
    """Every record's outcome, in the request's order, and the batch that holds them."""

    batch_id: int
    source: str
    records: list[RecordResult]

    @property
    def totals(self) -> dict[str, int]:
        counts = Counter(r.action for r in self.records)
        return {"records": len(self.records), **{a: counts[a] for a in ACTIONS}}

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "source": self.source,
            "totals": self.totals,
            "records": [r.as_dict() for r in self.records],
        }


@dataclass
class Landing:
    """Where the batch's rows went: ``account_of`` row -> account (its source row, or for a
    record received before as it is, ``unchanged``, the earlier one's); each account's key,
    its first row in the batch, and the accounts it may duplicate (pairs for review)."""

    account_of: dict[int, int]
    unchanged: set[int]
    key_of: dict[int, str]
    first_row: dict[int, int]
    doubted: dict[int, set[int]]


def outcomes(
    session: Session,
    batch_id: int,
    checked: list[Checked],
    cleaned: Mapping[int, Record],
    pinned: Mapping[int, int],
    stored_max_id: int,
) -> list[RecordResult]:
    """Each record's result, in the request's order (row = index + 1)."""
    where = _landing(session, batch_id, cleaned)
    words: dict[str, str] = {}
    results = []
    for index, item in enumerate(checked):
        result = RecordResult(index, item.external_id, "rejected")
        results.append(result)
        record = cleaned.get(index + 1)
        if item.message is not None or record is None:
            result.messages = [item.message] if item.message else []
            continue
        result.messages = _cleaning_messages(record, words)
        if record.rejected:
            result.messages.insert(0, _rejection(record.rejected))
            continue
        _place(result, index + 1, where, by_external_id=index + 1 in pinned, before=stored_max_id)
    return results


def _landing(session: Session, batch_id: int, cleaned: Mapping[int, Record]) -> Landing:
    query = sa.select(AccountSource.row_number, AccountSource.account_id)
    account_of = dict(session.execute(query.where(AccountSource.import_batch_id == batch_id)).all())
    skipped = [r for r in cleaned.values() if not r.rejected and r.row_number not in account_of]
    unchanged = _received_before(session, batch_id, skipped)
    account_of |= unchanged
    first_row: dict[int, int] = {}
    for row in sorted(account_of):
        first_row.setdefault(account_of[row], row)
    doubted = _waiting_for_review(session, batch_id)
    wanted = set(account_of.values()) | {a for others in doubted.values() for a in others}
    return Landing(account_of, set(unchanged), _keys(session, wanted), first_row, doubted)


def _place(
    result: RecordResult, row: int, where: Landing, *, by_external_id: bool, before: int
) -> None:
    """The action of a record that landed (``before``: the last account id stored before
    the batch), with a note saying how."""
    account_id = where.account_of[row]
    result.account_key = where.key_of[account_id]
    if row in where.unchanged:
        result.action = "updated"
        note = _("Nothing new: this record was received before as it is.")
        result.messages.append(Message("note", "unchanged", note))
    elif account_id <= before:
        result.action = "updated"
        result.messages.append(_found(by_external_id))
    elif where.first_row[account_id] == row:
        result.action = "created"
    else:
        result.action = "merged"
        text = _(
            "The same company as record %(index)s of this request: one account.",
            index=where.first_row[account_id] - 1,
        )
        result.messages.append(Message("note", "merged_in_request", text))
    if account_id in where.doubted:
        result.action = "held_for_review"
        keys = ", ".join(sorted(where.key_of[other] for other in where.doubted[account_id]))
        text = _("It may be the same company as account %(keys)s: a person decides.", keys=keys)
        result.messages.append(Message("note", "possible_duplicate", text))


def _received_before(session: Session, batch_id: int, records: list[Record]) -> dict[int, int]:
    """Row -> account, for the records identical to one imported before (skipped)."""
    row_of = {r.fingerprint: r.row_number for r in records}
    found: dict[int, int] = {}
    for part in chunks(sorted(row_of)):
        query = (
            sa.select(AccountSource.fingerprint, AccountSource.account_id)
            .where(AccountSource.fingerprint.in_(part), AccountSource.import_batch_id != batch_id)
            .order_by(AccountSource.id)
        )
        for fingerprint, account_id in session.execute(query):
            found[row_of[fingerprint]] = account_id
    return found


def _keys(session: Session, ids: set[int]) -> dict[int, str]:
    keys: dict[int, str] = {}
    for part in chunks(sorted(ids)):
        keys |= dict(
            session.execute(sa.select(Account.id, Account.key).where(Account.id.in_(part))).all()
        )
    return keys


def _waiting_for_review(session: Session, batch_id: int) -> dict[int, set[int]]:
    """Account -> the accounts it may duplicate, by the pairs this batch left for review."""
    others: dict[int, set[int]] = {}
    query = sa.select(DuplicatePair.account_a_id, DuplicatePair.account_b_id).where(
        DuplicatePair.batch_id == batch_id, DuplicatePair.status == PairStatus.PENDING
    )
    for a, b in session.execute(query):
        others.setdefault(a, set()).add(b)
        others.setdefault(b, set()).add(a)
    return others


def _cleaning_messages(record: Record, words: dict[str, str]) -> list[Message]:
    """What the import corrected in the record, and what it left in doubt; ``words``: the
    reasons' labels met so far in the call (thousands of records share a few reasons)."""
    said = [("correction", c.field, c.reason) for c in record.changes]
    said += [("doubt", f.field, f.reason) for f in record.flags]
    for _kind, _field, reason in said:
        if reason not in words:
            words[reason] = reason_label(reason)
    return [Message(kind, reason, words[reason], name) for kind, name, reason in said]


def _rejection(reason: str) -> Message:
    code, _sep, detail = reason.partition(":")
    name, _sep, limit = detail.partition(":")
    if code == "value_too_long" and name and limit:
        return too_long(name, int(limit))
    return Message("error", code, rejection_label(reason))


def _found(by_external_id: bool) -> Message:
    if by_external_id:
        return Message(
            "note",
            "found_by_external_id",
            _("Updated the account this integration sent with the same external id."),
        )
    return Message(
        "note",
        "found_by_matching",
        _(
            "Found among the stored accounts (VAT number, phone, name and place): what the "
            "account lacked was filled in, what it had was kept."
        ),
    )
