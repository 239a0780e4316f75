"""Interface names of the roles, translated by Flask-Babel."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from app.security import Role

ROLE_LABELS = {
    Role.AGENT: _l("Agent"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.STAFF: _l("Staff"),
    Role.ADMIN: _l("Administrator"),
}


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role)])


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {"role_label": role_label}
