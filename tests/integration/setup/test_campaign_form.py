"""The campaign form: create and edit a campaign with its settings and calling hours; every
refusal beside its field, in Italian; nothing written when refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.campaigns.calendar import WEEKDAYS
from app.campaigns.models import Campaign, CampaignStatus
from app.scripting.services import load_script
from tests import factories
from tests.integration.setup.conftest import SCRIPT, errors_beside, post, text, value_of

DEFAULT_WINDOWS = {day: ("09:00", "20:00") for day in WEEKDAYS[:5]} | {"sat": ("10:00", "19:00")}


def form_data(script, **changes) -> dict[str, str]:
    """What the new-campaign page sends for a campaign on the code of conduct's hours."""
    data = {
        "code": "PILOT16", "name": "Mezzi pesanti oltre 16 t", "call_script_id": str(script.id),
        "target": "55", "max_attempts": "5", "retry_no_answer_minutes": "120",
        "retry_busy_minutes": "15", "lease_minutes": "5", "callback_grace_minutes": "30",
    }  # fmt: skip
    for day, (start, end) in DEFAULT_WINDOWS.items():
        data[f"hours-{day}-0-start"], data[f"hours-{day}-0-end"] = start, end
    return {**data, **changes}


def campaigns(session) -> list[str]:
    return list(session.scalars(sa.select(Campaign.code).order_by(Campaign.code)))


def actions(session, campaign) -> list[str]:
    return list(session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "campaigns",
                                           AuditEntry.object_id == str(campaign.id))
        .order_by(AuditEntry.id)))  # fmt: skip


def test_the_new_campaign_page_starts_on_the_code_and_the_code_of_conduct_s_hours(
    client, staff, script
):
    page = text(client.get("/campaigns/new"))
    assert '<input autofocus id="code"' in page
    assert f'<option selected value="{script.id}">{script.name} v{script.version}' in page
    assert (value_of(page, "target"), value_of(page, "max_attempts")) == ("60", "6")
    assert value_of(page, "retry_no_answer_minutes") == "120"
    assert value_of(page, "callback_grace_minutes") == "30"
    assert value_of(page, "hours-mon-0-start") == "09:00"
    assert value_of(page, "hours-sat-0-end") == "19:00"
    assert value_of(page, "hours-sun-0-start") == ""  # a blank window to fill
    assert 'id="hours-closed-0-day" name="hours-closed-0-day" type="date"' in page


def test_a_campaign_is_created_with_its_calling_hours(client, session, staff, script):
    data = form_data(
        script,
        **{"hours-mon-0-end": "13:00", "hours-mon-1-start": "14:00", "hours-mon-1-end": "20:00",
           "hours-sat-0-start": "", "hours-sat-0-end": "",
           "hours-closed-0-day": "2025-12-24", "hours-closed-1-day": "", "target": "62,5"},
    )  # fmt: skip
    response = post(client, "/campaigns/new", data)
    campaign = session.scalars(sa.select(Campaign).where(Campaign.code == "PILOT16")).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert campaign.status == CampaignStatus.DRAFT and campaign.call_script_id == script.id
    assert campaign.target_redemption == Decimal("0.625") and campaign.max_attempts == 5
    # Only what differs from the code of conduct is kept.
    assert campaign.calling_hours == {"mon": [["09:00", "13:00"], ["14:00", "20:00"]],
                                      "sat": [], "closed": ["2025-12-24"]}  # fmt: skip
    assert campaign.outcomes is None and campaign.created_by_id == staff.id
    assert actions(session, campaign) == ["campaign.create"]
    page = text(client.get(f"/campaigns/{campaign.id}"))
    assert "Campagna PILOT16 creata come bozza." in page
    assert "09:00\N{EN DASH}13:00, 14:00\N{EN DASH}20:00" in page and "24 dic 2025" in page


def test_the_code_of_conduct_s_hours_said_in_full_are_kept_as_the_default(
    client, session, staff, script
):
    assert post(client, "/campaigns/new", form_data(script)).status_code == 302
    campaign = session.scalars(sa.select(Campaign).where(Campaign.code == "PILOT16")).one()
    assert campaign.calling_hours is None


