"""Do-not-call services: load a list, add an entry, and apply the list to the accounts.

Every entry is applied at once: the accounts it names (by id, VAT number or any of their
phones) get ``do_not_call`` and their waiting queue entries are withdrawn. The claim also
checks the live list (``app.desk.queue.claim_sql``), so an account that gains a listed number
later is never served either. Functions flush and never commit: the caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.accounts.models import Account, AccountPhone, AccountSource
from app.accounts.status import AccountStatus as S
from app.accounts.status import check_transition
from app.audit.services import record
from app.campaigns.queueing import withdraw_accounts
from app.columns import utcnow
from app.donotcall.models import DncEntry, DncList, DncSource
from app.donotcall.reading import (
    REASON_MAX,
    BadLine,
    DncFileError,
    Item,
    Parsed,
    parse_internal,
    parse_registry,
    phone_e164,
    vat_compact,
)
from app.spreadsheets.reading import FileRefused, Limits, detect, read_rows

CHUNK = 500  # ids per IN (...) list, well below SQLite's parameter limit
INSERT_CHUNK = 5000
BAD_LINES_SHOWN = 20
FILE_SOURCES = (DncSource.REGISTRY, DncSource.INTERNAL)


class DncError(ValueError):
    """A do-not-call request that cannot be done; the message is for the user. ``bad``
    lists the file's lines that could not be read, when that is why."""

    def __init__(self, message: str, bad: Sequence[BadLine] = ()) -> None:
        super().__init__(message)
        self.bad = list(bad)


@dataclass(frozen=True)
class Applied:
    """What applying entries did to the accounts."""

    accounts: int = 0  # accounts the entries name
    flagged: int = 0  # newly flagged do-not-call
    withdrawn: int = 0  # waiting queue entries taken out of their campaign


@dataclass(frozen=True)
class Imported:
    dnc_list: DncList
    entries: int
    free: int  # registry numbers reported as not opposed, left out
    duplicates: int
    applied: Applied


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for first in range(0, len(values), size):
        yield values[first : first + size]


def _expire(session: Session, model: type, ids: Iterable[int]) -> None:
    for row_id in ids:
        obj = session.identity_map.get(identity_key(model, row_id))
        if obj is not None:
            session.expire(obj)


# ------------------------------------------------------------------------ applying ---


def matching_accounts(session: Session, entries: sa.ColumnElement[bool]) -> list[int]:
    """Ids of the accounts named by the entries that satisfy ``entries`` (a condition on
    ``DncEntry``): by account id, by VAT number or by any of their phones."""
    by_id = sa.select(DncEntry.account_id).where(entries, DncEntry.account_id.is_not(None))
    by_vat = (
        sa.select(Account.id)
        .join(DncEntry, DncEntry.vat_number == Account.vat_number)
        .where(entries)
    )
    by_phone = (
        sa.select(AccountPhone.account_id)
        .join(DncEntry, DncEntry.e164 == AccountPhone.e164)
        .where(entries)
    )
    return sorted(set(session.scalars(sa.union(by_id, by_vat, by_phone))))


def listed_accounts(session: Session, account_ids: Sequence[int]) -> list[int]:
    """Which of ``account_ids`` the whole list names (for accounts new or changed since)."""
    found: set[int] = set()
    for chunk in _chunks(sorted(set(account_ids))):
        by_id = sa.select(DncEntry.account_id).where(DncEntry.account_id.in_(chunk))
        by_vat = (
            sa.select(Account.id)
            .join(DncEntry, DncEntry.vat_number == Account.vat_number)
            .where(Account.id.in_(chunk))
        )
        by_phone = (
            sa.select(AccountPhone.account_id)
            .join(DncEntry, DncEntry.e164 == AccountPhone.e164)
            .where(AccountPhone.account_id.in_(chunk))
        )
        found.update(session.scalars(sa.union(by_id, by_vat, by_phone)))
    return sorted(found)


