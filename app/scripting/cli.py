"""``flask scripts ...``: check, load and list call scripts from the shell.

Messages are in English, like the rest of the shell (the pages speak the user's language)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from app.extensions import db
from app.scripting.locations import locate_problems
from app.scripting.parser import ScriptError, parse_script
from app.scripting.services import latest_version, list_versions, load_script

scripts_cli = AppGroup("scripts", help="Check, load and list call scripts.")

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _fail(exc: ScriptError, path: Path, text: str) -> None:
    click.echo(f"{path}: {len(exc.problems)} problem(s)", err=True)
    for problem in locate_problems(text, exc.problems):
        click.echo(f"  {problem}", err=True)
    raise click.exceptions.Exit(1)


@scripts_cli.command("check")
@click.argument("path", type=FILE)
def check(path: Path) -> None:
    """Check FILE and list every problem with its line and column; nothing is stored."""
    text = path.read_text(encoding="utf-8")
    try:
        with force_locale("en"):
            script = parse_script(text)
    except ScriptError as exc:
        _fail(exc, path, text)
        return
    questions = sum(1 for _q in script.questions())
    click.echo(
        f"{path}: OK, script '{script.name}': {len(script.sections)} sections, "
        f"{questions} questions, {len(script.outcomes)} outcomes."
    )


@scripts_cli.command("load")
@click.argument("path", type=FILE)
def load(path: Path) -> None:
    """Store FILE as a new version of its script (unchanged files add no version)."""
    text = path.read_text(encoding="utf-8")
    try:
        with force_locale("en"):
            before = latest_version(db.session, parse_script(text).name)
            stored = load_script(db.session, path)
        db.session.commit()
    except ScriptError as exc:
        db.session.rollback()
        _fail(exc, path, text)
        return
    if before is not None and before.id == stored.id:
        click.echo(f"{stored.name} version {stored.version} (unchanged, no new version)")
    else:
        click.echo(f"{stored.name} version {stored.version} loaded")


@scripts_cli.command("list")
def list_scripts() -> None:
    """List every stored version, newest first; '*' marks the latest."""
    rows = list_versions(db.session)
    if not rows:
        click.echo("No call scripts loaded yet: use 'flask scripts load FILE'.")
    for stored, latest in rows:
        mark = "*" if latest else " "
        click.echo(
            f"{mark} {stored.name:<28} v{stored.version:<4} {stored.loaded_at:%Y-%m-%d %H:%M} "
            f"{stored.sha256[:12]}  {stored.title}"
        )
