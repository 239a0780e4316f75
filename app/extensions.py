"""Extensions, created unbound; ``create_app`` binds them."""

from __future__ import annotations

import select
from typing import Any

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

# Stable constraint names so that one migration chain works on SQLite (batch mode
# recreates tables by name) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write our column types into migrations as the plain SQLAlchemy types they store,
    so that migrations never import application code that may change later."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


# Indexes that only a migration defines, because their column ordering (DESC, NULLS FIRST)
# is not something autogenerate compares reliably; it must leave them alone.
MIGRATION_ONLY_INDEXES = frozenset({"ix_queue_entries_claim"})


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Pool, "checkout")
def _closed_while_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Refuse a pooled PostgreSQL connection whose server has spoken while it sat idle.

    Why: a database restarted while the pool was idle leaves every pooled connection dead,
    and the first request on each would fail. ``pool_pre_ping`` prevents that with a
    round trip (``SELECT 1``) on every checkout, that is on every request: measured on the
    desk's autosave, a sixth of its Python. A server that ends a connection (a restart, an
    administrator's ``pg_terminate_backend``) sends its notice and closes the socket, so an
    idle connection whose socket is readable is dead: SQLAlchemy then drops it and takes a
    fresh one. The check is one ``select()`` with no wait; a connection without a socket
    (SQLite) is left alone."""
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:
        return
    try:
        readable, _, _ = select.select([fileno()], [], [], 0)
    except (OSError, ValueError) as exc:  # closed already: no descriptor
        raise DisconnectionError("the connection's socket is closed") from exc
    if readable:
        raise DisconnectionError("the server closed or spoke on an idle connection")


# Execution options for a transaction that reads then writes and must not be overtaken.
# On SQLite it takes the write lock at BEGIN (a deferred transaction whose snapshot is
# older than another writer's commit cannot write at all); PostgreSQL ignores it.
WRITE_LOCK = {"sqlite_begin": "IMMEDIATE"}


def begin_write(session: Session) -> None:
    """Open ``session``'s transaction with ``WRITE_LOCK`` if it is not open yet (a job, a
    shell command, a service called first); an open one goes on as it began, and on SQLite
    takes the write lock at its first write.

    Call it before the transaction's first statement: a caller that reads first (say, loads
    the campaign) should call it before that read. On SQLite a transaction that read and
    then writes after another writer's commit fails ("database is locked") rather than
    double-assign; opened this way it waits its turn. PostgreSQL ignores it (row locks)."""
    real = session() if isinstance(session, scoped_session) else session  # Flask-SQLAlchemy's
    if not real.in_transaction():
        real.connection(execution_options=WRITE_LOCK)


def upsert_insert(session: Session) -> Any:
    """``insert`` of the session's database dialect, the one with ``on_conflict_do_...``
    (PostgreSQL and SQLite both know ``INSERT ... ON CONFLICT``)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


migrate = Migrate(
    render_as_batch=True,
    compare_type=True,
    render_item=_render_item,
    include_object=_include_object,
)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
