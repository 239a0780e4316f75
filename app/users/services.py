"""Users: creation, password hashing (argon2) and authentication."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.security import Role
from app.territory.models import Zone
from app.users.models import Team, User
from app.users.passwords import temporary_password
from app.users.rules import (
    UserError,
    checked_contact,
    checked_full_name,
    checked_password,
    checked_role,
    checked_username,
)
from app.users.throttle import FAILED, fold

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

# A hash to verify against when the username does not exist, so that a wrong username
# costs as much time as a wrong password and does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("qualifica-timing-equaliser")


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
    team: Team | None = None,
    must_change_password: bool = False,
    actor_id: int | None = None,
) -> User:
    """Create a user after checking every value (``app.users.rules``); a staff member
    created with a ``zone`` sees only that zone's accounts, an agent or supervisor of a
    ``team`` only the campaigns open to it (docs/access.md)."""
    username = checked_username(username)
    full_name = checked_full_name(full_name or username)
    email, locale = checked_contact(email, locale)
    role = checked_role(role, zone, team)
    checked_password(password)
    if find_user(session, username) is not None:
        raise UserError(
            _l("User %(name)s already exists: choose another username.", name=username),
            "username",
        )
    user = User(username=username, full_name=full_name, email=email, role=role, locale=locale,
                password_hash=hash_password(password), must_change_password=must_change_password,
                zone_id=zone.id if zone is not None else None,
                team_id=team.id if team is not None else None)  # fmt: skip
    session.add(user)
    session.flush()
    record(
        session,
        "user.create",
        user_id=actor_id,
        obj=user,
        role=role.value,
        zone=zone.code if zone is not None else None,
        team=team.code if team is not None else None,
        temporary_password=must_change_password,
    )
    return user


def create_with_temporary_password(
    session: Session, *, actor_id: int | None = None, **fields: Any
) -> tuple[User, str]:
    """Create a user (``create_user``'s values) with a temporary password, which they must
    change at their first sign-in; the password is returned to be shown once."""
    password = temporary_password()
    user = create_user(
        session, password=password, must_change_password=True, actor_id=actor_id, **fields
    )
    return user, password


def find_zone(session: Session, code: str) -> Zone:
    """The zone with this code (any case), or a ``UserError`` listing the known codes."""
    zone = session.scalar(select(Zone).where(func.upper(Zone.code) == code.strip().upper()))
    if zone is None:
        known = ", ".join(session.scalars(select(Zone.code).order_by(Zone.code))) or "-"
        raise UserError(
            _l("Unknown zone '%(code)s': known zones are %(known)s.", code=code, known=known),
            "zone_id",
        )
    return zone


def zone_codes(session: Session) -> dict[int, str]:
    """Zone id -> code, to show which zone a staff member is confined to."""
    return {zone_id: code for zone_id, code in session.execute(select(Zone.id, Zone.code))}


def zone_choices(session: Session) -> list[tuple[int, str]]:
    """(id, "CODE · name") of every zone, by code, for a form's list."""
    rows = session.execute(select(Zone.id, Zone.code, Zone.name).order_by(Zone.code))
    return [(zone_id, f"{code} · {name}") for zone_id, code, name in rows]


def set_zone(
    session: Session, user: User, zone: Zone | None, *, actor_id: int | None = None
) -> None:
    """Confine a staff member to one zone's accounts, waves and exports (``None``: every
    zone). Only staff are confined: an administrator or supervisor with a zone would
    still see everything, so it is refused rather than left misleading."""
    if zone is not None and user.role != Role.STAFF:
        raise UserError(
            _l("Only staff can have a zone; %(name)s is %(role)s.", name=user.username,
               role=user.role.value),
            "zone_id",
        )  # fmt: skip
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
    session: Session,
    user: User,
    password: str,
    *,
    actor_id: int | None = None,
    must_change: bool = False,
) -> None:
    """Set ``password``; with ``must_change`` it is temporary: the user must choose their
    own at the next sign-in."""
    user.password_hash = hash_password(checked_password(password))
    user.must_change_password = must_change
    session.flush()
    record(session, "user.set_password", user_id=actor_id, obj=user, temporary=must_change)


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
