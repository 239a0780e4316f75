"""A campaign with the shipped script and accounts waiting in its queue."""

from __future__ import annotations

import pytest

from app.accounts.models import AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.campaigns.queueing import enqueue_accounts
from app.scripting.services import load_script
from config import ROOT
from tests import factories

SCRIPT = ROOT / "call_scripts" / "fleet_qualification.toml"


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
