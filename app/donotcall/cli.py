"""``flask donotcall ...``: load a do-not-call list and see where the list stands."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.donotcall import interval
from app.donotcall.models import DncSource
from app.donotcall.services import DncError, load_list
from app.extensions import db
from app.spreadsheets.reading import Limits

donotcall_cli = AppGroup("donotcall", help="The do-not-call list: load extracts, see its status.")


@donotcall_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    type=click.Choice([DncSource.REGISTRY.value, DncSource.INTERNAL.value]),
    required=True,
    help="registry: an extract of the opposition register; internal: our own opt-outs.",
)
@click.option(
    "--date",
    "list_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="The list's date, YYYY-MM-DD (for an extract, the register's answer date).",
)
def import_command(path: Path, source: str, list_date: datetime) -> None:
    """Load PATH (CSV, TXT, XLSX or ODS) as one list, in one transaction: a file with any
    unreadable line is refused whole, and the lines are listed."""
    try:
        loaded = load_list(
            db.session,
            path,
            filename=path.name,
            source=source,
            list_date=list_date.date(),
            today=interval.local_today(),
            max_bytes=current_app.config["IMPORT_MAX_BYTES"],
            limits=Limits.from_config(current_app.config),
        )
        db.session.commit()
    except DncError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Loaded {loaded.entries} entries from {path.name} ({source}, {list_date.date()}); "
        f"left out {loaded.free} not opposed and {loaded.duplicates} repeated; "
        f"{loaded.applied.flagged} account(s) newly marked do-not-call, "
        f"{loaded.applied.withdrawn} queue entry(ies) withdrawn."
    )


@donotcall_cli.command("status")
def status_command() -> None:
    """The newest register extract's date, the legal interval, entries by source and the
    campaigns that warn."""
    today = interval.local_today()
    check = interval.register_check(db.session, today)
    if check.list_date is None:
        click.echo("Newest register extract: never loaded.")
    else:
        click.echo(f"Newest register extract: {check.list_date} ({check.age_days} days ago).")
    click.echo(f"Legal interval: {check.max_age} days.")
    for source, count in interval.entries_by_source(db.session).items():
        click.echo(f"  {source.value:<9} {count:>9} entries")
    warnings = interval.campaign_warnings(db.session, today)
    if check.warning() and not warnings:
        click.echo(f"WARNING: {check.warning()}")
    for campaign, warning in warnings:
        click.echo(f"WARNING {campaign.code}: {warning}")
