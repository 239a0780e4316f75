"""API keys and the responses kept for idempotent retries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import UTCDateTime, utcnow
from app.extensions import db


class ApiKey(db.Model):
    """One integration's key. Only the SHA-256 of its secret is kept (``app.api.keys``):
    the secret itself is shown once, when the key is made. Revoked keys stay, for the
    audit log's sake."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)  # shown in lists
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # hex SHA-256
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IdempotentRequest(db.Model):
    """A POST made with an ``Idempotency-Key``: its body's hash and the response given,
    replayed for the same key and body within a day (``app.api.idempotency``)."""

    __tablename__ = "api_idempotent_requests"
    __table_args__ = (sa.UniqueConstraint("api_key_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(sa.ForeignKey("api_keys.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(255))
    endpoint: Mapped[str] = mapped_column(sa.String(120))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int] = mapped_column()
    body: Mapped[dict[str, Any] | list[Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
