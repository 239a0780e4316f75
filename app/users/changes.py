"""Changes to existing users: their profile and team, deactivation, passwords an
administrator resets or the user changes, and unlocking a throttled sign-in. Each
change is audited; none may leave the application without an active administrator."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.security import Role
from app.territory.models import Zone
from app.users.models import KEEPS_SESSION, Team, User
from app.users.passwords import temporary_password
from app.users.rules import (
    UserError,
    checked_contact,
    checked_full_name,
    checked_password,
    checked_role,
)
from app.users.services import hash_password, verify_password
from app.users.throttle import RESET, UNLOCK, fold


def update_user(
    session: Session,
    user: User,
    *,
    full_name: str,
    email: str | None,
    locale: str | None,
    role: Role | str,
    zone: Zone | None,
    team: Team | None,
    actor_id: int | None = None,
) -> list[str]:
    """Change what the user's page edits, all or nothing; the names of what changed
    (audited together as ``user.update``, with the values before and after)."""
    full_name = checked_full_name(full_name)
    email, locale = checked_contact(email, locale)
    role = checked_role(role, zone, team, current_team_id=user.team_id)
    if user.role == Role.ADMIN and role != Role.ADMIN and user.active:
        keep_an_administrator(session, user, field="role")
    zone_before = session.get(Zone, user.zone_id) if user.zone_id else None
    before = _profile(user.full_name, user.email, user.locale, user.role, zone_before, user.team)
    after = _profile(full_name, email, locale, role, zone, team)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if not changes:
        return []
    user.full_name, user.email, user.locale, user.role = full_name, email, locale, role
    user.zone_id = zone.id if zone is not None else None
    user.team = team
    session.flush()
    record(session, "user.update", user_id=actor_id, obj=user, changes=changes)
    return list(changes)


def _profile(*values: Any) -> dict[str, Any]:
    """What ``update_user`` changes, as plain values for the audit log."""
    names = ("full_name", "email", "locale", "role", "zone", "team")
    plain = [v.value if isinstance(v, Role) else _code(v) if isinstance(v, Zone | Team) else v
             for v in values]  # fmt: skip
    return dict(zip(names, plain, strict=True))


def _code(found: Any) -> str | None:
    return None if found is None else found.code


def set_team(
    session: Session, user: User, team: Team | None, *, actor_id: int | None = None
) -> None:
    """Put an agent or supervisor in ``team`` (``None``: no team): they then work, or
    watch, only the campaigns open to it."""
    checked_role(user.role, None, team, current_team_id=user.team_id)
    before = _code(user.team)
    user.team = team
    session.flush()
    record(session, "user.set_team", user_id=actor_id, obj=user, team=_code(team),
           previous_team=before)  # fmt: skip


def keep_an_administrator(session: Session, user: User, field: str | None = None) -> None:
    """Refuse a change that would leave no active administrator: ``user`` is one and is
    about to stop being one. The other administrators' rows are locked, so two of them
    demoting each other at once cannot both pass (PostgreSQL; SQLite writes one at a
    time)."""
    others = session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        .with_for_update()
    ).all()
    if not others:
        raise UserError(
            _l(
                "At least one active administrator must remain: make another user "
                "administrator first."
            ),
            field,
        )


def set_active(session: Session, user: User, active: bool, *, actor_id: int | None = None) -> None:
    """Deactivate a user (they can no longer sign in, and their open sessions end at
    once: ``load_user`` refuses an inactive user on every request) or reactivate them."""
    if user.active == active:
        return
    if not active and user.role == Role.ADMIN:
        keep_an_administrator(session, user)
    user.active = active
    session.flush()
    action = "user.reactivate" if active else "user.deactivate"
    record(session, action, user_id=actor_id, obj=user)


def reset_password(session: Session, user: User, *, actor_id: int | None = None) -> str:
    """Give the user a new temporary password (returned, to be shown once), which they
    must change at their next sign-in. Their failed sign-ins are forgiven with it
    (``throttle.RESET``): someone who forgot their password has usually been locked out
    trying."""
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    session.flush()
    record(session, RESET, user_id=actor_id, obj=user, username=fold(user.username))
    return password


def unlock(session: Session, user: User, *, actor_id: int | None = None) -> None:
    """Let a user throttled after failed sign-ins try again at once: the throttle counts
    only the failures after the last unlock of their username (``throttle.UNLOCK``)."""
    record(session, UNLOCK, user_id=actor_id, obj=user, username=fold(user.username))


def change_own_password(session: Session, user: User, current: str, new: str, confirm: str) -> None:
    """The user chooses their own password (after a temporary one, or whenever they
    like): the current one is asked again, and the new one must differ from it."""
    if not verify_password(user, current):
        raise UserError(_l("This is not your current password: type it again."), "current")
    checked_password(new, "new")
    if new == current:
        raise UserError(_l("The new password must differ from the current one."), "new")
    if new != confirm:
        raise UserError(_l("The two new passwords do not match: type the same one twice."),
                        "confirm")  # fmt: skip
    user.password_hash = hash_password(new)
    user.must_change_password = False
    # Their other sessions end; this one goes on (re-issued), and so does their working day.
    keeping = session.info.setdefault(KEEPS_SESSION, set())
    keeping.add(user.id)
    try:
        session.flush()
    finally:
        keeping.discard(user.id)
    record(session, "user.change_password", user_id=user.id, obj=user)


def set_floor_alert_mail(session: Session, user: User, wanted: bool) -> None:
    """A supervisor's choice to receive the floor's alerts by e-mail (app/floor/alert_mail);
    only supervisors watch the floor for a team."""
    if user.role != Role.SUPERVISOR:
        raise ValueError("only supervisors receive the floor's alerts by e-mail")
    if user.mail_floor_alerts != wanted:
        user.mail_floor_alerts = wanted
        record(session, "user.mail_preferences", user_id=user.id, obj=user, floor_alerts=wanted)
    session.flush()
