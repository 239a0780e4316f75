"""Interface names of the campaign statuses, translated by Flask-Babel."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from app.campaigns.models import CampaignStatus

CAMPAIGN_STATUS_LABELS = {
    CampaignStatus.DRAFT: _l("Draft"),
    CampaignStatus.ACTIVE: _l("In progress"),
    CampaignStatus.PAUSED: _l("Paused"),
    CampaignStatus.CLOSED: _l("Closed"),
}


def campaign_status_label(status: CampaignStatus | str) -> str:
    return str(CAMPAIGN_STATUS_LABELS[CampaignStatus(status)])


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {"campaign_status_label": campaign_status_label}
