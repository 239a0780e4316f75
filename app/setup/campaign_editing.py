"""The campaign form's one action: its script version and its settings, all or none.

Each part is the campaign services' own (``use_script_version``, ``update_settings``,
audited as ``campaign.use_script`` and ``campaign.update``); a refusal of either raises
``CampaignError`` and the caller rolls both back."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign
from app.campaigns.services import (
    CampaignError,
    check_open,
    update_settings,
    use_script_version,
)


def edit_campaign(
    session: Session,
    campaign: Campaign,
    *,
    call_script_id: int | None,
    user_id: int | None,
    **settings: Any,
) -> list[str]:
    """Change the campaign's script version and settings; return what changed (setting
    names, ``call_script_id`` for the script). A campaign keeps its version once it has
    one: taking it away is refused."""
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
    return changed
