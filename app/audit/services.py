"""``record()``: the one way to write the audit log."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry


def record(
    session: Session,
    action: str,
    *,
    user_id: int | None = None,
    obj: Any = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    flush: bool = True,
    **details: Any,
) -> AuditEntry:
    """Add an audit entry to ``session`` (flushed, not committed: the caller's unit of work
    decides; ``flush=False`` for a caller that flushes it with its own writes). ``obj``
    fills the object type and id from a model instance."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    entry = AuditEntry(
        action=action,
        user_id=user_id,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details,
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    session.add(entry)
    if flush:
        session.flush()
    return entry
