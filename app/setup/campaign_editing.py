"""The campaign pages' actions that take several services at once, all or none: a new
campaign with its teams, a change of script version, settings and teams, a copy with its
teams.

Each part is the campaign services' own (``create_campaign``, ``use_script_version``,
``update_settings``, ``clone_campaign``, ``teams.set_teams``, each audited); a refusal of
any raises ``CampaignError`` and the caller rolls them all back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign
from app.campaigns.services import (
    CampaignError,
    check_open,
    clone_campaign,
    create_campaign,
    update_settings,
    use_script_version,
)
from app.campaigns.teams import set_teams


def new_campaign(
    session: Session,
    *,
    code: str,
    call_script_id: int | None,
    team_ids: Iterable[int],
    user_id: int | None,
    **settings: Any,
) -> Campaign:
    """A draft campaign on that script version, open to those teams (none: every agent)."""
    campaign = create_campaign(
        session, code=code, call_script_id=call_script_id, user_id=user_id, **settings
    )
    set_teams(session, campaign, team_ids, user_id=user_id)
    return campaign


def copy_campaign(
    session: Session, source: Campaign, *, code: str, name: str, user_id: int | None
) -> Campaign:
    """A draft copy of ``source`` (``clone_campaign``) open to the same teams, but those
    deactivated since."""
    copy = clone_campaign(session, source, code=code, name=name, user_id=user_id)
    set_teams(session, copy, [t.id for t in source.teams if t.active], user_id=user_id)
    return copy


def edit_campaign(
    session: Session,
    campaign: Campaign,
    *,
    call_script_id: int | None,
    team_ids: Iterable[int] | None = None,
    user_id: int | None,
    **settings: Any,
) -> list[str]:
    """Change the campaign's script version, settings and (given) teams; return what
    changed (setting names, ``call_script_id`` for the script, ``teams``). A campaign keeps
    its version once it has one: taking it away is refused."""
    check_open(campaign)
    if call_script_id is None and campaign.call_script_id is not None:
        raise CampaignError(
            _("Choose a version: a campaign that has a call script cannot go without one."),
            field="call_script_id",
        )
    changed = []
    if call_script_id is not None and call_script_id != campaign.call_script_id:
        use_script_version(session, campaign, call_script_id, user_id=user_id)
        changed.append("call_script_id")
    changed += list(update_settings(session, campaign, user_id=user_id, **settings))
    if team_ids is not None:
        before = {team.id for team in campaign.teams}
        after = {team.id for team in set_teams(session, campaign, team_ids, user_id=user_id)}
        if after != before:
            changed.append("teams")
    return changed
