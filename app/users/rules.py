"""What a user's values must be: username, e-mail, language, and a zone or a team that
fits the role. Pure checks; each refusal names the form field it is about."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l

from app.security import Role
from app.territory.models import Zone
from app.users.models import Team
from app.users.passwords import password_problem

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
LOCALES = ("it", "en")
TEAM_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})  # who may belong to a team


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why, in the user's
    language, and ``field`` names the form field it is about (None: the whole form)."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def checked_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise UserError(
            _l(
                "Username must be 2-64 characters: lower-case letters, digits, '.', '_' or "
                "'-', starting with a letter or a digit."
            ),
            "username",
        )
    return username


def checked_password(password: str, field: str = "password") -> str:
    problem = password_problem(password)
    if problem:
        raise UserError(problem, field)
    return password


def checked_full_name(full_name: str | None) -> str:
    full_name = (full_name or "").strip()
    if not full_name or len(full_name) > 120:
        raise UserError(_l("Write the person's full name (up to 120 characters)."), "full_name")
    return full_name


def checked_contact(email: str | None, locale: str | None) -> tuple[str | None, str | None]:
    """The e-mail address (None when empty) and the interface language (None: the
    default)."""
    email = (email or "").strip() or None
    if email and (len(email) > 254 or not EMAIL_RE.fullmatch(email)):
        raise UserError(_l("Write the e-mail address as name@example.it, or leave it empty."),
                        "email")  # fmt: skip
    if locale is not None and locale not in LOCALES:
        raise UserError(_l("Choose Italian or English."), "locale")
    return email, locale


def checked_role(
    role: Role | str, zone: Zone | None, team: Team | None, current_team_id: int | None = None
) -> Role:
    """The role, once the zone and the team fit it: a zone for staff only, a team for
    agents and supervisors only, and an active team (unless the user is in it already:
    editing a member of a team deactivated since keeps them in it)."""
    try:
        role = Role(role)
    except ValueError as exc:
        raise UserError(_l("Choose one of the roles."), "role") from exc
    if zone is not None and role != Role.STAFF:
        raise UserError(_l("Only staff can have a zone: choose every zone for this role."),
                        "zone_id")  # fmt: skip
    if team is not None and role not in TEAM_ROLES:
        raise UserError(_l("Only agents and supervisors belong to a team: choose no team."),
                        "team_id")  # fmt: skip
    if team is not None and not team.active and team.id != current_team_id:
        raise UserError(_l("Team %(code)s is not active: choose another.", code=team.code),
                        "team_id")  # fmt: skip
    return role
