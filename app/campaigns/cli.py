"""``flask campaigns ...``: set up and feed campaigns from the shell."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from app.accounts.models import TonnageClass
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.practice import COPY_MAX, copy_for_practice
from app.campaigns.queueing import SELECTABLE, enqueue_segment, segment_from_options
from app.campaigns.services import (
    CampaignError,
    create_campaign,
    find_campaign,
    set_status,
    update_settings,
    use_script,
)
from app.campaigns.summaries import campaign_summaries
from app.campaigns.teams import set_teams
from app.donotcall.interval import campaign_warnings, local_today
from app.extensions import db
from app.scripting.models import CallScript
from app.users.rules import UserError
from app.users.teams import find_team


class _Command(click.Command):
    """A usage mistake (missing option, not a number) exits 1 with one line, like every
    other bad input, instead of click's usage text and status 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise click.ClickException(
                f"{exc.format_message()} See '{ctx.command_path} --help'."
            ) from exc


class _Group(AppGroup):
    command_class = _Command


campaigns_cli = _Group("campaigns", help="Create, configure, feed and list campaigns.")

# Option, campaign setting, type, metavar, help: the options ``create`` and ``set`` share.
SETTING_OPTIONS: tuple[tuple[str, str, Any, str, str], ...] = (
    ("--max-attempts", "max_attempts", click.INT, "N", "Calls per account, 1-20."),
    (
        "--retry-no-answer",
        "retry_no_answer_minutes",
        click.INT,
        "MIN",
        "Wait to retry after no answer, 1-10080.",
    ),
    ("--retry-busy", "retry_busy_minutes", click.INT, "MIN", "Wait to retry a busy line, 1-10080."),
    ("--lease", "lease_minutes", click.INT, "MIN", "How long an agent holds an account, 1-60."),
    (
        "--callback-grace",
        "callback_grace_minutes",
        click.INT,
        "MIN",
        "How long a callback waits for its agent, 0-1440.",
    ),
    ("--target", "target_redemption", str, "RATIO", "Target redemption, 0-1 (0.6 = 60%)."),
    ("--calling-hours", "calling_hours", str, "JSON|@FILE", "Weekly hours; null = default."),
    ("--outcomes", "outcomes", str, "JSON|@FILE", "Outcome set; null = default."),
)
JSON_SETTINGS = frozenset({"calling_hours", "outcomes"})


def _setting_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option, name, kind, metavar, help_text in reversed(SETTING_OPTIONS):
        command = click.option(option, name, type=kind, metavar=metavar, help=help_text)(command)
    return click.option(
        "--practice/--live",
        "practice",
        default=None,
        help="A practice campaign (practice accounts, any hour, counts nowhere); default live.",
    )(command)


def _json(option: str, value: str) -> Any:
    """Parse inline JSON or, for ``@path``, the file's contents."""
    text = value
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise click.ClickException(f"{option}: cannot read {path}: {reason}.") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"{option}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from exc


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    """The settings given on the command line, JSON ones parsed."""
    settings = {}
    for option, name, *_rest in SETTING_OPTIONS:  # in a stable order
        value = options.get(name)
        if value is not None:
            settings[name] = _json(option, value) if name in JSON_SETTINGS else value
    if options.get("practice") is not None:
        settings["practice"] = options["practice"]
    return settings


@contextmanager
def _unit_of_work() -> Iterator[None]:
    """Commit what the block did, or roll it all back and fail with the service's message
    (in English, like the rest of these commands' output; the pages speak the user's
    language)."""
    with force_locale("en"):
        try:
            yield
            db.session.commit()
        except CampaignError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc


def _campaign(code: str) -> Campaign:
    campaign = find_campaign(db.session, code)
    if campaign is None:
        raise CampaignError(f"No campaign with code {code!r}: see 'flask campaigns list'.")
    return campaign


