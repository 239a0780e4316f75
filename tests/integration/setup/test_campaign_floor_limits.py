"""The campaign's limits for the floor's alerts: optional, on the campaign form, checked
like every setting, copied with the campaign."""

from __future__ import annotations

import pytest

from app.campaigns.services import CampaignError, clone_campaign, update_settings
from tests.integration.setup.conftest import errors_beside, post, text, value_of
from tests.integration.setup.test_campaign_form import form_data


def test_the_limits_are_saved_shown_and_cleared(client, session, staff, campaign, script):
    page = text(client.get(f"/campaigns/{campaign.id}/edit"))
    assert value_of(page, "call_limit_minutes") == ""  # empty: no limit
    data = form_data(script, call_limit_minutes="12", wrap_up_limit_minutes="3")
    del data["code"]
    assert post(client, f"/campaigns/{campaign.id}/edit", data).status_code == 302
    session.expire_all()
    assert (campaign.call_limit_minutes, campaign.wrap_up_limit_minutes) == (12, 3)
    shown = text(client.get(f"/campaigns/{campaign.id}"))
    assert "Minuti di una chiamata, al massimo" in shown
    data.update(call_limit_minutes="", wrap_up_limit_minutes="")
    assert post(client, f"/campaigns/{campaign.id}/edit", data).status_code == 302
    session.expire_all()
    assert (campaign.call_limit_minutes, campaign.wrap_up_limit_minutes) == (None, None)


@pytest.mark.parametrize("value", ["0", "241", "-5"])
def test_a_limit_out_of_range_is_refused_beside_its_field(client, session, staff, campaign,
                                                          script, value):  # fmt: skip
    data = form_data(script, call_limit_minutes=value)
    del data["code"]
    page = text(post(client, f"/campaigns/{campaign.id}/edit", data))
    assert "fuori intervallo" in errors_beside(page, "call_limit_minutes")
    session.expire_all()
    assert campaign.call_limit_minutes is None


def test_a_copy_keeps_the_limits(session, campaign):
    update_settings(session, campaign, call_limit_minutes=9, wrap_up_limit_minutes=None)
    copy = clone_campaign(session, campaign, code="PILOT2", name="Pilota 2")
    assert (copy.call_limit_minutes, copy.wrap_up_limit_minutes) == (9, None)
    with pytest.raises(CampaignError):
        update_settings(session, campaign, wrap_up_limit_minutes=True)
