"""A campaign with the shipped script, and a clock inside calling hours for the views
(which read the real time): the next working day at 10:30 in Rome."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from app.accounts.models import AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.campaigns.calendar import public_holidays
from app.desk.queue import enqueue_accounts
from app.scripting.services import load_script
from config import ROOT
from tests import factories

ROME = ZoneInfo("Europe/Rome")
SCRIPT = ROOT / "call_scripts" / "fleet_qualification.toml"


def next_working_morning(today: date) -> datetime:
    """Always in the future, so cookies the browser gets are not already expired."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5 or day in public_holidays(day.year):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 30, tzinfo=ROME)


@pytest.fixture
def office_hours():
    with time_machine.travel(next_working_morning(date.today()), tick=True) as traveller:
        yield traveller


@pytest.fixture
def campaign(session):
    script = load_script(session, SCRIPT)
    return factories.campaign(session, call_script_id=script.id, code="DESK", name="Desk test")


def queued_account(session, campaign, name="Autotrasporti Rossi SRL", phone="0212345678"):
    account = factories.account(
        session,
        company_name=name,
        street="Via Roma 1",
        postcode="20121",
        municipality="Milano",
        province="MI",
        status=AccountStatus.READY,
    )
    account.phones.append(
        AccountPhone(raw=phone, e164="+39" + phone, kind=PhoneKind.FIXED, position=0)
    )
    session.flush()
    enqueue_accounts(session, campaign, [account.id])
    return account


@pytest.fixture
def agent(users):
    return users["agent"]
