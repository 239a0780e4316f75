"""Column types shared by the models: UTC timestamps and string-backed enums; the local
(Europe/Rome) day and hour of a timestamp, and the seconds between two, in SQL."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column

# Every day, hour and calling time people see is Italian.
ROME = ZoneInfo("Europe/Rome")


def utcnow() -> datetime:
    """Aware UTC now; stored naive-free so that SQLite and PostgreSQL agree."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    SQLite has no time zones; without this, values read back from it would be naive
    and compare wrongly with aware values produced by the code.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls: type[enum.StrEnum], name: str) -> sa.Enum:
    """A VARCHAR with a CHECK constraint: portable, and new values need only a migration."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 8,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


class Timestamps:
    """``created_at`` / ``updated_at`` kept by the ORM."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def local_midnight(day: date) -> datetime:
    """The start of a local (Europe/Rome) day, in UTC: days are 23 or 25 hours long on
    the last Sundays of March and October."""
    return datetime.combine(day, time(), ROME).astimezone(UTC)


class local_hour(sa.sql.functions.GenericFunction[str]):
    """A UTC timestamp as 'YYYY-MM-DD HH' in Europe/Rome."""

    type = sa.String()
    inherit_cache = True


@compiles(local_hour, "postgresql")
def _local_hour_pg(element: Any, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"to_char(({value}) AT TIME ZONE 'Europe/Rome', 'YYYY-MM-DD HH24')"


@compiles(local_hour, "sqlite")
def _local_hour_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"qualifica_local_hour({compiler.process(element.clauses, **kw)})"


def sqlite_local_hour(value: str | None) -> str | None:
    """``local_hour`` for SQLite, registered on each connection (``app._configure_sqlite``):
    SQLite keeps timestamps as UTC text and knows no time zones."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value[:19]).replace(tzinfo=UTC)
    return moment.astimezone(ROME).strftime("%Y-%m-%d %H")


class local_date(sa.sql.functions.GenericFunction[Any]):
    """SQL: the local day (Europe/Rome) of a UTC timestamp, to group and compare by: a
    DATE on PostgreSQL (a cast, three times cheaper than ``to_char``), 'YYYY-MM-DD' text
    on SQLite. ``as_date`` reads either."""

    inherit_cache = True


@compiles(local_date, "postgresql")
def _local_date_pg(element: Any, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CAST(({value}) AT TIME ZONE 'Europe/Rome' AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"substr(qualifica_local_hour({compiler.process(element.clauses, **kw)}), 1, 10)"


def as_date(value: date | str) -> date:
    """A ``local_date`` as read back from either database."""
    return value if isinstance(value, date) else date.fromisoformat(value)


class seconds_between(sa.sql.functions.GenericFunction[float]):
    """SQL: the seconds from the first timestamp to the second."""

    type = sa.Float()
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end}) - ({start}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


class sum_seconds(sa.sql.functions.GenericFunction[float]):
    """SQL aggregate: the seconds from each row's first timestamp to its second, summed.
    PostgreSQL sums the intervals and converts once per group (``EXTRACT`` per row, a
    numeric, costs as much again as the scan)."""

    type = sa.Float()
    inherit_cache = True


@compiles(sum_seconds, "postgresql")
def _sum_seconds_pg(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM sum(({end}) - ({start})))"


@compiles(sum_seconds, "sqlite")
def _sum_seconds_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"sum((julianday({end}) - julianday({start})) * 86400.0)"
