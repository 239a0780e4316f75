"""Activate, pause or close a campaign with its checks written out first.

``plan_change`` lists what the change would meet: hard checks (no call script: it cannot
be activated), soft warnings the user confirms having read (an empty queue, an old
do-not-call check, no agent to work it, outcomes the desk would not show, callbacks a
closing drops) and plain information. ``change_status`` checks them again and makes the
change through ``app.campaigns.services.set_status``, the one path the shell and the
board take too.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.campaigns.calendar import is_callable, next_callable
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.campaigns.outcomes import rules_from_config
from app.campaigns.services import STATUS_FLOW, CampaignError, set_status
from app.campaigns.teams import workable_agents
from app.donotcall.interval import campaign_check_warning, register_check
from app.scripting.models import CallScript
from app.setup.campaign_overview import script_outcomes

# The page's words for each change and the status it leads to.
ACTIONS: dict[str, CampaignStatus] = {
    "activate": CampaignStatus.ACTIVE,
    "pause": CampaignStatus.PAUSED,
    "close": CampaignStatus.CLOSED,
}


class Level(enum.StrEnum):
    OK = "ok"  # checked, nothing to say against it
    INFO = "info"  # what the change will do
    WARNING = "warning"  # allowed, once the user confirms having read it
    BLOCKING = "blocking"  # refused until it is put right


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    message: str


@dataclass(frozen=True)
class StatusChange:
    """A change of status and what it meets, before it happens."""

    campaign: Campaign
    action: str
    target: CampaignStatus
    checks: list[Check]

    @property
    def blocked(self) -> bool:
        return any(c.level == Level.BLOCKING for c in self.checks)

    @property
    def warnings(self) -> list[str]:
        """The names of the warnings the user must confirm."""
        return [c.name for c in self.checks if c.level == Level.WARNING]


class ChecksChanged(CampaignError):
    """A warning appeared after the page was shown: the user has not confirmed it."""


@dataclass(frozen=True)
class _Queue:
    waiting: int
    callbacks: int  # of the waiting ones
    leased: int


def _queue(session: Session, campaign: Campaign) -> _Queue:
    e = QueueEntry
    waiting = e.state == QueueState.WAITING
    row = session.execute(
        sa.select(
            sa.func.count().filter(waiting),
            sa.func.count().filter(waiting, e.is_callback.is_(True)),
            sa.func.count().filter(e.state == QueueState.LEASED),
        ).where(e.campaign_id == campaign.id)
    ).one()
    return _Queue(*(int(n or 0) for n in row))


def agents_who_can_work(session: Session, campaign: Campaign) -> int:
    """How many active agents could be served the campaign's accounts: all of them when it
    lists no team, else those of its active teams (``campaigns.teams.workable_agents``)."""
    return len(workable_agents(session, campaign))


def plan_change(
    session: Session, campaign: Campaign, action: str, *, today: date, now: datetime
) -> StatusChange:
    """What ``action`` ("activate", "pause", "close") would meet, checked now."""
    target = ACTIONS[action]
    checks = [_flow(campaign, target)]
    queue = _queue(session, campaign)
    if target == CampaignStatus.ACTIVE:
        checks += _activation(session, campaign, queue, today, now)
    elif target == CampaignStatus.PAUSED:
        checks.append(_calls_go_on(queue, _("No more accounts are handed out until it resumes.")))
    else:
        checks += _closing(queue)
    return StatusChange(campaign, action, target, [c for c in checks if c is not None])


def change_status(
    session: Session,
    campaign: Campaign,
    action: str,
    *,
    confirmed: Collection[str],
    today: date,
    now: datetime,
    user_id: int | None,
) -> StatusChange:
    """Check again and make the change; ``confirmed``: the warnings the user has read.
    Raises ``CampaignError`` when a hard check fails, ``ChecksChanged`` for a warning the
    user has not seen."""
    change = plan_change(session, campaign, action, today=today, now=now)
    blocking = [c for c in change.checks if c.level == Level.BLOCKING]
    if blocking:
        raise CampaignError(blocking[0].message)
    if set(change.warnings) - set(confirmed):
        raise ChecksChanged(
            _("The checks changed since the page was shown: read them again and confirm.")
        )
    set_status(session, campaign, change.target, user_id=user_id)
    return change


def _flow(campaign: Campaign, target: CampaignStatus) -> Check | None:
    if target in STATUS_FLOW[campaign.status]:
        return None
    return Check(
        "status",
        Level.BLOCKING,
        _(
            "The campaign is %(current)s: it cannot become %(status)s.",
            current=campaign.status.value,
            status=target.value,
        ),
    )


def _activation(
    session: Session, campaign: Campaign, queue: _Queue, today: date, now: datetime
) -> list[Check | None]:
    return [
        _script(session, campaign),
        _outcomes(session, campaign),
        _queue_check(queue),
        _do_not_call(session, campaign, today),
        _agents(session, campaign),
        _hours(campaign, now),
    ]


def _script(session: Session, campaign: Campaign) -> Check:
    if campaign.call_script_id is None:
        return Check(
            "script",
            Level.BLOCKING,
            _("No call script version is set: choose one on the campaign's form first."),
        )
    script = session.get_one(CallScript, campaign.call_script_id)
    return Check(
        "script",
        Level.OK,
        _("Call script: %(name)s v%(version)s.", name=script.name, version=script.version),
    )


def _outcomes(session: Session, campaign: Campaign) -> Check | None:
    """The desk shows the set's outcomes that the script lists: say which it would not."""
    if campaign.call_script_id is None:
        return None
    allowed = script_outcomes(session, campaign)
    rules = rules_from_config(campaign.outcomes)
    hidden = [code for code in rules if code not in allowed]
    if not any(rule.qualified for code, rule in rules.items() if code in allowed):
        return Check(
            "outcomes",
            Level.WARNING,
            _(
                "The script lists none of the set's qualifying outcomes: agents could not "
                "qualify anyone. Choose another script version or change the outcomes."
            ),
        )
    if hidden:
        return Check(
            "outcomes",
            Level.WARNING,
            _(
                "The script does not list these outcomes, so the desk will not show them: "
                "%(codes)s.",
                codes=", ".join(hidden),
            ),
        )
    return Check(
        "outcomes", Level.OK, _("The desk shows all %(n)s outcomes of the set.", n=len(rules))
    )


