"""The password rules, and the temporary passwords an administrator hands out."""

from __future__ import annotations

import secrets

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # what the sign-in form accepts
# Lower-case letters and digits without the ones people confuse when they read a
# password aloud or copy it from a screen (0/o, 1/l).
TEMPORARY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
TEMPORARY_GROUPS = 3
GROUP_LENGTH = 4


def password_problem(password: str) -> LazyString | None:
    """Why ``password`` cannot be used (translated when shown); None when it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("The password must have at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("The password may have at most %(num)d characters.", num=MAX_PASSWORD_LENGTH)
    return None


def temporary_password() -> str:
    """A random password such as ``k7qm-x3ta-p9fe`` (about 60 bits), to be changed at the
    next sign-in."""
    return "-".join(
        "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(GROUP_LENGTH))
        for _ in range(TEMPORARY_GROUPS)
    )
