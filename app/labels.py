"""Interface names for enum values, translated by Flask-Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.models import Horizon, PhoneKind, TonnageClass
from app.accounts.status import AccountStatus
from app.campaigns.models import CampaignStatus
from app.users.models import Role

TONNAGE_LABELS = {
    TonnageClass.LIGHT: _l("up to 3.5 t"),
    TonnageClass.MEDIUM: _l("3.5 to 7.5 t"),
    TonnageClass.HEAVY: _l("7.5 to 16 t"),
    TonnageClass.EXTRA_HEAVY: _l("over 16 t"),
}

PHONE_KIND_LABELS = {
    PhoneKind.FIXED: _l("landline"),
    PhoneKind.MOBILE: _l("mobile"),
    PhoneKind.OTHER: _l("phone"),
    PhoneKind.INVALID: _l("not valid"),
}

HORIZON_LABELS = {
    Horizon.M3: _l("within 3 months"),
    Horizon.M6: _l("within 6 months"),
    Horizon.M12: _l("within 12 months"),
    Horizon.NONE: _l("no purchase planned"),
}

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


def tonnage_label(value: TonnageClass | str) -> str:
    return str(TONNAGE_LABELS[TonnageClass(value)])


def phone_kind_label(value: PhoneKind | str) -> str:
    return str(PHONE_KIND_LABELS[PhoneKind(value)])


def horizon_label(value: Horizon | str) -> str:
    return str(HORIZON_LABELS[Horizon(value)])
