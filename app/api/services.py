"""Making, revoking and checking API keys; each change is audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.api.keys import NewKey, make_key, matches, prefix_of, unknown_scopes
from app.api.models import ApiKey
from app.audit.services import record

# A key's last use is written at most this often: a busy integration must not turn every
# read into a write on the same row.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class KeyRefused(ValueError):
    """A key that cannot be made as asked (the message says why)."""


def create_key(
    session: Session, *, name: str, scopes: Iterable[str], actor_id: int | None
) -> tuple[ApiKey, str]:
    """A new key and its token: the token is returned once and never stored."""
    scopes = sorted(set(scopes))
    if unknown := unknown_scopes(scopes):
        raise KeyRefused(f"unknown scopes: {', '.join(unknown)}")
    if not scopes:
        raise KeyRefused("a key needs at least one scope")
    new: NewKey = make_key()
    key = ApiKey(
        name=name.strip(), prefix=new.prefix, secret_hash=new.secret_hash, scopes=scopes,
        created_by_id=actor_id,
    )  # fmt: skip
    session.add(key)
    session.flush()
    record(session, "api_key.created", user_id=actor_id, obj=key, name=key.name,
           prefix=key.prefix, scopes=scopes)  # fmt: skip
    return key, new.token


def revoke_key(session: Session, key: ApiKey, *, actor_id: int | None) -> bool:
    """Revoke ``key`` at once; False when it was revoked already (nothing changes)."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = datetime.now(UTC)
    session.flush()
    record(session, "api_key.revoked", user_id=actor_id, obj=key, name=key.name,
           prefix=key.prefix)  # fmt: skip
    return True


def list_keys(session: Session) -> list[ApiKey]:
    """Active keys first, newest first."""
    order = (ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
    return list(session.scalars(sa.select(ApiKey).order_by(*order)))


def find_key(session: Session, token: str) -> ApiKey | None:
    """The active key ``token`` is, or None (unknown, malformed or revoked)."""
    prefix = prefix_of(token)
    if prefix is None:
        return None
    key = session.scalar(sa.select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or key.revoked_at is not None or not matches(token, key.secret_hash):
        return None
    return key


def mark_used(key: ApiKey, now: datetime) -> None:
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
