"""``flask privacy ...``: data-subject requests and retention from the shell (audited,
with no user: ``via`` says "shell")."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from redis import Redis

from app.accounts.models import Contact
from app.columns import utcnow
from app.extensions import WRITE_LOCK, db
from app.privacy.documents import render_pdf, to_json
from app.privacy.jobs import build_scheduler
from app.privacy.retention import run_retention
from app.privacy.services import (
    PrivacyError,
    account_by_key,
    anonymise_account,
    erase_contact,
    export_subject,
)

privacy_cli = AppGroup("privacy", help="Data-subject requests and the retention of personal data.")


def _account(key: str):
    try:
        return account_by_key(db.session, key)
    except PrivacyError as exc:
        raise click.ClickException(str(exc)) from exc


@privacy_cli.command("export")
@click.argument("key")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--locale", default="it", type=click.Choice(["it", "en"]), help="The PDF's language.")
def export_command(key: str, json_path: Path | None, pdf_path: Path | None, locale: str) -> None:
    """Write everything held about the account KEY as JSON and/or PDF."""
    if json_path is None and pdf_path is None:
        raise click.UsageError("Give --json FILE, --pdf FILE or both.")
    account = _account(key)
    forms = "+".join(name for name, path in (("json", json_path), ("pdf", pdf_path)) if path)
    report = export_subject(db.session, account, by=None, via="shell", form=forms)
    if json_path:
        json_path.write_bytes(to_json(report))
    if pdf_path:
        pdf_path.write_bytes(render_pdf(report, locale=locale))
    db.session.commit()
    click.echo(f"Exported {account.key}: {', '.join(str(p) for p in (json_path, pdf_path) if p)}")


@privacy_cli.command("anonymise")
@click.argument("key")
@click.option("--reason", required=True, help="Why (the request's reference and date).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def anonymise_command(key: str, reason: str, yes: bool) -> None:
    """Remove the personal data of the account KEY (and of accounts merged into it),
    keeping its statistics. Cannot be undone."""
    account = _account(key)
    if not yes:
        click.confirm(
            f"Anonymise {account.key} ({account.company_name})? This cannot be undone", abort=True
        )
    try:
        removed = anonymise_account(db.session, account, by=None, reason=reason, via="shell")
    except PrivacyError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    if not removed.anything:
        click.echo(f"{account.key} was already anonymised: nothing left to remove.")
        return
    counts = ", ".join(f"{name} {n}" for name, n in sorted(removed.counts.items()))
    fields = ", ".join(sorted(set(removed.fields))) or "-"
    click.echo(f"Anonymised {account.key}: fields {fields}; rows {counts or '-'}.")


@privacy_cli.command("erase-contact")
@click.argument("contact_id", type=int)
@click.option("--reason", required=True, help="Why (the request's reference and date).")
def erase_contact_command(contact_id: int, reason: str) -> None:
    """Erase one contact person (by id, as `flask privacy export` shows it)."""
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise click.ClickException(f"No contact person has the id {contact_id}.")
    try:
        done = erase_contact(db.session, contact, by=None, reason=reason, via="shell")
    except PrivacyError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Erased contact {contact_id}; {done['rows_scrubbed']} call row(s) scrubbed.")


@privacy_cli.command("retention")
@click.option("--dry-run", is_flag=True, help="Only count the accounts past retention.")
def retention_command(dry_run: bool) -> None:
    """Anonymise the accounts never qualified and inactive for RETENTION_MONTHS, in
    committed batches (what the scheduled job does; for a cron entry or systemd timer)."""
    months = current_app.config["RETENTION_MONTHS"]
    if not months:
        click.echo("Retention is off (QUALIFICA_RETENTION_MONTHS is 0 or empty): nothing to do.")
        return

    def commit() -> None:
        db.session.commit()
        db.session.connection(execution_options=WRITE_LOCK)

    db.session.connection(execution_options=WRITE_LOCK)
    result = run_retention(
        db.session, months=months, now=utcnow(), commit=commit, dry_run=dry_run, via="shell"
    )
    db.session.commit()
    if dry_run:
        click.echo(
            f"{result['due']} account(s) past retention (before {result['cutoff']}); none changed."
        )
    else:
        click.echo(
            f"Anonymised {result['anonymised']} account(s) inactive since before "
            f"{result['cutoff']}; {result['skipped']} held by an agent, left for the next run; "
            f"{result['rejections_blanked']} rejected import row(s) blanked."
        )


@privacy_cli.command("cron")
def cron_command() -> None:
    """Run RQ's cron scheduler that starts the retention job at RETENTION_CRON (needs
    REDIS_URL and a `flask jobs worker`). Run one, as a service."""
    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set: schedule `flask privacy retention` with cron or a systemd "
            "timer instead (docs/privacy.md)."
        )
    if not current_app.config["RETENTION_MONTHS"]:
        raise click.ClickException("Retention is off (QUALIFICA_RETENTION_MONTHS is 0 or empty).")
    build_scheduler(current_app, Redis.from_url(url)).start()
