"""Interface names for enum values, translated by Flask-Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.status import AccountStatus
from app.campaigns.models import CampaignStatus
from app.users.models import Role

ROLE_LABELS = {
    Role.AGENT: _l("Agent"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.STAFF: _l("Staff"),
    Role.ADMIN: _l("Administrator"),
}

STATUS_LABELS = {
    AccountStatus.NEW: _l("New"),
    AccountStatus.TO_REVIEW: _l("To review"),
    AccountStatus.READY: _l("Ready"),
    AccountStatus.QUEUED: _l("Queued"),
    AccountStatus.IN_CALL: _l("In a call"),
    AccountStatus.CALLBACK: _l("Callback"),
    AccountStatus.QUALIFIED: _l("Qualified"),
    AccountStatus.NOT_INTERESTED: _l("Not interested"),
    AccountStatus.UNREACHABLE: _l("Unreachable"),
    AccountStatus.INVALID: _l("Invalid"),
    AccountStatus.DO_NOT_CALL: _l("Do not call"),
    AccountStatus.DISTRIBUTED: _l("Distributed"),
    AccountStatus.MERGED: _l("Merged"),
}


CAMPAIGN_STATUS_LABELS = {
    CampaignStatus.DRAFT: _l("Draft"),
    CampaignStatus.ACTIVE: _l("In progress"),
    CampaignStatus.PAUSED: _l("Paused"),
    CampaignStatus.CLOSED: _l("Closed"),
}


def campaign_status_label(status: CampaignStatus | str) -> str:
    return str(CAMPAIGN_STATUS_LABELS[CampaignStatus(status)])


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role)])


def status_label(status: AccountStatus | str) -> str:
    return str(STATUS_LABELS[AccountStatus(status)])