@campaigns_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--script", "script_name", required=True, help="Call script name (latest version).")
@_setting_options
def create(code: str, name: str, script_name: str, **options: Any) -> None:
    """Create draft campaign CODE called NAME on the latest version of a call script.

    \b
    Example: flask campaigns create PILOT16 "Mezzi pesanti" --script fleet_qualification
    """
    settings = _settings(options)
    with _unit_of_work():
        campaign = create_campaign(
            db.session, code=code, name=name, script_name=script_name, **settings
        )
    script = db.session.get_one(CallScript, campaign.call_script_id)
    kind = "practice campaign" if campaign.practice else "campaign"
    click.echo(
        f"Created {kind} {campaign.code} (draft) with script {script.name} v{script.version}."
    )


@campaigns_cli.command("set")
@click.argument("code")
@click.option("--script", "script_name", help="Switch to the latest version of this script.")
@_setting_options
def set_command(code: str, script_name: str | None, **options: Any) -> None:
    """Change the settings of campaign CODE; options not given keep their value."""
    settings = _settings(options)
    if not settings and script_name is None:
        raise click.ClickException("Nothing to change: give at least one option.")
    with _unit_of_work():
        campaign = _campaign(code)
        changed = []
        if script_name is not None:
            before = campaign.call_script_id
            script = use_script(db.session, campaign, script_name)
            if script.id != before:
                changed.append(f"script ({script.name} v{script.version})")
        if settings:
            changed += list(update_settings(db.session, campaign, **settings))
    if changed:
        click.echo(f"Campaign {campaign.code}: changed {', '.join(changed)}.")
    else:
        click.echo(f"Campaign {campaign.code}: nothing changed (the values were already set).")


def _move(code: str, status: CampaignStatus) -> None:
    with _unit_of_work():
        campaign = _campaign(code)
        set_status(db.session, campaign, status)
    click.echo(f"Campaign {campaign.code} is now {status.value}.")


@campaigns_cli.command("activate")
@click.argument("code")
def activate(code: str) -> None:
    """Start (or resume) serving campaign CODE's queue to agents."""
    _move(code, CampaignStatus.ACTIVE)


@campaigns_cli.command("pause")
@click.argument("code")
def pause(code: str) -> None:
    """Stop serving campaign CODE's queue for now; 'activate' resumes it."""
    _move(code, CampaignStatus.PAUSED)


@campaigns_cli.command("close")
@click.argument("code")
def close(code: str) -> None:
    """Close campaign CODE for good: it is no longer served nor changed."""
    _move(code, CampaignStatus.CLOSED)


@campaigns_cli.command("set-teams")
@click.argument("code")
@click.argument("team_codes", nargs=-1)
def set_teams_command(code: str, team_codes: tuple[str, ...]) -> None:
    """List the teams allowed to work campaign CODE; with no TEAM, every agent again.

    \b
    Example: flask campaigns set-teams PILOT16 CC-MILANO CC-TORINO
    """
    with force_locale("en"), _unit_of_work():  # the shell speaks English
        campaign = _campaign(code)
        try:
            team_ids = [find_team(db.session, team).id for team in team_codes]
        except UserError as exc:
            raise CampaignError(str(exc)) from exc
        teams = set_teams(db.session, campaign, team_ids)
    if teams:
        click.echo(f"Campaign {campaign.code} is open to team(s) "
                   f"{', '.join(t.code for t in teams)}.")  # fmt: skip
    else:
        click.echo(f"Campaign {campaign.code} is open to every agent.")


