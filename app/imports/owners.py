"""The salesperson who already follows a customer, from a code column of the source file.

The code becomes ``Account.salesperson_id``, the account's known owner, which distribution
puts before the territory rules (``app.distribution.assignment``). Cleaning keeps the code
as written (``Record.facts["salesperson"]``): it runs without the database, in a second
process for a large file. The writer resolves the codes here, from one query per batch
(a million rows must not mean a million look-ups). A code that is not a salesperson's, or
a salesperson no longer active, is not dropped: the row is flagged for a person and the
account gets no owner from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.normalise.changes import Flag
from app.imports.records import Record
from app.territory.models import Salesperson

UNKNOWN = "unknown_salesperson"
INACTIVE = "inactive_salesperson"


@dataclass(frozen=True)
class Owners:
    """The salespeople by code, case folded (``mi-v01`` is ``MI-V01``): id and active."""

    by_code: dict[str, tuple[int, bool]]

    @classmethod
    def load(cls, session: Session) -> Owners:
        """One query. Two codes that differ only by case (the column is unique as written)
        fold into one: the active salesperson's is kept."""
        query = sa.select(Salesperson.code, Salesperson.id, Salesperson.active).order_by(
            Salesperson.active, Salesperson.id
        )
        return cls({code.casefold(): (id_, active) for code, id_, active in session.execute(query)})

    def resolve(self, record: Record) -> None:
        """Set the row's ``salesperson_id`` from its code, or flag the code."""
        code = str(record.facts.get("salesperson") or "").strip()
        if not code:
            return
        found = self.by_code.get(code.casefold())
        if found is None:
            record.flags.append(Flag("salesperson", code, UNKNOWN))
        elif not found[1]:
            record.flags.append(Flag("salesperson", code, INACTIVE))
        else:
            record.fields["salesperson_id"] = found[0]
