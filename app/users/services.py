"""Users: creation, password hashing (argon2) and authentication."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.security import Role
from app.territory.models import Zone
from app.users.models import User
from app.users.throttle import FAILED, fold

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10

# A hash to verify against when the username does not exist, so that a wrong username
# costs as much time as a wrong password and does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("qualifica-timing-equaliser")


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user(session: Session, username: str) -> User | None:
    name = username.strip().lower()
    return session.scalar(select(User).where(func.lower(User.username) == name))


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role | str,
    full_name: str | None = None,
    email: str | None = None,
    locale: str | None = None,
    zone: Zone | None = None,
    actor_id: int | None = None,
) -> User:
    """Create a user after checking the username, role and password length; a staff
    member created with a ``zone`` sees only that zone's accounts (docs/access.md)."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise UserError(
            "Username must be 2-64 characters: lower-case letters, digits, '.', '_' or '-'."
        )
    try:
        role = Role(role)
    except ValueError as exc:
        choices = ", ".join(r.value for r in Role)
        raise UserError(f"Unknown role {role!r}: choose one of {choices}.") from exc
    if zone is not None and role != Role.STAFF:
        raise UserError(f"Only staff can have a zone, not {role.value}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if find_user(session, username) is not None:
        raise UserError(f"User {username!r} already exists.")
    user = User(
        username=username,
        full_name=full_name or username,
        email=email,
        role=role,
        locale=locale,
        password_hash=hash_password(password),
        zone_id=zone.id if zone is not None else None,
    )
    session.add(user)
    session.flush()
    record(
        session,
        "user.create",
        user_id=actor_id,
        obj=user,
        role=role.value,
        zone=zone.code if zone is not None else None,
    )
    return user


def find_zone(session: Session, code: str) -> Zone:
    """The zone with this code (any case), or a ``UserError`` listing the known codes."""
    zone = session.scalar(select(Zone).where(func.upper(Zone.code) == code.strip().upper()))
    if zone is None:
        known = ", ".join(session.scalars(select(Zone.code).order_by(Zone.code))) or "none"
        raise UserError(f"Unknown zone {code!r}: known zones are {known}.")
    return zone


def zone_codes(session: Session) -> dict[int, str]:
    """Zone id -> code, to show which zone a staff member is confined to."""
    return {zone_id: code for zone_id, code in session.execute(select(Zone.id, Zone.code))}


def set_zone(
    session: Session, user: User, zone: Zone | None, *, actor_id: int | None = None
) -> None:
    """Confine a staff member to one zone's accounts, waves and exports (``None``: every
    zone). Only staff are confined: an administrator or supervisor with a zone would
    still see everything, so it is refused rather than left misleading."""
    if zone is not None and user.role != Role.STAFF:
        raise UserError(f"Only staff can have a zone; {user.username} is {user.role.value}.")
    before = user.zone_id
    user.zone_id = zone.id if zone is not None else None
    session.flush()
    record(
        session,
        "user.set_zone",
        user_id=actor_id,
        obj=user,
        zone=zone.code if zone is not None else None,
        previous_zone_id=before,
    )


def set_password(
    session: Session, user: User, password: str, *, actor_id: int | None = None
) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Password must have at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)
    session.flush()
    record(session, "user.set_password", user_id=actor_id, obj=user)


def active_agents(session: Session) -> list[tuple[int, str]]:
    """(id, username) of the agents who may sign in, by username."""
    rows = session.execute(
        select(User.id, User.username)
        .where(User.role == Role.AGENT, User.active.is_(True))
        .order_by(User.username)
    )
    return [(user_id, username) for user_id, username in rows]


def list_users(session: Session) -> list[User]:
    """Every user, grouped by role."""
    return list(session.scalars(select(User).order_by(User.role, User.username)))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user whose credentials match, else ``None``.

    A hash made with older argon2 parameters is replaced on success.
    """
    user = find_user(session, username)
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        record(session, FAILED, object_type="users", username=fold(username))
        return None
    if not verify_password(user, password) or not user.active:
        record(session, FAILED, user_id=user.id, obj=user, username=fold(username))
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = datetime.now(UTC)
    record(session, "auth.login", user_id=user.id, obj=user)
    return user
