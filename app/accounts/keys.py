"""Stable unique account keys: short, unambiguous when read over the phone."""

from __future__ import annotations

import random
import secrets

# Crockford's base32: no I, L, O, U, so a key dictated aloud is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
KEY_LENGTH = 10


def new_account_key(rng: random.Random | None = None) -> str:
    """A key like ``Q7K2M9XW4DA``; ``rng`` makes it reproducible (demo, tests)."""
    if rng is not None:
        return "Q" + "".join(rng.choice(ALPHABET) for _ in range(KEY_LENGTH))
    # One draw of 50 random bits, five per character: an import makes keys by the
    # hundred thousand, and a draw per character cost a third of its writing time.
    bits = secrets.randbits(5 * KEY_LENGTH)
    return "Q" + "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(KEY_LENGTH))
