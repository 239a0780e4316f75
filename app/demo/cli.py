"""``flask demo seed``: the demo base, with its sign-in credentials printed."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.demo.services import DEMO_SEED, PRACTICE_CAMPAIGN, seed_demo
from app.extensions import db

demo_cli = AppGroup("demo", help="Demonstration data.")


@demo_cli.command("seed")
@click.option(
    "--accounts", type=click.IntRange(1, 200_000), help="How many accounts (default 2,000)."
)
@click.option("--seed", type=int, default=DEMO_SEED, show_default=True, help="Random seed.")
def seed(accounts: int | None, seed: int) -> None:
    """Create the demo zones, dealers, salespeople, users and accounts (idempotent)."""
    count = accounts or current_app.config["DEMO_ACCOUNTS"]
    try:
        report = seed_demo(db.session, accounts=count, seed=seed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    made = ", ".join(f"{n} {what}" for what, n in sorted(report.created.items()) if n)
    click.echo(f"Demo data: {made or 'already complete, nothing added'}.")
    click.echo("Demo sign-in (username / password):")
    for role, username, password in report.credentials:
        click.echo(f"  {role:<11} {username:<12} {password}")
    click.echo(
        f"Try the desk at any hour, on any day: sign in as agente1 and take an account of "
        f"the practice campaign {PRACTICE_CAMPAIGN} (invented companies; nobody is phoned)."
    )
