"""One row of the data company's file applied to the account its KEY names.

Each group of values goes through the cleaning an import gives it (``app.accounts.
normalise``: the VAT check digit, the phone, CAP / municipality / ISTAT); a value the
cleaning doubts is refused and listed, never applied. A value that changes is written with
its field change (reason ``external_normalisation``, the batch, the row, the date). An empty
cell never erases a value. ERRATO raises a doubt for a person; CESSATA closes the account
through the state machine (``app.accounts.status``), taking it out of its campaign queue
first (``app.campaigns.queueing.withdraw_accounts``). See docs/imports.md."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account, AccountFlag, AccountPhone, FlagStatus
from app.accounts.normalise.changes import Cleaned, squash
from app.accounts.normalise.phone import read_phone
from app.accounts.status import AccountStatus, TransitionError, check_transition
from app.campaigns.queueing import WITHDRAWN, withdraw_accounts
from app.external.layout import NOTE, PHONE_COLUMNS, VERDICT, UnknownVerdict, Verdict
from app.external.layout import read_verdict as verdict_of
from app.imports.combining import short
from app.imports.doubts import clean_group, settle
from app.imports.models import FieldChange, ImportBatch
from app.imports.pipeline import Reference
from app.imports.records import TEXT_LIMITS

REASON = "external_normalisation"  # the field changes' reason: their provenance
WRONG = "external_wrong"  # the doubt an ERRATO raises
# The values cleaned together, as an import cleans them (``imports.records``).
GROUPS = {
    "company": ("company_name", "legal_form"),
    "street": ("street", "house_number"),
    "location": ("postcode", "municipality", "province"),
    "identifiers": ("vat_number", "tax_code"),
    "email": ("email",),
}
LISTED = 1_000  # refusals, doubts and closures listed in the report (all are counted)


@dataclass
class Outcome:
    """What the file did, as the report page shows it."""

    rows_keyed: int = 0
    rows_unchanged: int = 0
    changed_by_field: Counter[str] = field(default_factory=Counter)
    accounts_changed: int = 0
    refused_count: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)
    doubts: list[dict[str, Any]] = field(default_factory=list)
    closed: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: int = 0  # closed accounts taken out of a campaign queue first

    def refuse(self, row: int, key: str, name: str, value: str | None, reason: str) -> None:
        self.refused_count += 1
        if len(self.refused) < LISTED:
            self.refused.append({"row": row, "key": key, "field": name, "value": value or "",
                                 "reason": reason})  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "changed_by_field": dict(self.changed_by_field)}


class Applier:
    """Applies keyed rows of one batch; each row given as ``{account field: cell}``.
    ``reason``: the field changes' provenance (the data company's file, or a paper card
    typed by hand, ``app.cards``): one applier, whoever brings the values."""

    def __init__(
        self,
        session: Session,
        batch: ImportBatch,
        reference: Reference,
        now: datetime,
        *,
        reason: str = REASON,
    ) -> None:
        self.session, self.batch, self.reference, self.now = session, batch, reference, now
        self.reason = reason
        self.outcome = Outcome()
        self.doubted: set[tuple[int, str | None]] = set()  # (account, note) already open
        self.flagged: set[int] | None = None  # accounts with an open doubt; None: not read
        self.written: set[str] = set()  # the fields the row being applied changed

    def load_doubts(self, account_ids: list[int]) -> None:
        """The ERRATO doubts still open on these accounts: a file sent again raises none."""
        query = sa.select(AccountFlag.account_id, AccountFlag.value).where(
            AccountFlag.account_id.in_(account_ids),
            AccountFlag.reason == WRONG,
            AccountFlag.status == FlagStatus.OPEN,
        )
        self.doubted = {(a, v) for a, v in self.session.execute(query)}
        flagged = sa.select(AccountFlag.account_id).where(
            AccountFlag.account_id.in_(account_ids), AccountFlag.status == FlagStatus.OPEN
        )
        self.flagged = set(self.session.scalars(flagged))

    def apply(self, account: Account, row: int, cells: dict[str, str]) -> None:
        """Apply one row; what it cannot apply is refused in the outcome."""
        self.outcome.rows_keyed += 1
        key = account.key
        try:
            verdict = verdict_of(cells.get(VERDICT))
        except UnknownVerdict:
            self.outcome.refuse(row, key, "ESITO", cells.get(VERDICT), "unknown_verdict")
            return
        if account.anonymised_at is not None:
            self.outcome.refuse(row, key, "key", key, "account_anonymised")
            return
        if account.status == AccountStatus.MERGED:
            self.outcome.refuse(row, key, "key", key, "account_merged")
            return
        if verdict == Verdict.CLOSED:
            self._close(account, row)
        elif verdict == Verdict.WRONG:
            self._doubt(account, row, cells.get(NOTE) or "")
        else:
            self.written = set()
            written = self._compare(account, row, cells)
            written += self._phones(account, row, cells)
            if written:
                self.outcome.accounts_changed += 1
                if self.flagged is None or account.id in self.flagged:
                    # A value cleaned without a doubt answers the doubt on it.
                    settle(self.session, account, self.written,
                           user_id=self.batch.uploaded_by_id, now=self.now)  # fmt: skip
            else:
                self.outcome.rows_unchanged += 1

    def _change(self, account: Account, row: int, name: str, before: Any, after: Any) -> None:
        self.session.add(FieldChange(account_id=account.id, batch_id=self.batch.id,
                                     row_number=row, field=name, before=short(before),
                                     after=short(after), reason=self.reason,
                                     created_at=self.now))  # fmt: skip
        self.outcome.changed_by_field[name] += 1
        self.written.add(name)

    def _close(self, account: Account, row: int) -> None:
        """CESSATA: the account becomes *invalid*, if its status allows it. One waiting in
        a campaign queue is taken out of it first (a closed company is not called); one an
        agent holds now, or in a final state, stays as it is and is listed."""
        before = account.status
        left = None
        if before in WITHDRAWN:
            left = withdraw_accounts(self.session, [account.id]).get(account.id)
            if left is None:  # claimed by an agent meanwhile: as it is now
                self.session.refresh(account, ["status"])
        if account.status == AccountStatus.INVALID:
            self.outcome.rows_unchanged += 1
            return
        if account.status == AccountStatus.IN_CALL:
            self.outcome.refuse(row, account.key, "status", account.status.value,
                                "account_in_call")  # fmt: skip
            return
        try:
            check_transition(account.status, AccountStatus.INVALID)
        except TransitionError:
            self.outcome.refuse(row, account.key, "status", account.status.value, "cannot_close")
            return
        self._change(account, row, "status", before.value, AccountStatus.INVALID.value)
        account.status = AccountStatus.INVALID
        if left is not None:
            self.outcome.withdrawn += 1
        if len(self.outcome.closed) < LISTED:
            closed = {"row": row, "key": account.key, "company": account.company_name}
            self.outcome.closed.append({**closed, "withdrawn": left} if left else closed)

    def _doubt(self, account: Account, row: int, note: str) -> None:
        """ERRATO: a doubt for a person with the company's note, once (a file sent again
        raises none)."""
        value = short(squash(note)) or None
        if (account.id, value) in self.doubted:
            self.outcome.rows_unchanged += 1
            return
        self.doubted.add((account.id, value))
        self.session.add(AccountFlag(account_id=account.id, batch_id=self.batch.id,
                                     field="external", value=value, reason=WRONG,
                                     created_at=self.now))  # fmt: skip
        if len(self.outcome.doubts) < LISTED:
            listed = {"row": row, "key": account.key, "company": account.company_name}
            self.outcome.doubts.append({**listed, "note": value or ""})

    def _compare(self, account: Account, row: int, cells: dict[str, str]) -> int:
        """Each group whose cells differ from the account, cleaned and applied: the
        number of values written."""
        written = 0
        istat = cells.get("istat_code")
        for group, names in GROUPS.items():
            given = {n: squash(cells.get(n)) for n in names}
            if not any(v and v != squash(getattr(account, n) or "") for n, v in given.items()):
                continue
            proposed = {n: given[n] or getattr(account, n) for n in names}
            cleaned = clean_group(group, proposed, self.reference)
            values = self._accepted(account, row, names, given, cleaned)
            if values is None:
                continue
            for name, value in values.items():
                if getattr(account, name) != value:
                    self._change(account, row, name, getattr(account, name), value)
                    setattr(account, name, value)
                    written += 1
            if "istat_code" in values:
                account.istat_reference_date = self.reference.reference_date
        if istat and squash(istat) != (account.istat_code or ""):
            self.outcome.refuse(row, account.key, "istat_code", istat, "istat_not_of_municipality")
        return written

    def _accepted(
        self, account: Account, row: int, names: tuple[str, ...], given: dict[str, str],
        cleaned: Cleaned,
    ) -> dict[str, Any] | None:  # fmt: skip
        """The group's cleaned values, or None when one is refused (each refusal listed)."""
        refused = False
        for flag in cleaned.flags:
            if flag.field in names:
                self.outcome.refuse(row, account.key, flag.field,
                                    given.get(flag.field) or flag.value, flag.reason)  # fmt: skip
                refused = True
        values = {k: v for k, v in cleaned.values.items() if k in names or k == "istat_code"}
        for name, value in values.items():
            limit = TEXT_LIMITS.get(name)
            if isinstance(value, str) and limit and len(value) > limit:
                self.outcome.refuse(row, account.key, name, value[:250], "value_too_long")
                refused = True
        return None if refused else values

    def _phones(self, account: Account, row: int, cells: dict[str, str]) -> int:
        """TELEFONO, TELEFONO_2: a new number replaces the account's first or second one
        (a number it already has changes nothing)."""
        written = 0
        phones = list(account.phones)
        for position, name in enumerate(PHONE_COLUMNS):
            raw = squash(cells.get(name))
            if not raw:
                continue
            reading = read_phone(raw, account.province)
            if reading.flag or reading.e164 is None:
                self.outcome.refuse(row, account.key, name, raw, reading.flag or "phone_invalid")
                continue
            if reading.e164 in {p.e164 for p in phones}:
                continue
            if position < len(phones):
                phone = phones[position]
                self._change(account, row, name, phone.e164 or phone.raw, reading.e164)
                phone.raw, phone.e164, phone.kind = raw[:40], reading.e164, reading.kind
            else:
                self._change(account, row, name, None, reading.e164)
                place = max((p.position for p in phones), default=-1) + 1
                phone = AccountPhone(account=account, raw=raw[:40], e164=reading.e164,
                                     kind=reading.kind, position=place)  # fmt: skip
                phones.append(phone)
            written += 1
        return written
