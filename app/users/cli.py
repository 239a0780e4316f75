"""``flask users ...`` and ``flask teams ...``: manage users and teams from the shell, with
the same services (and so the same rules and audit entries) as the administrator's pages.
Messages are in English, like the rest of the shell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from app.extensions import db
from app.security import Role
from app.users.changes import reset_password, set_active, set_team, unlock
from app.users.models import User
from app.users.passwords import temporary_password
from app.users.rules import UserError
from app.users.services import (
    create_user,
    find_user,
    find_zone,
    list_users,
    set_password,
    set_zone,
    zone_codes,
)
from app.users.teams import (
    create_team,
    find_team,
    list_teams,
    rename_team,
    set_team_active,
    team_codes,
)

users_cli = AppGroup("users", help="Create, change and list users.")
teams_cli = AppGroup("teams", help="Create, rename, deactivate and list teams.")


@contextmanager
def _unit_of_work() -> Iterator[None]:
    """Commit what the block did, or roll it all back and fail with the service's
    message (in English)."""
    try:
        yield
        db.session.commit()
    except UserError as exc:
        db.session.rollback()
        with force_locale("en"):
            raise click.ClickException(str(exc)) from exc


def _user(username: str) -> User:
    user = find_user(db.session, username)
    if user is None:
        raise click.ClickException(f"No user {username!r}: see 'flask users list'.")
    return user


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), required=True, help="The user's role."
)
@click.option("--name", "full_name", help="Full name shown in the interface.")
@click.option("--email")
@click.option("--locale", type=click.Choice(["it", "en"]), help="Interface language.")
@click.option("--zone", "zone_code", help="Staff only: confine the user to this zone (its code).")
@click.option("--team", "team_code", help="Agents and supervisors: the team (its code).")
@click.option("--password", help="Prompted (twice) when not given.")
@click.option(
    "--temporary-password",
    "temporary",
    is_flag=True,
    help="Make a temporary password, print it; the user must change it at the first sign-in.",
)
def create(username, role, full_name, email, locale, zone_code, team_code, password, temporary):
    """Create a user, e.g. ``flask users create mrossi --role agent --team CC-MILANO``."""
    if temporary and password:
        raise click.UsageError("Give --password or --temporary-password, not both.")
    if temporary:
        password = temporary_password()
    elif not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _unit_of_work():
        user = create_user(
            db.session, username=username, password=password, role=role, full_name=full_name,
            email=email, locale=locale, must_change_password=temporary,
            zone=find_zone(db.session, zone_code) if zone_code else None,
            team=find_team(db.session, team_code) if team_code else None,
        )  # fmt: skip
    click.echo(f"Created {user.username} ({user.role.value}).")
    if temporary:
        click.echo(f"Temporary password (to change at the first sign-in): {password}")


@users_cli.command("set-password")
@click.argument("username")
@click.password_option()
def change_password(username, password):
    """Set a new password for USERNAME (no change asked at the next sign-in)."""
    user = _user(username)
    with _unit_of_work():
        set_password(db.session, user, password)
    click.echo(f"Password changed for {user.username}.")


@users_cli.command("reset-password")
@click.argument("username")
def reset_command(username):
    """Give USERNAME a new temporary password (printed), to change at the next sign-in."""
    user = _user(username)
    with _unit_of_work():
        password = reset_password(db.session, user)
    click.echo(f"Temporary password for {user.username} (to change at the next sign-in): "
               f"{password}")  # fmt: skip


def _code_or_none(code: str | None, clear: bool, what: str) -> None:
    if bool(code) == clear:
        raise click.UsageError(f"Give a {what} code, or --none to remove the {what}.")


@users_cli.command("set-zone")
@click.argument("username")
@click.argument("zone_code", required=False)
@click.option("--none", "clear", is_flag=True, help="Remove the zone: every zone again.")
def zone_command(username, zone_code, clear):
    """Confine staff member USERNAME to zone ZONE_CODE (or every zone with ``--none``)."""
    _code_or_none(zone_code, clear, "zone")
    user = _user(username)
    with _unit_of_work():
        zone = find_zone(db.session, zone_code) if zone_code else None
        set_zone(db.session, user, zone)
    where = f"zone {zone.code}" if zone is not None else "every zone"
    click.echo(f"{user.username} now sees {where}.")


@users_cli.command("set-team")
@click.argument("username")
@click.argument("team_code", required=False)
@click.option("--none", "clear", is_flag=True, help="Take the user out of their team.")
def team_command(username, team_code, clear):
    """Put agent or supervisor USERNAME in team TEAM_CODE (or in none with ``--none``)."""
    _code_or_none(team_code, clear, "team")
    user = _user(username)
    with _unit_of_work():
        team = find_team(db.session, team_code) if team_code else None
        set_team(db.session, user, team)
    where = f"team {team.code}" if team is not None else "no team"
    click.echo(f"{user.username} is now in {where}.")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate(username):
    """Deactivate USERNAME: no more sign-ins, and their open sessions end at once."""
    user = _user(username)
    with _unit_of_work():
        set_active(db.session, user, False)
    click.echo(f"{user.username} is deactivated.")


@users_cli.command("reactivate")
@click.argument("username")
def reactivate(username):
    """Let USERNAME sign in again."""
    user = _user(username)
    with _unit_of_work():
        set_active(db.session, user, True)
    click.echo(f"{user.username} is active again.")


@users_cli.command("unlock")
@click.argument("username")
def unlock_command(username):
    """Let USERNAME, locked out after failed sign-ins, try again at once."""
    user = _user(username)
    with _unit_of_work():
        unlock(db.session, user)
    click.echo(f"{user.username} may sign in again now.")


@users_cli.command("list")
def list_command():
    """List users with their role (and zone for zoned staff, team for agents and
    supervisors)."""
    zones, teams = zone_codes(db.session), team_codes(db.session)
    for user in list_users(db.session):
        state = "" if user.active else "  (disabled)"
        zone = f"  [zone {zones[user.zone_id]}]" if user.zone_id in zones else ""
        team = f"  [team {teams[user.team_id]}]" if user.team_id in teams else ""
        click.echo(f"{user.role.value:<11} {user.username:<24} {user.full_name}{zone}{team}{state}")


# -- teams -----------------------------------------------------------------------------


@teams_cli.command("create")
@click.argument("code")
@click.argument("name")
def create_team_command(code, name):
    """Create team CODE called NAME, e.g. ``flask teams create CC-MILANO "Call center"``."""
    with _unit_of_work():
        team = create_team(db.session, code=code, name=name)
    click.echo(f"Created team {team.code} ({team.name}).")


@teams_cli.command("rename")
@click.argument("code")
@click.argument("name")
def rename_command(code, name):
    """Give team CODE a new NAME (the code stays)."""
    with _unit_of_work():
        team = find_team(db.session, code)
        rename_team(db.session, team, name)
    click.echo(f"Team {team.code} is now called {team.name}.")


def _team_active(code: str, active: bool) -> None:
    with _unit_of_work():
        team = find_team(db.session, code)
        set_team_active(db.session, team, active)
    click.echo(f"Team {team.code} is {'active' if active else 'deactivated'}.")


@teams_cli.command("deactivate")
@click.argument("code")
def deactivate_team(code):
    """Deactivate team CODE: no new members; its people work only the open campaigns."""
    _team_active(code, False)


@teams_cli.command("reactivate")
@click.argument("code")
def reactivate_team(code):
    """Reactivate team CODE."""
    _team_active(code, True)


@teams_cli.command("list")
def list_teams_command():
    """List teams: code, active members, state, name."""
    rows = list_teams(db.session)
    if not rows:
        click.echo("No teams yet: create one with 'flask teams create'.")
    for row in rows:
        state = "active" if row.team.active else "deactivated"
        click.echo(f"{row.team.code:<16} {row.members:>5} member(s)  {state:<11} {row.team.name}")