def _queue_check(queue: _Queue) -> Check:
    if queue.waiting + queue.leased == 0:
        return Check(
            "queue",
            Level.WARNING,
            _("The queue is empty: agents would get nothing. Put a segment in it first."),
        )
    waiting = queue.waiting + queue.leased
    return Check(
        "queue",
        Level.OK,
        ngettext(
            "%(num)s account waits in the queue.", "%(num)s accounts wait in the queue.", waiting
        ),
    )


def _do_not_call(session: Session, campaign: Campaign, today: date) -> Check:
    if campaign.practice:
        return Check(
            "donotcall",
            Level.OK,
            _("A practice campaign phones nobody: no check of the register is needed."),
        )
    warning = campaign_check_warning(session, campaign, today)
    if warning:
        return Check("donotcall", Level.WARNING, warning)
    check = register_check(session, today)
    return Check(
        "donotcall",
        Level.OK,
        _(
            "The opposition register was checked on %(date)s (%(days)s days ago).",
            date=check.list_date.isoformat() if check.list_date else "-",
            days=check.age_days,
        ),
    )


def _agents(session: Session, campaign: Campaign) -> Check:
    agents = agents_who_can_work(session, campaign)
    if agents == 0:
        return Check(
            "agents",
            Level.WARNING,
            _(
                "No active agent can work it: an administrator must create or reactivate "
                "agents, or put them in one of the teams it is open to, first."
            ),
        )
    return Check(
        "agents",
        Level.OK,
        ngettext("%(num)s active agent can work it.", "%(num)s active agents can work it.", agents),
    )


def _hours(campaign: Campaign, now: datetime) -> Check:
    if is_callable(now, campaign.serving_hours):
        return Check("hours", Level.INFO, _("Within calling hours now: calls can start at once."))
    opening = next_callable(now, campaign.serving_hours)
    return Check(
        "hours",
        Level.INFO,
        _(
            "Outside calling hours now: the desk serves its accounts from %(when)s.",
            when=format_datetime(opening, "short"),
        ),
    )


def _calls_go_on(queue: _Queue, then: str) -> Check:
    if queue.leased:
        return Check(
            "calls",
            Level.INFO,
            _("%(n)s calls in progress end normally.", n=queue.leased) + " " + then,
        )
    return Check("calls", Level.INFO, then)


def _closing(queue: _Queue) -> list[Check | None]:
    checks: list[Check | None] = [
        _calls_go_on(
            queue,
            _("Closing is for good: a closed campaign can no longer be changed, fed or resumed."),
        )
    ]
    if queue.waiting:
        checks.append(
            Check(
                "withdrawn",
                Level.INFO,
                _(
                    "%(n)s waiting accounts leave the queue and become ready for another campaign.",
                    n=queue.waiting,
                ),
            )
        )
    if queue.callbacks:
        checks.append(
            Check(
                "callbacks",
                Level.WARNING,
                _("%(n)s callbacks promised to customers will not be made.", n=queue.callbacks),
            )
        )
    return checks
