"""A small sales network with qualified accounts waiting for salespeople."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.jobs import runner as job_runner
from app.security import Role
from app.territory.models import Salesperson, TerritoryRule
from app.users.models import User
from tests import factories


@dataclass
class Network:
    milano: list[Salesperson]  # dealer D-MI's pool (province MI)
    torino: Salesperson  # named by the rule for postcodes 101xx
    agent: User
    campaign: object

    def qualified(self, session, **kw):
        return factories.qualified(session, self.campaign, self.agent, **kw)


@pytest.fixture
def network(session) -> Network:
    zone = factories.zone(session)
    mi = factories.dealer(session, zone, "D-MI")
    to = factories.dealer(session, zone, "D-TO")
    milano = [factories.salesperson(session, mi, f"MI-V0{n}") for n in (1, 2)]
    torino = factories.salesperson(session, to, "TO-V01")
    session.add_all(
        [
            TerritoryRule(province="MI", zone=zone, dealer=mi),
            TerritoryRule(
                province="TO", postcode_prefix="101", zone=zone, dealer=to, salesperson=torino
            ),
        ]
    )
    session.flush()
    agent = factories.user(session, Role.AGENT, full_name="Giulia Agente")
    return Network(milano, torino, agent, factories.campaign(session, code="CAMP1"))


def _poppler(name: str) -> str | None:
    """Poppler's tool ``name``; CI installs poppler-utils, so there it must be found."""
    tool = shutil.which(name)
    if tool is None and os.environ.get("CI"):
        pytest.fail(f"{name} is missing: .ci/run installs poppler-utils")
    return tool


@pytest.fixture
def pdf_text() -> Callable[..., str]:
    """``pdf_text(path, page=None)``: the text of a PDF (or of one page), by poppler's
    pdftotext as a person's viewer would read it; where poppler is not installed (a
    developer's machine), by pypdf, so the test still runs."""
    tool = _poppler("pdftotext")

    def read(path: Path, page: int | None = None) -> str:
        if tool is None:
            pages = PdfReader(path).pages
            chosen = [pages[page - 1]] if page else pages
            return "\n".join(p.extract_text() for p in chosen)
        pages = ["-f", str(page), "-l", str(page)] if page else []
        command = [tool, "-layout", *pages, str(path), "-"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603

    return read


@pytest.fixture
def page_count() -> Callable[[Path], int]:
    """``page_count(path)``: by poppler's pdfinfo, or pypdf where poppler is missing."""
    tool = _poppler("pdfinfo")

    def count(path: Path) -> int:
        if tool is None:
            return len(PdfReader(path).pages)
        info = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)  # noqa: S603
        return int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M)[1])

    return count


@pytest.fixture
def exports(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    return tmp_path / "exports"


def run_jobs(app, session) -> None:
    """Run the dispatched jobs in order, as a worker would, until none is left."""
    done: set[str] = set()
    while pending := [j for j in session.info["dispatched_jobs"] if j not in done]:
        for job_id in pending:
            done.add(job_id)
            with app.app_context():
                try:
                    job_runner.perform(job_id)
                finally:
                    db.session.remove()
