"""``flask users ...``: manage users from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.security import Role
from app.users.services import (
    UserError,
    create_user,
    find_user,
    find_zone,
    list_users,
    set_password,
    set_zone,
    zone_codes,
)

users_cli = AppGroup("users", help="Create and list users.")


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), required=True, help="The user's role."
)
@click.option("--name", "full_name", help="Full name shown in the interface.")
@click.option("--email")
@click.option("--locale", type=click.Choice(["it", "en"]), help="Interface language.")
@click.option("--zone", "zone_code", help="Staff only: confine the user to this zone (its code).")
@click.password_option(help="Prompted (twice) when not given.")
def create(username, role, full_name, email, locale, zone_code, password):
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
            zone=find_zone(db.session, zone_code) if zone_code else None,
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


@users_cli.command("set-zone")
@click.argument("username")
@click.argument("zone_code", required=False)
@click.option("--none", "clear", is_flag=True, help="Remove the zone: every zone again.")
def zone_command(username, zone_code, clear):
    """Confine staff member USERNAME to zone ZONE_CODE (or every zone with ``--none``)."""
    if bool(zone_code) == clear:
        raise click.UsageError("Give a zone code, or --none to remove the zone.")
    user = find_user(db.session, username)
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    try:
        zone = find_zone(db.session, zone_code) if zone_code else None
        set_zone(db.session, user, zone)
        db.session.commit()
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    where = f"zone {zone.code}" if zone is not None else "every zone"
    click.echo(f"{user.username} now sees {where}.")


@users_cli.command("list")
def list_command():
    """List users with their role (and zone, for zoned staff)."""
    zones = zone_codes(db.session)
    for user in list_users(db.session):
        state = "" if user.active else "  (disabled)"
        zone = f"  [zone {zones[user.zone_id]}]" if user.zone_id in zones else ""
        click.echo(f"{user.role.value:<11} {user.username:<24} {user.full_name}{zone}{state}")
