from __future__ import annotations

from pathlib import Path

import pytest

from app.scripting.parser import parse_script
from app.scripting.schema import Script

SHIPPED = Path(__file__).resolve().parents[3] / "call_scripts" / "fleet_qualification.toml"


@pytest.fixture(scope="session")
def fleet_script() -> Script:
    return parse_script(SHIPPED.read_text(encoding="utf-8"))
