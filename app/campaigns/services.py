"""Campaign services: create and configure campaigns, move them through their statuses.
They flush and never commit: the caller commits once. Queueing accounts is
``app.campaigns.queueing``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.status import AccountStatus, check_transition
from app.audit.services import record
from app.campaigns.calendar import CallingHoursError, parse_calling_hours
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.campaigns.outcomes import OutcomeConfigError, check_outcome_set
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
# Optional whole-number settings (None: none): the floor's alerts on a call or a wrap-up
# longer than this many minutes.
FLOOR_LIMITS: dict[str, tuple[int, int]] = {
    "call_limit_minutes": (1, 240),
    "wrap_up_limit_minutes": (1, 240),
}
SETTINGS = frozenset(
    {*LIMITS, *FLOOR_LIMITS, "name", "target_redemption", "calling_hours", "outcomes", "practice"}
)
# What a copy of a campaign takes from it (not its code, name, status, queue or dates).
COPIED = (*LIMITS, *FLOOR_LIMITS, "target_redemption", "calling_hours", "outcomes", "practice")

# Which status may follow which; reopening a closed campaign is not a thing.
STATUS_FLOW: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.ACTIVE, CampaignStatus.CLOSED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.PAUSED, CampaignStatus.CLOSED}),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.CLOSED}),
    CampaignStatus.CLOSED: frozenset(),
}


class CampaignError(ValueError):
    """A campaign request that cannot be done; the message says why, for the user.
    ``field`` names what it is about (a setting, ``code``, ``call_script_id``; None: the
    request as a whole), ``reason`` says why without naming it (a form shows it beside the
    field), ``cause`` is the calling-hours or outcome error naming the weekday or outcome."""

    def __init__(self, message: str, *, field: str | None = None, reason: str | None = None,
                 cause: Exception | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.field, self.reason, self.cause = field, reason or message, cause


def _setting_error(name: str, reason: str, cause: Exception | None = None) -> CampaignError:
    """A bad setting: named for the shell ("max_attempts: ..."), its reason for a form."""
    return CampaignError(f"{name}: {reason}.", field=name, reason=reason, cause=cause)


def list_campaigns(session: Session, *, only_active: bool = False) -> Sequence[Campaign]:
    query = select(Campaign).order_by(Campaign.created_at.desc())
    if only_active:
        query = query.where(Campaign.status == CampaignStatus.ACTIVE)
    return session.scalars(query).all()


def find_campaign(session: Session, code: str) -> Campaign | None:
    return session.scalars(select(Campaign).where(Campaign.code == code.strip())).first()


def _script(session: Session, script_name: str) -> CallScript:
    script = latest_version(session, script_name.strip())
    if script is None:
        raise CampaignError(
            _(
                "No call script named %(name)r is loaded: load it first with "
                "'flask scripts load FILE'.",
                name=script_name,
            ),
            field="call_script_id",
        )
    return script


def _script_version(session: Session, call_script_id: int) -> CallScript:
    script = session.get(CallScript, call_script_id)
    if script is None:
        raise CampaignError(
            _("That call script version does not exist: choose one of the loaded versions."),
            field="call_script_id",
        )
    return script


def _whole_number(name: str, value: Any) -> int:
    low, high = LIMITS.get(name) or FLOOR_LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _setting_error(name, _("%(value)r is not a whole number", value=value))
    if not low <= value <= high:
        raise _setting_error(
            name,
            _("%(value)s is out of range, it must be %(low)s to %(high)s",
              value=value, low=low, high=high),
        )  # fmt: skip
    return value


def _target(value: Any) -> Decimal:
    name = "target_redemption"
    try:
        target = Decimal(str(value).strip())
    except InvalidOperation:
        raise _setting_error(name, _("%(value)r is not a number", value=value)) from None
    if not target.is_finite() or not Decimal(0) <= target <= Decimal(1):
        raise _setting_error(
            name, _("%(value)s is out of range, it must be 0 to 1 (0.6 = 60%%)", value=value)
        )
    if target != target.quantize(Decimal("0.001")):
        raise _setting_error(name, _("%(value)s has more than 3 decimal places", value=value))
    return target.quantize(Decimal("0.001"))


def _name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > NAME_MAX:
        raise CampaignError(
            _("The name must be 1 to %(max)s characters long.", max=NAME_MAX), field="name"
        )
    return name


def _calling_hours(value: Any) -> dict[str, Any] | None:
    try:
        parse_calling_hours(value)
    except CallingHoursError as exc:
        raise CampaignError(
            f"calling hours: {exc}.", field="calling_hours", reason=exc.reason, cause=exc
        ) from None
    return None if value is None else dict(value)


def _outcomes(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise _setting_error("outcomes", _("expected a list of objects, one per outcome"))
    if not value:
        raise _setting_error("outcomes", _("the list is empty; leave it unset for the default set"))
    try:
        check_outcome_set(value)
    except OutcomeConfigError as exc:
        raise CampaignError(f"{exc}.", field="outcomes", reason=exc.reason, cause=exc) from None
    return [dict(item) for item in value]


def validate_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Check campaign settings and return them cleaned; raise ``CampaignError`` on the first
    bad one. ``None`` for calling hours or outcomes means the default."""
    unknown = sorted(set(settings) - SETTINGS)
    if unknown:
        raise CampaignError(_("Unknown setting(s): %(names)s.", names=", ".join(unknown)))
    cleaned: dict[str, Any] = {}
    for name, value in settings.items():
        if name in LIMITS:
            cleaned[name] = _whole_number(name, value)
        elif name in FLOOR_LIMITS:
            cleaned[name] = None if value is None else _whole_number(name, value)
        elif name == "name":
            cleaned[name] = _name(value)
        elif name == "target_redemption":
            cleaned[name] = _target(value)
        elif name == "calling_hours":
            cleaned[name] = _calling_hours(value)
        elif name == "practice":
            if not isinstance(value, bool):
                raise CampaignError(_("practice: %(value)r is not true or false.", value=value))
            cleaned[name] = value
        else:
            cleaned[name] = _outcomes(value)
    return cleaned


