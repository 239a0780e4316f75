"""``flask territory ...``: reference data for places."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db
from app.territory.municipalities import (
    BUNDLED_REFERENCE_DATE,
    MunicipalityFileError,
    bundled_municipalities,
    read_istat_file,
)
from app.territory.services import SalespersonError, load_municipalities, set_salesperson_contact

territory_cli = AppGroup("territory", help="Municipalities, zones and territory rules.")


@territory_cli.command("load-municipalities")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A newer ISTAT 'Elenco comuni italiani' CSV (same format). Default: the bundled one.",
)
@click.option(
    "--date",
    "reference",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Reference date of --file (YYYY-MM-DD).",
)
def load(path: Path | None, reference) -> None:
    """Load or refresh the municipality reference table."""
    try:
        if path is None:
            rows, ref = bundled_municipalities(), BUNDLED_REFERENCE_DATE
        else:
            if reference is None:
                raise click.UsageError("--date is required with --file.")
            rows, ref = list(read_istat_file(path)), reference.date()
        counts = load_municipalities(db.session, rows, ref)
        db.session.commit()
    except MunicipalityFileError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Municipalities as of {ref:%Y-%m-%d}: {counts['municipalities_added']} added, "
        f"{counts['municipalities_updated']} updated, {counts['postcodes']} postcodes."
    )


@territory_cli.command("salesperson")
@click.argument("code")
@click.option("--email", help="Their e-mail address (empty: none, no e-mail).")
@click.option("--locale", type=click.Choice(["it", "en"]), help="The language of their e-mails.")
def salesperson_command(code: str, email: str | None, locale: str | None) -> None:
    """Set where a salesperson's pack-ready e-mails go, and in which language."""
    try:
        person = set_salesperson_contact(db.session, code, email=email, locale=locale)
        db.session.commit()
    except SalespersonError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{person.code}: {person.email or 'no e-mail'} ({person.locale})")
