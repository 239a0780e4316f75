"""Stable unique account keys: short, unambiguous when read over the phone."""

from __future__ import annotations

import random
import secrets

# Crockford's base32: no I, L, O, U, so a key dictated aloud is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
KEY_LENGTH = 10


def new_account_key(rng: random.Random | None = None) -> str:
    """A key like ``Q7K2M9XW4DA``; ``rng`` makes it reproducible (demo, tests)."""
    choose = rng.choice if rng is not None else secrets.choice
    return "Q" + "".join(choose(ALPHABET) for _ in range(KEY_LENGTH))