def apply_to_accounts(session: Session, account_ids: Sequence[int]) -> Applied:
    """Flag the accounts and withdraw their waiting queue entries (their status becomes
    DO_NOT_CALL). An account in a call now keeps its call: the outcome is recorded, and the
    claim never serves it again."""
    session.flush()
    now = utcnow()
    flagged = withdrawn = 0
    for chunk in _chunks(sorted(set(account_ids))):
        # Out of their queues first (entries, then accounts: the claim's order of locks),
        # now ready, then out of reach: do-not-call.
        for account_id in withdraw_accounts(session, chunk):
            account = session.get_one(Account, account_id)
            if account.status == S.READY:
                account.status = check_transition(account.status, S.DO_NOT_CALL)
            withdrawn += 1
        session.flush()
        flagged += session.execute(
            sa.update(Account)
            .where(Account.id.in_(chunk), Account.do_not_call.is_(False))
            .values(do_not_call=True, updated_at=now, version=Account.version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        _expire(session, Account, chunk)
    return Applied(accounts=len(set(account_ids)), flagged=flagged, withdrawn=withdrawn)


def apply_to_batch(session: Session, batch_id: int) -> Applied:
    """After an account import: apply the list to the accounts the batch created or
    updated, so a listed company imported later is flagged like the others."""
    ids = session.scalars(
        sa.select(AccountSource.account_id).where(AccountSource.import_batch_id == batch_id)
    ).all()
    return apply_to_accounts(session, listed_accounts(session, list(ids)))


# ------------------------------------------------------------------------- loading ---


def _parse(path: Path, source: DncSource, max_bytes: int, limits: Limits) -> Parsed:
    try:
        file_format = detect(path, max_bytes=max_bytes, limits=limits)
        rows = read_rows(path, file_format, limits=limits)
        return parse_registry(rows) if source == DncSource.REGISTRY else parse_internal(rows)
    except (FileRefused, DncFileError) as exc:
        raise DncError(str(exc)) from exc


def _refuse(bad: Sequence[BadLine]) -> DncError:
    shown = "; ".join(
        _(
            "line %(line)s (%(value)s): %(problem)s",
            line=b.line,
            value=b.value[:40],
            problem=b.problem,
        )
        for b in bad[:BAD_LINES_SHOWN]
    )
    more = len(bad) - BAD_LINES_SHOWN
    tail = " " + _("…and %(num)s more.", num=more) if more > 0 else ""
    return DncError(
        _(
            "Nothing was loaded: %(num)s line(s) cannot be read. Correct them (or delete "
            "them if they are not numbers) and load the file again. %(lines)s",
            num=len(bad),
            lines=shown,
        )
        + tail,
        bad,
    )


def _account_ids(session: Session, items: list[Item]) -> tuple[dict[str, int], list[BadLine]]:
    """Account keys to ids; an unknown key is a bad line."""
    keys = sorted({i.account_key for i in items if i.account_key})
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        found.update(
            session.execute(sa.select(Account.key, Account.id).where(Account.key.in_(chunk))).all()
        )
    bad = [
        BadLine(i.line, i.account_key, _l("no account has this key"))
        for i in items
        if i.account_key and i.account_key not in found
    ]
    return found, bad


def load_list(
    session: Session,
    path: Path,
    *,
    filename: str,
    source: DncSource | str,
    list_date: date | None,
    today: date,
    max_bytes: int,
    limits: Limits,
    user_id: int | None = None,
) -> Imported:
    """Load a file as one list, all or nothing: a file with any unreadable line is refused
    (``DncError`` listing the lines). Then the list is applied to the accounts."""
    source = DncSource(source)
    list_date = _checked_list(source, list_date, today)
    parsed = _parse(path, source, max_bytes, limits)
    keys, unknown = _account_ids(session, parsed.items)
    bad = sorted(parsed.bad + unknown, key=lambda b: b.line)
    if bad:
        raise _refuse(bad)
    if not parsed.items:
        raise DncError(_("The file holds no number to add to the list."))
    dnc_list = DncList(
        source=source,
        list_date=list_date,
        filename=filename[:255],
        entries=len(parsed.items),
        created_by_id=user_id,
    )
    session.add(dnc_list)
    session.flush()
    _insert_entries(session, dnc_list, parsed.items, keys, user_id)
    applied = apply_to_accounts(
        session, matching_accounts(session, DncEntry.list_id == dnc_list.id)
    )
    record(
        session,
        "donotcall.import",
        user_id=user_id,
        obj=dnc_list,
        source=source.value,
        list_date=list_date.isoformat(),
        filename=dnc_list.filename,
        entries=len(parsed.items),
        free=parsed.free,
        duplicates=parsed.duplicates,
        accounts=applied.accounts,
        flagged=applied.flagged,
        withdrawn=applied.withdrawn,
    )
    return Imported(dnc_list, len(parsed.items), parsed.free, parsed.duplicates, applied)


def _checked_list(source: DncSource, list_date: date | None, today: date) -> date:
    """The list's date, once the file's kind and date are known to make sense."""
    if source not in FILE_SOURCES:
        raise DncError(_("A file is either a registry extract or internal opt-outs."))
    if list_date is None:
        raise DncError(_("Give the date of the list (for an extract, the register's answer date)."))
    if list_date > today:
        raise DncError(_("The list's date %(date)s is in the future.", date=list_date.isoformat()))
    return list_date


def _insert_entries(
    session: Session,
    dnc_list: DncList,
    items: list[Item],
    keys: dict[str, int],
    user_id: int | None,
) -> None:
    """The list's entries, as plain rows inserted ``INSERT_CHUNK`` at a time."""
    now = utcnow()
    rows = [
        {
            "e164": i.e164,
            "vat_number": i.vat_number,
            "reason": i.reason,
            "account_id": keys.get(i.account_key) if i.account_key else None,
            "source": dnc_list.source,
            "list_id": dnc_list.id,
            "added_by_id": user_id,
            "created_at": now,
        }
        for i in items
    ]
    for chunk in _chunks(rows, INSERT_CHUNK):
        session.execute(sa.insert(DncEntry), list(chunk))


# ---------------------------------------------------------------------- one entry ---


def add_by_hand(
    session: Session,
    *,
    phone: str | None = None,
    vat_number: str | None = None,
    account_key: str | None = None,
    reason: str | None,
    user_id: int | None,
) -> tuple[DncEntry, Applied]:
    """Staff put a number, a VAT number and/or an account on the list, with a reason."""
    phone, vat_number = (phone or "").strip(), (vat_number or "").strip()
    account_key, reason = (account_key or "").strip().upper(), (reason or "").strip()
    if not (phone or vat_number or account_key):
        raise DncError(_("Give a phone number, a VAT number or an account key."))
    if not reason:
        raise DncError(_("Say why it goes on the list (for example: asked by phone on 3 May)."))
    e164 = phone_e164(phone) if phone else None
    if phone and e164 is None:
        raise DncError(_("%(value)s is not a valid phone number.", value=phone))
    vat = vat_compact(vat_number) if vat_number else None
    if vat_number and vat is None:
        raise DncError(_("%(value)s is not a valid VAT number.", value=vat_number))
    account_id = None
    if account_key:
        account_id = session.scalar(sa.select(Account.id).where(Account.key == account_key))
        if account_id is None:
            raise DncError(_("No account has the key %(key)s.", key=account_key))
    entry = DncEntry(
        e164=e164,
        vat_number=vat,
        account_id=account_id,
        source=DncSource.STAFF,
        reason=reason[:REASON_MAX],
        added_by_id=user_id,
    )
    session.add(entry)
    session.flush()
    applied = apply_to_accounts(session, matching_accounts(session, DncEntry.id == entry.id))
    record(
        session,
        "donotcall.add",
        user_id=user_id,
        obj=entry,
        e164=e164,
        vat_number=vat,
        account_id=account_id,
        reason=entry.reason,
        flagged=applied.flagged,
        withdrawn=applied.withdrawn,
    )
    return entry, applied


def add_from_call(session: Session, account: Account, agent_id: int | None) -> list[DncEntry]:
    """The agent's "do not call again": the account, its VAT number and each of its valid
    numbers go on the list at once, and every account sharing them is flagged too."""
    numbers = sorted({p.e164 for p in account.phones if p.e164}) or [None]
    vat = vat_compact(account.vat_number) if account.vat_number else None
    entries = [
        DncEntry(
            e164=e164,
            vat_number=vat,
            account_id=account.id,
            source=DncSource.AGENT,
            added_by_id=agent_id,
        )
        for e164 in numbers
    ]
    session.add_all(entries)
    session.flush()
    account.do_not_call = True
    apply_to_accounts(session, matching_accounts(session, DncEntry.id.in_([e.id for e in entries])))
    return entries