def test_a_campaign_may_start_without_a_script(client, session, staff, script):
    response = post(client, "/campaigns/new", form_data(script, call_script_id=""))
    assert response.status_code == 302
    assert session.scalars(sa.select(Campaign.call_script_id)).one() is None


FIELD_REFUSALS = [
    ({"code": "due parole"}, "code", "Il codice &#39;due parole&#39; non è valido"),
    ({"code": "X" * 33}, "code", "fino a 32 lettere"),
    ({"code": "EXISTING"}, "code", "Esiste già una campagna con codice"),
    ({"code": ""}, "code", "obbligatorio"),
    ({"name": ""}, "name", "obbligatorio"),
    ({"name": "x" * 121}, "name", "Il nome deve essere lungo da 1 a 120 caratteri."),
    ({"max_attempts": "0"}, "max_attempts", "0 è fuori intervallo: deve essere da 1 a 20"),
    ({"max_attempts": "tre"}, "max_attempts", "intero"),
    ({"max_attempts": ""}, "max_attempts", "obbligatorio"),
    ({"retry_no_answer_minutes": "10081"}, "retry_no_answer_minutes", "da 1 a 10080"),
    ({"retry_busy_minutes": "0"}, "retry_busy_minutes", "0 è fuori intervallo"),
    ({"lease_minutes": "61"}, "lease_minutes", "61 è fuori intervallo: deve essere da 1 a 60"),
    ({"callback_grace_minutes": "-1"}, "callback_grace_minutes", "da 0 a 1440"),
    ({"target": "101"}, "target", "100"),
    ({"target": "sessanta"}, "target", "decimale"),
    ({"target": "62,55"}, "target", "Usate al massimo un decimale, per esempio 62,5."),
    ({"call_script_id": "999999"}, "call_script_id", "valida"),
]


@pytest.mark.parametrize(("changes", "field", "message"), FIELD_REFUSALS)
def test_each_bad_setting_is_refused_beside_its_field(
    client, session, staff, script, changes, field, message
):
    factories.campaign(session, code="EXISTING")
    before = campaigns(session)
    response = post(client, "/campaigns/new", form_data(script, **changes))
    page = text(response)
    assert response.status_code == 200
    assert message in errors_beside(page, field), errors_beside(page, field)
    assert "Alcuni valori vanno corretti" in page
    assert campaigns(session) == before


HOURS_REFUSALS = [
    ({"hours-sun-0-start": "10:00", "hours-sun-0-end": "12:00"}, "sun",
     "Il codice di condotta vieta le chiamate la domenica"),
    ({"hours-mon-0-end": "13:00", "hours-mon-1-start": "12:00", "hours-mon-1-end": "20:00"},
     "mon", "Fascia 2: inizia prima che finisca la fascia precedente"),
    ({"hours-tue-0-start": "9"}, "tue", "Fascia 1: &#39;9&#39; non è un orario scritto come HH:MM"),
    ({"hours-wed-0-start": "20:00", "hours-wed-0-end": "09:00"}, "wed",
     "20:00 non viene prima di 09:00"),
    ({"hours-thu-0-end": ""}, "thu", "&#39;&#39; non è un orario scritto come HH:MM"),
    ({"hours-fri-0-end": "25:00"}, "fri", "&#39;25:00&#39; non è un orario del giorno"),
    ({"hours-closed-0-day": "24/12/2025"}, "closed",
     "Data 1: &#39;24/12/2025&#39; non è una data scritta come AAAA-MM-GG"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "day", "message"), HOURS_REFUSALS)