@campaigns_cli.command("enqueue")
@click.argument("code")
@click.option(
    "--status",
    default="ready",
    show_default=True,
    type=click.Choice([s.value for s in SELECTABLE]),
    help="Account status to select.",
)
@click.option("--province", "provinces", multiple=True, help="Province code (repeatable), e.g. MI.")
@click.option("--tonnage", type=click.Choice([t.value for t in TonnageClass]))
@click.option("--zone", "zone_code", help="Zone code, e.g. NORD.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many accounts.")
@click.option("--priority", type=click.INT, default=0, show_default=True, help="Higher first.")
@click.option(
    "--include-qualified-elsewhere",
    is_flag=True,
    help="Also queue accounts an earlier action already qualified (left out by default).",
)
def enqueue(
    code: str,
    status: str,
    provinces: tuple[str, ...],
    tonnage: str | None,
    zone_code: str | None,
    limit: int | None,
    priority: int,
    include_qualified_elsewhere: bool,
) -> None:
    """Queue the accounts matching every filter in campaign CODE (oldest accounts first).

    Accounts on the do-not-call list are never queued; accounts already in the campaign
    are skipped. A practice campaign takes practice accounts, a live one real accounts.
    Accounts an earlier action qualified (an imported result) are left out unless asked."""
    with _unit_of_work():
        campaign = _campaign(code)
        segment = segment_from_options(
            db.session,
            status=status,
            provinces=provinces,
            tonnage=tonnage,
            zone_code=zone_code,
            practice=campaign.practice,  # a practice campaign takes practice accounts
            include_qualified_elsewhere=include_qualified_elsewhere,
        )
        result = enqueue_segment(db.session, campaign, segment, limit=limit, priority=priority)
    click.echo(
        f"Queued {result.queued} account(s) in {campaign.code}; skipped {result.skipped} "
        f"already in this campaign; left out {result.do_not_call} on the do-not-call list."
    )


@campaigns_cli.command("copy-for-practice")
@click.option(
    "--status",
    default="ready",
    show_default=True,
    type=click.Choice([s.value for s in SELECTABLE]),
    help="Status of the real accounts to copy.",
)
@click.option("--province", "provinces", multiple=True, help="Province code (repeatable), e.g. MI.")
@click.option("--tonnage", type=click.Choice([t.value for t in TonnageClass]))
@click.option("--zone", "zone_code", help="Zone code, e.g. NORD.")
@click.option("--limit", type=click.IntRange(1, COPY_MAX), required=True, help="How many to make.")
def copy_practice(
    status: str,
    provinces: tuple[str, ...],
    tonnage: str | None,
    zone_code: str | None,
    limit: int,
) -> None:
    """Make practice accounts from real ones matching every filter (oldest first).

    Each copy keeps the tonnage class, the fleet, the province, zone and dealer; its name,
    address, VAT number, phone numbers and e-mail are invented, and nothing links it to
    the original. Queue them in a practice campaign with 'flask campaigns enqueue CODE'."""
    with _unit_of_work():
        segment = segment_from_options(
            db.session, status=status, provinces=provinces, tonnage=tonnage, zone_code=zone_code
        )
        made = copy_for_practice(db.session, segment, limit=limit, user_id=None)
    click.echo(
        f"Made {len(made)} practice account(s) with invented names, addresses, VAT and "
        "phone numbers; queue them with 'flask campaigns enqueue CODE' (a practice campaign)."
    )


@campaigns_cli.command("list")
def list_command() -> None:
    """List campaigns: code, status, script version, accounts in queue, name."""
    rows = campaign_summaries(db.session)
    if not rows:
        click.echo("No campaigns yet: create one with 'flask campaigns create'.")
    for row in rows:
        script = f"{row.script_name} v{row.script_version}" if row.script_name else "(no script)"
        practice = " [PRACTICE]" if row.campaign.practice else ""
        click.echo(
            f"{row.campaign.code:<16} {row.campaign.status.value:<7} {script:<28} "
            f"{row.in_queue:>7} in queue  {row.campaign.name}{practice}"
        )
    # The do-not-call check each open campaign falls short of (docs/do-not-call.md).
    for campaign, warning in campaign_warnings(db.session, local_today()):
        click.echo(f"WARNING {campaign.code}: {warning}")