def settings_problems(settings: Mapping[str, Any]) -> dict[str, CampaignError]:
    """Every bad setting at once, by name (``validate_settings`` stops at the first): a
    form shows each beside its field."""
    problems = {}
    for name, value in settings.items():
        try:
            validate_settings({name: value})
        except CampaignError as exc:
            problems[name] = exc
    return problems


def _for_audit(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings as JSON values (the target is a Decimal)."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in settings.items()}


def _code(session: Session, value: str) -> str:
    code = value.strip()
    if not CODE_RE.fullmatch(code) or len(code) > CODE_MAX:
        raise CampaignError(
            _("Code %(code)r is not valid: use up to %(max)s letters, digits, '-' or '_'.",
              code=code, max=CODE_MAX),
            field="code",
        )  # fmt: skip
    if find_campaign(session, code) is not None:
        raise CampaignError(
            _("A campaign with code %(code)r already exists: choose another code.", code=code),
            field="code",
        )
    return code


def create_campaign(
    session: Session, *, code: str, name: str, script_name: str | None = None,
    call_script_id: int | None = None, user_id: int | None = None, **settings: Any,
) -> Campaign:  # fmt: skip
    """A DRAFT campaign on the latest loaded version of the script ``script_name``, or on
    the version ``call_script_id`` (neither: no script yet, and it cannot be activated)."""
    code, name = _code(session, code), _name(name)
    script = None
    if script_name is not None:
        script = _script(session, script_name)
    elif call_script_id is not None:
        script = _script_version(session, call_script_id)
    return _create(session, code, name, script, validate_settings(settings), user_id)


def clone_campaign(
    session: Session, source: Campaign, *, code: str, name: str, user_id: int | None = None
) -> Campaign:
    """A DRAFT copy of ``source`` under a new code and name: its script version, settings,
    calling hours, outcomes and zone; not its queue, status or calls."""
    code, name = _code(session, code), _name(name)
    script = session.get(CallScript, source.call_script_id) if source.call_script_id else None
    settings = validate_settings({key: getattr(source, key) for key in COPIED})
    return _create(session, code, name, script, settings, user_id,
                   zone_id=source.zone_id, copy_of=source.code)  # fmt: skip


def _create(
    session: Session, code: str, name: str, script: CallScript | None, cleaned: dict[str, Any],
    user_id: int | None, zone_id: int | None = None, **details: Any,
) -> Campaign:  # fmt: skip
    campaign = Campaign(code=code, name=name, status=CampaignStatus.DRAFT, zone_id=zone_id,
                        call_script_id=script.id if script else None, created_by_id=user_id,
                        **cleaned)  # fmt: skip
    session.add(campaign)
    session.flush()
    script_text = f"{script.name} v{script.version}" if script else None
    record(session, "campaign.create", user_id=user_id, obj=campaign, code=code,
           script=script_text, settings=_for_audit(cleaned), **details)  # fmt: skip
    return campaign


def check_open(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.CLOSED:
        raise CampaignError(
            _("Campaign %(code)s is closed: it can no longer change.", code=campaign.code)
        )


def update_settings(
    session: Session, campaign: Campaign, *, user_id: int | None = None, **settings: Any
) -> dict[str, Any]:
    """Change the campaign's settings, all or none; return those that really changed."""
    check_open(campaign)
    if not settings:
        raise CampaignError(_("Nothing to change: give at least one setting."))
    cleaned = validate_settings(settings)
    changed = {k: v for k, v in cleaned.items() if getattr(campaign, k) != v}
    if "practice" in changed and session.scalar(
        select(QueueEntry.id).where(QueueEntry.campaign_id == campaign.id).limit(1)
    ):
        raise CampaignError(
            _(
                "Campaign %(code)s already has accounts in its queue: practice and live "
                "accounts never mix, so create another campaign instead.",
                code=campaign.code,
            ),
            field="practice",
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
    return _use(session, campaign, _script(session, script_name), user_id)


def use_script_version(
    session: Session, campaign: Campaign, call_script_id: int, *, user_id: int | None = None
) -> CallScript:
    """Switch the campaign to the script version ``call_script_id`` (any loaded version,
    not only the latest); calls already made keep the version they used."""
    check_open(campaign)
    return _use(session, campaign, _script_version(session, call_script_id), user_id)


def _use(
    session: Session, campaign: Campaign, script: CallScript, user_id: int | None
) -> CallScript:
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
        raise CampaignError(
            _("Campaign %(code)s is already %(status)s.", code=campaign.code, status=status.value)
        )
    if status not in STATUS_FLOW[current]:
        raise CampaignError(
            _("Campaign %(code)s is %(current)s: it cannot become %(status)s.",
              code=campaign.code, current=current.value, status=status.value)
        )  # fmt: skip
    if status == CampaignStatus.ACTIVE and campaign.call_script_id is None:
        raise CampaignError(
            _("Campaign %(code)s has no call script: give it one before activating it.",
              code=campaign.code),
            field="call_script_id",
        )  # fmt: skip
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
