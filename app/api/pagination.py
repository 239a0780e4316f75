"""Cursor pagination: every list is read in a stable order of (a timestamp, id), and the
cursor is the last row's pair, opaque to the client (URL-safe base64 of JSON). A cursor
stays valid while rows change: a row changed after it was read comes again later, with
its new time, instead of shifting the pages as an offset would."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.api.problems import Problem

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last row's time (None for lists ordered by id only) and id."""

    at: datetime | None
    id: int


def encode_cursor(position: Position) -> str:
    raw = json.dumps([position.at.isoformat() if position.at else None, position.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """The position a cursor names; a 422 problem for anything that is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, ident = json.loads(raw)
        if not isinstance(ident, int) or isinstance(ident, bool):
            raise ValueError(ident)
        when = datetime.fromisoformat(at) if at is not None else None
        if when is not None and when.tzinfo is None:
            raise ValueError(at)
        return Position(when, ident)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise Problem(422, _l("The cursor is not valid: use next_cursor from a page."),
                      kind="invalid-cursor") from exc  # fmt: skip


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def page(
    session: Session,
    query: sa.Select,
    *,
    at: Any,
    ident: Any,
    cursor: str | None,
    limit: int,
    row_position: Callable[[Any], Position],
    rows: bool = False,
) -> Page:
    """One page of ``query`` ordered by (``at``, ``ident``) after ``cursor`` (``at`` None:
    by ``ident`` only). ``limit`` is capped by the schema; one row more is read to know
    whether another page follows. ``rows``: the query selects several columns."""
    order: Sequence[Any] = (ident,) if at is None else (at, ident)
    if cursor:
        position = decode_cursor(cursor)
        if at is None:
            query = query.where(ident > position.id)
        elif position.at is None:
            raise Problem(422, _l("The cursor is not valid: use next_cursor from a page."),
                          kind="invalid-cursor")  # fmt: skip
        else:
            query = query.where(sa.tuple_(at, ident) > sa.tuple_(position.at, position.id))
    query = query.order_by(*order).limit(limit + 1)
    found = list(session.execute(query).all() if rows else session.scalars(query))
    more = len(found) > limit
    found = found[:limit]
    return Page(found, encode_cursor(row_position(found[-1])) if more and found else None)
