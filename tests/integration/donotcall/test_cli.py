"""``flask donotcall import|status`` and the warning in ``flask campaigns list``."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.donotcall.models import DncEntry, DncList
from tests import factories
from tests.integration.donotcall.conftest import TODAY

pytestmark = pytest.mark.usefixtures("on_a_tuesday")  # first: the clock, then the rest


def test_import_then_status(runner, session, tmp_path):
    factories.campaign(session, code="PILOT")
    path = tmp_path / "rpo.csv"
    path.write_text("+39 06 6982 1234\n0039 347 1234567\n", encoding="utf-8")
    before = runner.invoke(args=["donotcall", "status"])
    assert "never loaded" in before.output and "WARNING PILOT" in before.output
    today = TODAY.isoformat()  # the app's day
    result = runner.invoke(
        args=["donotcall", "import", str(path), "--source", "registry", "--date", today]
    )
    assert result.exit_code == 0, result.output
    assert "Loaded 2 entries" in result.output
    assert session.scalar(sa.select(sa.func.count(DncEntry.id))) == 2
    after = runner.invoke(args=["donotcall", "status"])
    assert f"Newest register extract: {today} (0 days ago)" in after.output
    assert "registry          2 entries" in after.output
    assert "WARNING" not in after.output


def test_import_refuses_a_bad_file_and_writes_nothing(runner, session, tmp_path):
    path = tmp_path / "rpo.csv"
    path.write_text("0669821234\nnumero sbagliato\n", encoding="utf-8")
    result = runner.invoke(
        args=["donotcall", "import", str(path), "--source", "registry",
              "--date", TODAY.isoformat()]
    )  # fmt: skip
    assert result.exit_code == 1 and "numero sbagliato" in result.output
    assert session.scalar(sa.select(sa.func.count(DncList.id))) == 0


def test_import_needs_a_date_not_in_the_future(runner, session, tmp_path):
    path = tmp_path / "rpo.csv"
    path.write_text("0669821234\n", encoding="utf-8")
    missing = runner.invoke(args=["donotcall", "import", str(path), "--source", "registry"])
    assert missing.exit_code != 0 and "--date" in missing.output
    future = (TODAY + timedelta(days=3)).isoformat()
    result = runner.invoke(
        args=["donotcall", "import", str(path), "--source", "registry", "--date", future]
    )
    assert result.exit_code == 1
    assert session.scalar(sa.select(sa.func.count(DncList.id))) == 0


def test_campaigns_list_prints_the_warning(runner, session):
    factories.campaign(session, code="OLDCHECK")
    session.add(DncList(source="registry", list_date=TODAY - timedelta(days=30)))
    session.flush()
    result = runner.invoke(args=["campaigns", "list"])
    assert "WARNING OLDCHECK" in result.output and "30" in result.output
