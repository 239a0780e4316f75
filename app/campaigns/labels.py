"""Interface names of the campaign statuses and of the weekdays of calling hours, and
when calls reopen, translated by Flask-Babel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.campaigns.calendar import ROME
from app.campaigns.models import CampaignStatus

CAMPAIGN_STATUS_LABELS = {
    CampaignStatus.DRAFT: _l("Draft"),
    CampaignStatus.ACTIVE: _l("In progress"),
    CampaignStatus.PAUSED: _l("Paused"),
    CampaignStatus.CLOSED: _l("Closed"),
}


def campaign_status_label(status: CampaignStatus | str) -> str:
    return str(CAMPAIGN_STATUS_LABELS[CampaignStatus(status)])


def reopens_label(reopens_at: datetime) -> str:
    """ "Outside calling hours: calls reopen on Monday 7 December at 09:00", the day and
    time in Europe/Rome (calling hours are Rome's, whatever the user's zone)."""
    local = reopens_at.astimezone(ROME)
    return _(
        "Outside calling hours: calls reopen on %(day)s at %(time)s.",
        day=format_date(local, "EEEE d MMMM", rebase=False),
        time=format_time(local, "HH:mm", rebase=False),
    )


WEEKDAY_LABELS = {
    "mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
    "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday"),
}  # fmt: skip


def weekday_label(day: str) -> str:
    """The name of a weekday key of the calling hours ("mon": "lunedì")."""
    return str(WEEKDAY_LABELS[day])


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {
    "campaign_status_label": campaign_status_label,
    "reopens_label": reopens_label,
    "weekday_label": weekday_label,
}
