"""The signature a receiver checks: Stripe's shape, HMAC-SHA256 over the time and the body.

``Qualifica-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``. The
time is signed with the body, so a captured request cannot be replayed after the
receiver's window (``TOLERANCE_SECONDS``); docs/webhooks.md shows the check in Python.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Qualifica-Signature"
EVENT_HEADER = "Qualifica-Event"
DELIVERY_HEADER = "Qualifica-Delivery"
EVENT_ID_HEADER = "Qualifica-Event-Id"
# What docs/webhooks.md advises receivers to accept between our clock and theirs.
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A signing secret: 32 random bytes, with a prefix that says what it is."""
    return "whsec_" + secrets.token_hex(32)


def digest(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={digest(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, *, now: float, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` within ``tolerance`` of ``now``:
    what a receiver does, here for the tests and the documentation's example."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(digest(secret, timestamp, body), parts.get("v1", ""))
