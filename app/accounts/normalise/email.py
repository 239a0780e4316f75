"""E-mail addresses: the one check imports and the agent's desk both apply."""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
EMAIL_LIMIT = 254  # the longest address SMTP carries, and the columns' length


def is_email(text: str) -> bool:
    """Whether ``text`` looks like ``name@company.it`` (a domain ending in letters)."""
    return len(text) <= EMAIL_LIMIT and EMAIL.match(text) is not None
