"""``flask users ...``: manage users from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.users.models import Role
from app.users.services import UserError, create_user, find_user, list_users, set_password

users_cli = AppGroup("users", help="Create and list users.")


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), required=True, help="The user's role."
)
@click.option("--name", "full_name", help="Full name shown in the interface.")
@click.option("--email")
@click.option("--locale", type=click.Choice(["it", "en"]), help="Interface language.")
@click.password_option(help="Prompted (twice) when not given.")
def create(username, role, full_name, email, locale, password):
    """Create a user, e.g. ``flask users create mrossi --role agent``."""
    try:
        user = create_user(
            db.session,
            username=username,
            password=password,
            role=role,
            full_name=full_name,
            email=email,
            locale=locale,
        )
        db.session.commit()
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.username} ({user.role.value}).")


@users_cli.command("set-password")
@click.argument("username")
@click.password_option()
def change_password(username, password):
    """Set a new password for USERNAME."""
    user = find_user(db.session, username)
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    try:
        set_password(db.session, user, password)
        db.session.commit()
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Password changed for {user.username}.")


@users_cli.command("list")
def list_command():
    """List users with their role."""
    for user in list_users(db.session):
        state = "" if user.active else "  (disabled)"
        click.echo(f"{user.role.value:<11} {user.username:<24} {user.full_name}{state}")
