"""Do-not-call tests: a campaign with the shipped script, files written on the fly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from app.accounts.models import AccountPhone, PhoneKind
from app.accounts.normalise.municipality import bundled_index
from app.donotcall.services import load_list
from app.imports.pipeline import Reference
from app.scripting.services import load_script
from app.spreadsheets.reading import Limits
from app.territory.municipalities import (
    BUNDLED_REFERENCE_DATE,
    bundled_municipalities,
    search_key,
)
from config import ROOT
from tests import factories

SCRIPT = ROOT / "call_scripts" / "fleet_qualification.toml"
NOW = datetime(2025, 4, 22, 10, 0, tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)  # Tuesday
TODAY = date(2025, 4, 22)


@pytest.fixture
def on_a_tuesday():
    """The app's "today" (list dates, their age) is TODAY whatever day the suite runs."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


MAX_BYTES = 10 * 1024 * 1024


@pytest.fixture(scope="session")
def reference() -> Reference:
    """The bundled ISTAT list as an account import's reference (as tests/integration/imports)."""
    provinces = {search_key(r.province_name): r.province_code for r in bundled_municipalities()}
    return Reference(bundled_index(), provinces, BUNDLED_REFERENCE_DATE)


@pytest.fixture
def campaign(session):
    script = load_script(session, SCRIPT)
    return factories.campaign(session, call_script_id=script.id, code="DNC", name="Flotte")


def with_phone(session, account, raw: str, e164: str) -> AccountPhone:
    phone = AccountPhone(raw=raw, e164=e164, kind=PhoneKind.FIXED, position=len(account.phones))
    account.phones.append(phone)
    session.flush()
    return phone


def write(tmp_path: Path, text: str, name: str = "lista.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(session, path: Path, source: str = "registry", list_date: date = TODAY, **kw):
    return load_list(session, path, filename=path.name, source=source, list_date=list_date,
                     today=kw.pop("today", TODAY), max_bytes=MAX_BYTES,
                     limits=kw.pop("limits", Limits()), **kw)  # fmt: skip
