"""An API key per test, and the headers that present it."""

from __future__ import annotations

import pytest

from app.api.keys import SCOPES
from app.api.services import create_key

READ_SCOPES = ("accounts:read", "campaigns:read", "calls:read", "distribution:read")


class Keys:
    def __init__(self, session, admin) -> None:
        self.session, self.admin = session, admin

    def make(self, *scopes: str, name: str = "Test integration"):
        key, token = create_key(self.session, name=name, scopes=scopes or READ_SCOPES,
                                actor_id=self.admin.id)  # fmt: skip
        self.session.flush()
        return key, token


@pytest.fixture
def keys(session, users) -> Keys:
    return Keys(session, users["admin"])


@pytest.fixture
def bearer(keys) -> dict[str, str]:
    """The headers of a key with every read scope."""
    _key, token = keys.make(*READ_SCOPES)
    return {"Authorization": f"Bearer {token}"}


assert set(READ_SCOPES) <= set(SCOPES)
