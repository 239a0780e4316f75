"""The SQL statements a block of requests sends, as the database receives them: the guard
that a change adding a query to a hot path fails a test."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.desk.queue.prepared import Prepared

# The test harness runs each request's session in a savepoint of the test's transaction
# (tests/conftest.py, ``rolled_back``); production opens a plain transaction instead, whose
# BEGIN and COMMIT are not statements SQLAlchemy sends through a cursor.
HARNESS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


class Statements:
    """Records what passes through ``connection`` (the test's one connection, which every
    request's session shares) between ``__enter__`` and ``__exit__``.

    The queue's prepared statements (``app.desk.queue.prepared``: the claim, the end of a
    call) go to the driver's cursor, past SQLAlchemy's events; they are recorded too, as
    ``PREPARED <sql>``, one each: their two ``SET LOCAL`` ride in the same round trip."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.seen: list[str] = []
        self._rows = Prepared.rows

    def _record(self, conn, cursor, statement, *args) -> None:
        self.seen.append(statement)

    def __enter__(self) -> Statements:
        sa.event.listen(self.connection, "before_cursor_execute", self._record)
        rows, seen = self._rows, self.seen

        def counted(prepared: Prepared, session, params):
            seen.append("PREPARED " + prepared.sql)
            return rows(prepared, session, params)

        Prepared.rows = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc) -> None:
        Prepared.rows = self._rows  # type: ignore[method-assign]
        sa.event.remove(self.connection, "before_cursor_execute", self._record)

    @property
    def queries(self) -> list[str]:
        """What production would send too: the harness's savepoints left out."""
        return [s for s in self.seen if not HARNESS.match(s)]

    def on(self, table: str) -> list[str]:
        """The statements that name ``table``, by their first word."""
        pattern = re.compile(rf"\b{table}\b")
        return [s.split()[0].upper() for s in self.seen if pattern.search(s)]

    def summary(self) -> str:
        """One line per query (first 160 characters): what a failing count prints."""
        return "\n".join(" ".join(s.split())[:160] for s in self.queries)
