"""The queue's hot statements on PostgreSQL: rendered once, run as prepared statements.

Why: a claim and an end of call run for every call of every agent, and measured on the
queue benchmark the way there through SQLAlchemy's execution (parameters processed per
call, a result object, the ORM session's bookkeeping) cost ~1 ms of Python per call, as much
as the database's own work. Here SQLAlchemy still builds and renders the statement, and its
types still convert each value, but both happen once: each call only fills in its values
and runs the text on the driver's cursor, inside the session's own transaction.

The statements run with a *generic* plan (``plan_cache_mode = force_generic_plan`` for them
alone). PostgreSQL otherwise re-plans a prepared statement for its values each time; for
these statements planning took ~1.5 ms, four times their execution, and they are written so
that one plan suits every value (each part reaches its rows through an index).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

GENERIC_PLANS = "SET LOCAL plan_cache_mode = force_generic_plan"
DEFAULT_PLANS = "SET LOCAL plan_cache_mode = DEFAULT"


class Prepared:
    """One statement rendered for PostgreSQL; ``runtime`` names the parameters each call
    gives, every other bound value is fixed when the statement is built."""

    def __init__(self, statement: sa.Executable, dialect: sa.Dialect, runtime: Iterable[str]):
        compiled = statement.compile(dialect=dialect)
        names = tuple(runtime)
        params = compiled.construct_params({name: None for name in names})
        fixed = {
            name: _process(value, _processor(compiled, name, dialect))
            for name, value in params.items()
            if name not in names
        }
        expanded = compiled.construct_expanded_state({**fixed, **dict.fromkeys(names)})
        self.sql: str = expanded.statement
        self.fixed: dict[str, Any] = {
            name: value for name, value in expanded.parameters.items() if name not in names
        }
        self.processors: dict[str, Callable[[Any], Any] | None] = {
            name: _processor(compiled, name, dialect) for name in names
        }

    def values(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The call's values converted as SQLAlchemy would, with the fixed ones."""
        values = dict(self.fixed)
        for name, processor in self.processors.items():
            value = params[name]
            values[name] = (
                processor(value) if processor is not None and value is not None else value
            )
        return values

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement in the session's transaction and return its rows."""
        real = session() if isinstance(session, scoped_session) else session
        if real.autoflush:  # as session.execute would: pending ORM changes go first
            real.flush()
        driver: Any = real.connection().connection.driver_connection
        # One round trip for the three (pipeline mode). No reset on error: the failed
        # transaction is rolled back, and SET LOCAL with it.
        with driver.cursor() as plans, driver.cursor() as cursor:
            with driver.pipeline():
                plans.execute(GENERIC_PLANS)
                cursor.execute(self.sql, self.values(params), prepare=True)
                plans.execute(DEFAULT_PLANS)
            return cursor.fetchall()


def _processor(compiled: sa.engine.Compiled, name: str, dialect: sa.Dialect) -> Any:
    bind = compiled.binds.get(name)  # type: ignore[attr-defined]
    return None if bind is None else bind.type.dialect_impl(dialect).bind_processor(dialect)


def _process(value: Any, processor: Callable[[Any], Any] | None) -> Any:
    if processor is None or value is None:
        return value
    if isinstance(value, list | tuple):  # an expanding IN (...) list
        return [processor(item) for item in value]
    return processor(value)


_BUILT: dict[tuple[Any, ...], Prepared] = {}


def prepared(
    key: tuple[Any, ...],
    session: Session,
    build: Callable[[], sa.Executable],
    runtime: Iterable[str],
) -> Prepared:
    """The statement ``build`` makes, rendered once per ``key`` and database driver."""
    dialect = session.get_bind().dialect
    full_key = (dialect.name, dialect.driver, *key)
    statement = _BUILT.get(full_key)
    if statement is None:
        statement = _BUILT[full_key] = Prepared(build(), dialect, runtime)
    return statement
