"""What the external data company's page lists."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.imports.models import ImportBatch, SourceKind


def recent_returns(session: Session, limit: int = 20) -> list[ImportBatch]:
    """The company's files sent back, newest first."""
    query = sa.select(ImportBatch).where(ImportBatch.source_kind == SourceKind.EXTERNAL)
    return list(session.scalars(query.order_by(ImportBatch.id.desc()).limit(limit)))
