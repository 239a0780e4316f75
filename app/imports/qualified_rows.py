"""Earlier qualification results landed on the accounts an import wrote: their contact,
fleet lines and opportunity, with the batch as provenance (``import_batch_id``).

Plain rows in bulk, as ``child_rows`` writes the rest, once the chunk's accounts exist.
What the account already holds is loaded once per chunk. The rule: a value our desk
captured (``call_attempt_id`` set) after the file's qualification date (or any, when the
file gives no date) is never overwritten: the row raises a ``desk_value_newer`` doubt
instead, its value left in the doubt and in the row's source. A value the account already
holds as the file says is not written again, so another file with the same answers adds
nothing (an identical row is skipped before, by its fingerprint).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import AccountFlag, Contact, FlagStatus, FleetLine, Opportunity
from app.imports import matching
from app.imports.bulk import insert_rows
from app.imports.combining import short
from app.imports.models import ImportBatch
from app.imports.qualification import Answers
from app.imports.records import Record

NEWER = "desk_value_newer"
CONTACT_FIELDS = ("full_name", "job_title", "phone", "email")
OPPORTUNITY_FIELDS = ("horizon", "vehicle_kind", "notes")
Row = dict[str, Any]


def desk_newer(row: Row, day: date | None) -> bool:
    """Whether ``row`` is a call's answer newer than a file's of ``day`` (undated: newer)."""
    return row["call_attempt_id"] is not None and (day is None or row["updated_at"].date() > day)


class AccountAnswers:
    """What one account holds (contacts by folded name, fleet lines by brand, its newest
    opportunity), kept current as the chunk's rows land on it."""

    def __init__(self) -> None:
        self.contacts: dict[str, Row] = {}
        self.fleet: dict[str, Row] = {}
        self.opportunity: Row | None = None


