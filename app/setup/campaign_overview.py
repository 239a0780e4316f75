"""What the campaigns pages show: each campaign with its script version, queue, redemption
against target and do-not-call check, read with the board's own counts and formulas
(``board.tally_reads``, ``board.metrics``) and the do-not-call list's own rule
(``donotcall.interval``), so the two pages never disagree. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.board import tally_reads
from app.board.metrics import Counts, Figures, figures
from app.campaigns.calendar import (
    WEEKDAYS,
    CallingHours,
    format_time,
    is_callable,
    next_callable,
    parse_calling_hours,
)
from app.campaigns.models import Campaign
from app.campaigns.outcomes import OutcomeRule, rules_from_config
from app.campaigns.summaries import CampaignSummary, campaign_summaries
from app.desk.queue import QueueDepth, queue_depth
from app.donotcall.interval import RegisterCheck, campaign_check_warning, register_check
from app.scripting.models import CallScript
from app.scripting.services import list_versions, script_of
from app.users.models import Team


@dataclass(frozen=True)
class CampaignRow:
    """One campaign on the campaigns page."""

    summary: CampaignSummary  # the campaign, its script version, entries still to call
    counts: Counts  # the board's counts of the campaign
    dnc_warning: str | None  # why its do-not-call check falls short, if it does

    @property
    def campaign(self) -> Campaign:
        return self.summary.campaign

    @property
    def figures(self) -> Figures:
        return figures(self.counts)

    @property
    def below_target(self) -> bool:
        """Measured redemption under the campaign's target (False before any is measured)."""
        redemption = self.figures.redemption
        return redemption is not None and redemption < self.campaign.target_redemption


def campaign_rows(
    session: Session, today: date, visible: set[int] | None = None
) -> tuple[list[CampaignRow], RegisterCheck]:
    """Every campaign by code (only the ``visible`` ids when given), and the newest check of
    the opposition register (every campaign is checked against it: its date is each
    campaign's last check)."""
    check = register_check(session, today)
    counts = dict(tally_reads.campaign_totals(session))
    rows = [
        CampaignRow(
            summary,
            counts.get(summary.campaign.id, Counts()),
            campaign_check_warning(session, summary.campaign, today, check=check),
        )
        for summary in campaign_summaries(session)
        if visible is None or summary.campaign.id in visible
    ]
    return rows, check


@dataclass(frozen=True)
class CampaignDetail:
    """One campaign's page: its row, its queue now, its outcomes and calling hours."""

    row: CampaignRow
    register: RegisterCheck
    depth: QueueDepth
    rules: list[OutcomeRule]
    script_outcomes: frozenset[str]  # the codes its script lets agents use
    hours: CallingHours
    callable_now: bool
    next_opening: datetime | None  # when calls may start, outside calling hours

    @property
    def week(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Each weekday's windows, as ("09:00", "13:00")."""
        return [
            (day, [(format_time(start), format_time(end)) for start, end in windows])
            for day, windows in zip(WEEKDAYS, self.hours.week, strict=True)
        ]

    @property
    def hidden_outcomes(self) -> list[str]:
        """Outcomes of the set that the script does not list: the desk does not show them."""
        if not self.row.summary.script_name:
            return []
        return [rule.code for rule in self.rules if rule.code not in self.script_outcomes]


def campaign_detail(
    session: Session, campaign: Campaign, today: date, now: datetime
) -> CampaignDetail:
    check = register_check(session, today)
    summary = next(s for s in campaign_summaries(session) if s.campaign.id == campaign.id)
    counts = dict(tally_reads.campaign_totals(session)).get(campaign.id, Counts())
    warning = campaign_check_warning(session, campaign, today, check=check)
    row = CampaignRow(summary, counts, warning)
    hours = parse_calling_hours(campaign.calling_hours)
    callable_now = is_callable(now, campaign.serving_hours)  # a practice campaign: always
    return CampaignDetail(
        row=row,
        register=check,
        depth=queue_depth(session, campaign, now),
        rules=list(rules_from_config(campaign.outcomes).values()),
        script_outcomes=script_outcomes(session, campaign),
        hours=hours,
        callable_now=callable_now,
        next_opening=None if callable_now else next_callable(now, hours),
    )


def script_outcomes(session: Session, campaign: Campaign) -> frozenset[str]:
    """The outcome codes the campaign's script lets agents use (none without a script)."""
    if campaign.call_script_id is None:
        return frozenset()
    return frozenset(script_of(session.get_one(CallScript, campaign.call_script_id)).outcomes)


def script_choices(session: Session) -> list[tuple[CallScript, bool]]:
    """The loaded script versions, by name then newest first, flagged when latest."""
    return list_versions(session)


def team_choices(session: Session, campaign: Campaign | None) -> list[Team]:
    """The teams a campaign may be opened to: the active ones, and those it lists already
    (a team deactivated since stays ticked until someone unticks it), by code."""
    listed = {team.id for team in campaign.teams} if campaign else set()
    teams = session.scalars(sa.select(Team).order_by(Team.code))
    return [team for team in teams if team.active or team.id in listed]
