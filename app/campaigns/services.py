"""Campaign services: create and configure campaigns, move them through their statuses.
They flush and never commit: the caller commits once. Queueing accounts is
``app.campaigns.queueing``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus, check_transition
from app.audit.services import record
from app.campaigns.calendar import CallingHoursError, parse_calling_hours
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.campaigns.outcomes import OutcomeConfigError, rules_from_config
from app.scripting.models import CallScript
from app.scripting.services import latest_version

CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
CODE_MAX = 32
NAME_MAX = 120

# Whole-number settings and their inclusive bounds.
LIMITS: dict[str, tuple[int, int]] = {
    "max_attempts": (1, 20),
    "retry_no_answer_minutes": (1, 10080),  # up to a week
    "retry_busy_minutes": (1, 10080),
    "lease_minutes": (1, 60),
    "callback_grace_minutes": (0, 1440),  # up to a day
}
SETTINGS = frozenset({*LIMITS, "target_redemption", "calling_hours", "outcomes", "practice"})

# Which status may follow which; reopening a closed campaign is not a thing.
STATUS_FLOW: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.ACTIVE, CampaignStatus.CLOSED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.PAUSED, CampaignStatus.CLOSED}),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.CLOSED}),
    CampaignStatus.CLOSED: frozenset(),
}


class CampaignError(ValueError):
    """A campaign request that cannot be done; the message says why, for the user."""


@dataclass(frozen=True)
class CampaignSummary:
    """One line of the campaign list."""

    campaign: Campaign
    script_name: str | None
    script_version: int | None
    in_queue: int  # entries still to be called (waiting or leased)


def list_campaigns(session: Session, *, only_active: bool = False) -> Sequence[Campaign]:
    query = select(Campaign).order_by(Campaign.created_at.desc())
    if only_active:
        query = query.where(Campaign.status == CampaignStatus.ACTIVE)
    return session.scalars(query).all()


def find_campaign(session: Session, code: str) -> Campaign | None:
    return session.scalars(select(Campaign).where(Campaign.code == code.strip())).first()


def campaign_summaries(session: Session) -> list[CampaignSummary]:
    """Every campaign by code, with its script version and how many entries await a call."""
    open_entries = (
        select(QueueEntry.campaign_id, func.count().label("n"))
        .where(QueueEntry.state != QueueState.DONE)
        .group_by(QueueEntry.campaign_id)
        .subquery()
    )
    rows = session.execute(
        select(Campaign, CallScript.name, CallScript.version, open_entries.c.n)
        .outerjoin(CallScript, CallScript.id == Campaign.call_script_id)
        .outerjoin(open_entries, open_entries.c.campaign_id == Campaign.id)
        .order_by(Campaign.code)
    ).all()
    return [CampaignSummary(c, name, version, n or 0) for c, name, version, n in rows]


def _script(session: Session, script_name: str) -> CallScript:
    script = latest_version(session, script_name.strip())
    if script is None:
        raise CampaignError(
            f"No call script named {script_name!r} is loaded: "
            "load it first with 'flask scripts load FILE'."
        )
    return script


def _whole_number(name: str, value: Any) -> int:
    low, high = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise CampaignError(f"{name}: {value!r} is not a whole number.")
    if not low <= value <= high:
        raise CampaignError(f"{name}: {value} is out of range, it must be {low} to {high}.")
    return value


def _target(value: Any) -> Decimal:
    try:
        target = Decimal(str(value).strip())
    except InvalidOperation:
        raise CampaignError(f"target_redemption: {value!r} is not a number.") from None
    if not target.is_finite() or not Decimal(0) <= target <= Decimal(1):
        raise CampaignError(
            f"target_redemption: {value} is out of range, it must be 0 to 1 (0.6 = 60%)."
        )
    if target != target.quantize(Decimal("0.001")):
        raise CampaignError(f"target_redemption: {value} has more than 3 decimal places.")
    return target.quantize(Decimal("0.001"))


def _calling_hours(value: Any) -> dict[str, Any] | None:
    try:
        parse_calling_hours(value)
    except CallingHoursError as exc:
        raise CampaignError(f"calling hours: {exc}.") from None
    return None if value is None else dict(value)


def _outcomes(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise CampaignError("outcomes: expected a list of objects, one per outcome.")
    if not value:
        raise CampaignError("outcomes: the list is empty; leave it unset for the default set.")
    try:
        rules_from_config(value)
    except OutcomeConfigError as exc:
        raise CampaignError(f"{exc}.") from None
    return [dict(item) for item in value]


def validate_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Check campaign settings and return them cleaned; raise ``CampaignError`` on the first
    bad one. ``None`` for calling hours or outcomes means the default."""
    unknown = sorted(set(settings) - SETTINGS)
    if unknown:
        raise CampaignError(f"Unknown setting(s): {', '.join(unknown)}.")
    cleaned: dict[str, Any] = {}
    for name, value in settings.items():
        if name in LIMITS:
            cleaned[name] = _whole_number(name, value)
        elif name == "target_redemption":
            cleaned[name] = _target(value)
        elif name == "calling_hours":
            cleaned[name] = _calling_hours(value)
        elif name == "practice":
            if not isinstance(value, bool):
                raise CampaignError(f"practice: {value!r} is not true or false.")
            cleaned[name] = value
        else:
            cleaned[name] = _outcomes(value)
    return cleaned


