"""``flask accounts import FILE``: the browser's import, from the shell."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db
from app.imports.models import SourceKind
from app.imports.services import MappingError, import_now
from app.spreadsheets.reading import FileRefused

accounts_cli = AppGroup("accounts", help="Account base: import files.")
KINDS = [kind.value for kind in SourceKind if kind != SourceKind.DEMO]


class _Bar:
    """A one-line progress report on stderr, at most a few times a second."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        now = time.monotonic()
        if now - self.last < 0.3 and message != "done":
            return
        self.last = now
        share = f" {100 * done // total:3d}%" if total else ""
        click.echo(f"\r{message or ''}: {done:,} rows{share}   ", nl=False, err=True)
        if message == "done":
            click.echo("", err=True)


@accounts_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    "source",
    type=click.Choice(KINDS),
    default="customer_base",
    show_default=True,
    help="What kind of file this is (its saved mapping is used).",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, path_type=Path),
    help='A JSON file {"file header": "field"}; default: the suggested mapping.',
)
@click.option("--dry-run", is_flag=True, help="Show the report, then write nothing.")
def import_file(path: Path, source: str, mapping_file: Path | None, dry_run: bool) -> None:
    """Import PATH (CSV, XLSX or ODS) into the account base, in one transaction."""
    mapping = None
    if mapping_file is not None:
        try:
            mapping = json.loads(mapping_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"{mapping_file}: not a JSON mapping ({exc})") from exc
    try:
        batch, report = import_now(
            db.session, path, SourceKind(source), mapping=mapping, progress=_Bar()
        )
    except (FileRefused, MappingError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for name, value in report.as_dict().items():
        if isinstance(value, dict):
            for reason, count in sorted(value.items()):
                click.echo(f"  {name}.{reason}: {count}")
        else:
            click.echo(f"{name}: {value}")
    click.echo("dry run: nothing written" if dry_run else f"batch {batch.id} imported")
    sys.stdout.flush()