class AnswerRows:
    """Gathers the rows that give answers, by account, until ``land``."""

    def __init__(self, session: Session, batch: ImportBatch, report: Any, now: datetime) -> None:
        self.session = session
        self.batch = batch
        self.report = report
        self.now = now
        self.pending: list[tuple[int, int, Answers, str]] = []  # account, row, its horizon
        self.inserts: dict[type, list[Row]] = defaultdict(list)
        self.flags: list[Row] = []

    def add(self, account_id: int, records: Iterable[Record]) -> None:
        self.pending += [(account_id, r.row_number, r.answers, r.raw.get("horizon", ""))
                         for r in records if r.answers is not None]  # fmt: skip

    def land(self) -> bool:
        """Write the gathered answers; whether anything was written."""
        if not self.pending:
            return False
        held = self._load(sorted({account_id for account_id, *_ in self.pending}))
        for account_id, _row, answers, horizon in sorted(self.pending, key=lambda p: p[1]):
            state = held[account_id]
            self._contact(account_id, state, answers)
            self._fleet(account_id, state, answers)
            self._opportunity(account_id, state, answers, horizon)
        self.pending = []
        for model in (Contact, FleetLine, Opportunity):
            for part in matching.chunks(self.inserts.pop(model, []), 5_000):
                insert_rows(self.session, model.__table__, part)
        for part in matching.chunks(self.flags, 5_000):
            insert_rows(self.session, AccountFlag.__table__, part)
        self.flags = []
        return True

    def _load(self, account_ids: list[int]) -> dict[int, AccountAnswers]:
        held: dict[int, AccountAnswers] = defaultdict(AccountAnswers)
        for part in matching.chunks(account_ids):
            for model in (Contact, FleetLine, Opportunity):
                table = model.__table__
                query = table.select().where(table.c.account_id.in_(part)).order_by(table.c.id)
                for found in self.session.execute(query):
                    row = dict(found._mapping)
                    state = held[row["account_id"]]
                    if model is Contact:
                        state.contacts[row["full_name"].casefold()] = row
                    elif model is FleetLine:
                        state.fleet[row["brand"].upper()] = row
                    else:
                        state.opportunity = row  # by id: the newest last
        return held

    def _write(self, model: type, row: Row | None, values: Row) -> Row:
        """Insert ``values`` as a new row of ``model``, or update ``row`` with them: now
        the import's (a call's answer it replaces was older)."""
        values = {**values, "import_batch_id": self.batch.id, "call_attempt_id": None,
                  "updated_at": self.now}  # fmt: skip
        if row is None:
            row = {**values, "created_at": self.now}
            self.inserts[model].append(row)
        elif "id" not in row:  # gathered by an earlier row of the chunk: not inserted yet
            row.update(values)
        else:
            table = model.__table__
            self.session.execute(table.update().where(table.c.id == row["id"]).values(values))
            row.update(values)
        return row

    def _contact(self, account_id: int, state: AccountAnswers, answers: Answers) -> None:
        """A contact of the same name is updated, another added; neither when a call
        captured a contact of the account after the file's date."""
        values = answers.contact
        if not values:
            return
        same = state.contacts.get(values["full_name"].casefold())
        if same is not None and all(same.get(k) == v for k, v in values.items()):
            return
        if any(desk_newer(row, answers.qualified_on) for row in state.contacts.values()):
            self._flag(account_id, "contact_name", values["full_name"])
            return
        fresh = {"account_id": account_id, **dict.fromkeys(CONTACT_FIELDS), **values,
                 "is_purchasing_manager": False} if same is None else values  # fmt: skip
        state.contacts[values["full_name"].casefold()] = self._write(Contact, same, fresh)

    def _fleet(self, account_id: int, state: AccountAnswers, answers: Answers) -> None:
        """A brand the account lacks is added; another count of a brand it has replaces
        it, unless a call counted that brand after the file's date."""
        for brand, count in answers.fleet:
            line = state.fleet.get(brand.upper())
            if line is not None and line["vehicle_count"] == count:
                continue
            if line is not None and desk_newer(line, answers.qualified_on):
                self._flag(account_id, "fleet", f"{brand} {count}")
                continue
            values: Row = {"vehicle_count": count,
                           "tonnage_class": answers.tonnage_class}  # fmt: skip
            if line is None:
                values |= {"account_id": account_id, "brand": brand}
            state.fleet[brand.upper()] = self._write(FleetLine, line, values)

    def _opportunity(
        self, account_id: int, state: AccountAnswers, answers: Answers, written: str
    ) -> None:
        """The file's purchase intent becomes the account's newest, unless the newest it
        has is the same, or newer: a call's raises a doubt, another file's stays."""
        if answers.horizon is None:
            return  # an opportunity is its horizon: a doubt on it was raised when read
        values = {"horizon": answers.horizon, "vehicle_kind": answers.vehicle_kind,
                  "notes": answers.notes}  # fmt: skip
        latest = state.opportunity
        if latest is not None and all(latest.get(k) == values[k] for k in OPPORTUNITY_FIELDS):
            return
        if latest is not None and desk_newer(latest, answers.qualified_on):
            self._flag(account_id, "horizon", written)
            return
        day = latest.get("qualified_on") if latest is not None else None
        if day is not None and (answers.qualified_on is None or day > answers.qualified_on):
            return  # a later file's intent stands; this one stays in its source row
        values |= {
            "account_id": account_id,
            "quantity": None,
            "qualified_on": answers.qualified_on,
            "qualified_by": answers.qualified_by,
        }
        state.opportunity = self._write(Opportunity, None, values)  # fmt: skip

    def _flag(self, account_id: int, field: str, value: str) -> None:
        self.flags.append(
            {
                "account_id": account_id,
                "batch_id": self.batch.id,
                "field": field,
                "value": short(value),
                "reason": NEWER,
                "status": FlagStatus.OPEN,
                "created_at": self.now,
            }
        )
        self.report.flags_raised += 1
        self.report.flags_by_reason[NEWER] += 1
