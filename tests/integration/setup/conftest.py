"""The campaigns pages: the shipped script loaded, a staff member signed in."""

from __future__ import annotations

import re

import pytest

from app.scripting.services import load_script
from config import ROOT
from tests import factories
from tests.conftest import csrf_token

SCRIPT = ROOT / "call_scripts" / "fleet_qualification.toml"


@pytest.fixture
def script(session):
    return load_script(session, SCRIPT)


@pytest.fixture
def staff(client, auth, users):
    auth.login("staff")
    return users["staff"]


@pytest.fixture
def campaign(session, script):
    """A draft on the shipped script, with default settings and outcomes."""
    return factories.campaign(session, code="PILOT", name="Pilota", status="draft",
                              call_script_id=script.id)  # fmt: skip


def post(client, url: str, data: dict, **kw):
    """A form post with the page's CSRF token."""
    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **data}, **kw)


def text(response) -> str:
    return response.get_data(as_text=True)


def errors_beside(page: str, field_id: str) -> str:
    """The error list the page shows beside a field (empty when none)."""
    name = re.escape(field_id)
    found = re.search(rf'<ul class="errors" id="{name}-errors">(.*?)</ul>', page, re.S) or (
        re.search(rf'<li id="{name}-errors">(.*?)</li>', page, re.S))  # an outcome's  # fmt: skip
    return found.group(1) if found else ""


def value_of(page: str, field_id: str) -> str | None:
    """The value an input of the page holds."""
    found = re.search(rf'<input [^>]*id="{re.escape(field_id)}"[^>]*>', page)
    assert found, f"no input {field_id}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else None