def test_calling_hours_are_refused_beside_their_day_with_the_calendar_s_messages(
    client, session, staff, script, changes, day, message
):
    response = post(client, "/campaigns/new", form_data(script, **changes))
    page = text(response)
    assert response.status_code == 200
    if day == "closed":
        row = page[page.index('class="closed-dates') :]
    else:
        row = page[page.index(f'<tr data-day="{day}"') :]
        assert row.startswith(f'<tr data-day="{day}" class="has-error"')
    assert message in row[: row.index("</td>") if day != "closed" else row.index("</fieldset>")]
    assert campaigns(session) == []


def test_every_problem_is_shown_at_once(client, session, staff, script):
    sunday = {"hours-sun-0-start": "10:00", "hours-sun-0-end": "11:00"}
    data = form_data(script, max_attempts="0", lease_minutes="90", name="", **sunday)
    page = text(post(client, "/campaigns/new", data))
    assert "0 è fuori intervallo" in errors_beside(page, "max_attempts")
    assert "90 è fuori intervallo" in errors_beside(page, "lease_minutes")
    assert "obbligatorio" in errors_beside(page, "name")
    assert 'id="day-sun-error"' in page


# -- editing -----------------------------------------------------------------------------


def test_the_edit_page_shows_the_campaign_s_values(client, session, staff, campaign):
    campaign.calling_hours = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [],
                              "closed": ["2025-12-24"]}  # fmt: skip
    campaign.max_attempts, campaign.target_redemption = 4, Decimal("0.625")
    session.flush()
    page = text(client.get(f"/campaigns/{campaign.id}/edit"))
    assert 'name="code"' not in page and "PILOT" in page  # the code names it for good
    assert value_of(page, "name") == "Pilota" and value_of(page, "target") == "62,5"
    assert value_of(page, "max_attempts") == "4"
    assert value_of(page, "hours-mon-1-end") == "18:00"
    assert value_of(page, "hours-sat-0-start") == ""
    assert value_of(page, "hours-closed-0-day") == "2025-12-24"


def test_editing_changes_the_version_and_the_settings_all_audited(
    client, session, staff, campaign, script
):
    edited = SCRIPT.read_text(encoding="utf-8").replace("Qualificazione", "Qualifica")
    newer = load_script(session, edited)
    data = form_data(script, call_script_id=str(newer.id), name="Pilota nord", lease_minutes="7",
                     **{"hours-sat-0-start": "", "hours-sat-0-end": ""})  # fmt: skip
    del data["code"]
    response = post(client, f"/campaigns/{campaign.id}/edit", data)
    assert response.status_code == 302
    session.expire_all()
    assert (campaign.name, campaign.call_script_id, campaign.lease_minutes) == (
        "Pilota nord", newer.id, 7)  # fmt: skip
    assert campaign.calling_hours == {"sat": []} and campaign.code == "PILOT"
    assert actions(session, campaign) == ["campaign.use_script", "campaign.update"]
    assert "Salvato" in text(client.get(response.headers["Location"]))


def test_editing_refuses_to_take_the_script_away(client, session, staff, campaign, script):
    data = form_data(script, call_script_id="")
    del data["code"]
    page = text(post(client, f"/campaigns/{campaign.id}/edit", data))
    session.expire_all()
    assert "non può restarne senza" in errors_beside(page, "call_script_id")
    assert campaign.call_script_id == script.id and actions(session, campaign) == []


def test_saving_the_same_values_changes_nothing(client, session, staff, campaign, script):
    data = form_data(script, name="Pilota", target="60", max_attempts="6")
    del data["code"]
    response = post(client, f"/campaigns/{campaign.id}/edit", data)
    assert response.status_code == 302, errors_beside(text(response), "target")
    assert actions(session, campaign) == []
    assert "Nessuna modifica." in text(client.get(response.headers["Location"]))


def test_a_closed_campaign_cannot_be_edited(client, session, staff, campaign, script):
    campaign.status = CampaignStatus.CLOSED
    session.flush()
    url = f"/campaigns/{campaign.id}/edit"
    for response in (client.get(url), post(client, url, form_data(script))):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert "è chiusa: non può più cambiare" in text(client.get(f"/campaigns/{campaign.id}"))
    session.expire_all()
    assert campaign.name == "Pilota"