def _for_audit(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings as JSON values (the target is a Decimal)."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in settings.items()}


def create_campaign(
    session: Session,
    *,
    code: str,
    name: str,
    script_name: str,
    user_id: int | None = None,
    **settings: Any,
) -> Campaign:
    """A DRAFT campaign on the latest loaded version of the script ``script_name``."""
    code, name = code.strip(), name.strip()
    if not CODE_RE.fullmatch(code) or len(code) > CODE_MAX:
        raise CampaignError(
            f"Code {code!r} is not valid: use up to {CODE_MAX} letters, digits, '-' or '_'."
        )
    if not name or len(name) > NAME_MAX:
        raise CampaignError(f"The name must be 1 to {NAME_MAX} characters long.")
    if find_campaign(session, code) is not None:
        raise CampaignError(f"A campaign with code {code!r} already exists.")
    script = _script(session, script_name)
    cleaned = validate_settings(settings)
    campaign = Campaign(
        code=code,
        name=name,
        status=CampaignStatus.DRAFT,
        call_script_id=script.id,
        created_by_id=user_id,
        **cleaned,
    )
    session.add(campaign)
    session.flush()
    record(
        session,
        "campaign.create",
        user_id=user_id,
        obj=campaign,
        code=code,
        script=f"{script.name} v{script.version}",
        settings=_for_audit(cleaned),
    )
    return campaign


def check_open(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.CLOSED:
        raise CampaignError(f"Campaign {campaign.code} is closed: it can no longer change.")


def update_settings(
    session: Session, campaign: Campaign, *, user_id: int | None = None, **settings: Any
) -> dict[str, Any]:
    """Change the campaign's settings, all or none; return those that really changed."""
    check_open(campaign)
    if not settings:
        raise CampaignError("Nothing to change: give at least one setting.")
    cleaned = validate_settings(settings)
    changed = {k: v for k, v in cleaned.items() if getattr(campaign, k) != v}
    if "practice" in changed and session.scalar(
        select(QueueEntry.id).where(QueueEntry.campaign_id == campaign.id).limit(1)
    ):
        raise CampaignError(
            f"Campaign {campaign.code} already has accounts in its queue: practice and live "
            "accounts never mix, so create another campaign instead."
        )
    for key, value in changed.items():
        setattr(campaign, key, value)
    session.flush()
    if changed:
        record(
            session, "campaign.update", user_id=user_id, obj=campaign, changed=_for_audit(changed)
        )
    return changed


def use_script(
    session: Session, campaign: Campaign, script_name: str, *, user_id: int | None = None
) -> CallScript:
    """Switch the campaign to the latest version of ``script_name``; calls already made
    keep the version they used."""
    check_open(campaign)
    script = _script(session, script_name)
    if campaign.call_script_id != script.id:
        campaign.call_script_id = script.id
        session.flush()
        record(
            session,
            "campaign.use_script",
            user_id=user_id,
            obj=campaign,
            script=f"{script.name} v{script.version}",
        )
    return script


def set_status(
    session: Session, campaign: Campaign, status: CampaignStatus, *, user_id: int | None = None
) -> None:
    """Move the campaign along draft -> active <-> paused -> closed (a draft may close)."""
    status = CampaignStatus(status)
    current = campaign.status
    if status == current:
        raise CampaignError(f"Campaign {campaign.code} is already {status.value}.")
    if status not in STATUS_FLOW[current]:
        raise CampaignError(
            f"Campaign {campaign.code} is {current.value}: it cannot become {status.value}."
        )
    if status == CampaignStatus.ACTIVE and campaign.call_script_id is None:
        raise CampaignError(
            f"Campaign {campaign.code} has no call script: give it one before activating it."
        )
    campaign.status = status
    withdrawn = _withdraw_waiting(session, campaign) if status == CampaignStatus.CLOSED else 0
    session.flush()
    record(
        session,
        "campaign.status",
        user_id=user_id,
        obj=campaign,
        old=current.value,
        new=status.value,
        withdrawn=withdrawn,
    )


def _withdraw_waiting(session: Session, campaign: Campaign) -> int:
    """A closed campaign calls no one: its waiting accounts (retries and callbacks
    included) become ready for another campaign. Calls in progress end normally."""
    entries = session.scalars(
        select(QueueEntry).where(
            QueueEntry.campaign_id == campaign.id, QueueEntry.state == QueueState.WAITING
        )
    ).all()
    for entry in entries:
        entry.state = QueueState.DONE
        account = session.get_one(Account, entry.account_id)
        if account.status in (AccountStatus.QUEUED, AccountStatus.CALLBACK):
            account.status = check_transition(account.status, AccountStatus.READY)
    return len(entries)
