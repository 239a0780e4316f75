"""Key material and scopes: pure functions, no database.

A key reads ``qk_<prefix>_<secret>``: the prefix (8 hex characters) names the key in lists
and logs; the secret is 32 random bytes (256 bits). Only the SHA-256 of the whole key is
stored. A fast hash is enough here, unlike for passwords: a guess at a 256-bit random
secret costs the same whatever the hash, so a slow one (argon2) would only slow every API
call down without making a stolen table any easier to reverse.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

KEY_MARK = "qk"

# Scope -> what it allows, for the administrator's form and docs/api.md. Write scopes are
# listed so that keys can be made for them once their endpoints exist.
SCOPES: dict[str, object] = {
    "accounts:read": _l(
        "Read accounts: by key, VAT number or external id, and those changed since a time"
    ),
    "accounts:write": _l("Create and update accounts through the import's cleaning"),
    "campaigns:read": _l("Read campaigns and their figures"),
    "calls:read": _l("Read calls and their captured answers"),
    "distribution:read": _l("Read waves, their accounts per salesperson, export files"),
    "results:write": _l("Record what happened after the hand-off"),
}


@dataclass(frozen=True)
class NewKey:
    """A key just made: ``token`` is shown once, ``prefix`` and ``secret_hash`` are kept."""

    token: str
    prefix: str
    secret_hash: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def make_key() -> NewKey:
    prefix = secrets.token_hex(4)
    token = f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(token=token, prefix=prefix, secret_hash=hash_token(token))


def prefix_of(token: str) -> str | None:
    """The prefix of a well-formed key, else None (a malformed key is refused unread)."""
    mark, _, rest = token.partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != KEY_MARK or len(prefix) != 8 or len(secret) < 32:
        return None
    return prefix


def matches(token: str, secret_hash: str) -> bool:
    """Whether ``token`` is the key stored as ``secret_hash`` (compared in constant time)."""
    return hmac.compare_digest(hash_token(token), secret_hash)


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    return sorted(set(scopes) - set(SCOPES))


def allows(granted: Iterable[str], needed: str) -> bool:
    """Whether a key with ``granted`` scopes may use an endpoint that needs ``needed``."""
    return needed in set(granted)
