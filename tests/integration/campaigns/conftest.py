"""The shipped call script, loaded."""

from __future__ import annotations

import pytest

from app.scripting.models import CallScript
from app.scripting.services import load_script
from tests.integration.campaigns.support import SCRIPT


@pytest.fixture
def script(session) -> CallScript:
    return load_script(session, SCRIPT)
