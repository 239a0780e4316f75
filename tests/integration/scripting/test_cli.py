"""``flask scripts check / load / list``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.scripting.models import CallScript

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = str(ROOT / "call_scripts" / "fleet_qualification.toml")
FIXTURES = ROOT / "tests" / "unit" / "scripting" / "fixtures"


def versions(session) -> int:
    return session.scalar(select(func.count()).select_from(CallScript))


def test_check_a_good_script(runner):
    result = runner.invoke(args=["scripts", "check", SHIPPED])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1
    assert "OK, script 'fleet_qualification': 6 sections, 25 questions, 9 outcomes" in (
        result.output
    )


def test_check_lists_every_problem_and_fails(runner):
    result = runner.invoke(args=["scripts", "check", str(FIXTURES / "broken_rules.toml")])
    assert result.exit_code == 1
    assert "19 problem(s)" in result.stderr
    assert "line 20, column 3: sections[1].questions[2].type: unknown type 'nmber'" in (
        result.stderr
    )
    assert "line 36, column 13: sections[2].show_if.question: 'horizon' comes later" in (
        result.stderr
    )
    lines = [int(line.split()[1].rstrip(",")) for line in result.stderr.splitlines()[1:]]
    assert lines == sorted(lines)  # in the order of the file
    result = runner.invoke(args=["scripts", "check", str(FIXTURES / "broken_syntax.toml")])
    assert result.exit_code == 1
    assert "line 4, column 19: TOML syntax error" in result.stderr


def test_load_stores_a_version_once(runner, session):
    before = versions(session)
    result = runner.invoke(args=["scripts", "load", SHIPPED])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "fleet_qualification version 1 loaded"
    result = runner.invoke(args=["scripts", "load", SHIPPED])
    assert result.output.strip() == ("fleet_qualification version 1 (unchanged, no new version)")
    assert versions(session) == before + 1


def test_load_refuses_a_broken_script(runner, session):
    before = versions(session)
    result = runner.invoke(args=["scripts", "load", str(FIXTURES / "broken_rules.toml")])
    assert result.exit_code == 1
    assert "unknown type 'nmber'" in result.stderr
    assert versions(session) == before


def test_list_shows_versions_newest_first(runner, tmp_path):
    assert "No call scripts loaded yet" in runner.invoke(args=["scripts", "list"]).output
    edited = tmp_path / "edited.toml"
    edited.write_text(
        Path(SHIPPED).read_text(encoding="utf-8").replace("Qualificazione", "Qualifica"),
        encoding="utf-8",
    )
    runner.invoke(args=["scripts", "load", SHIPPED])
    runner.invoke(args=["scripts", "load", str(edited)])
    lines = runner.invoke(args=["scripts", "list"]).output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("* fleet_qualification") and " v2 " in lines[0]
    assert lines[0].endswith("Qualifica parco veicoli")
    assert lines[1].startswith("  fleet_qualification") and " v1 " in lines[1]
