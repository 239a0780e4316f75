"""The segment builder: every filter, the plan's arithmetic, and queueing a segment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.accounts.models import AccountFlag, AccountSource, FleetLine, TonnageClass
from app.accounts.segments import Plan, Segment, account_ids, count
from app.accounts.status import AccountStatus
from app.campaigns.models import QueueEntry
from app.campaigns.queueing import enqueue_segment
from app.territory.models import Province
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def base(session):
    session.add_all([Province(code="MI", name="Milano", region="Lombardia"),
                     Province(code="BO", name="Bologna", region="Emilia-Romagna")])  # fmt: skip
    zone = factories.zone(session)
    dealer = factories.dealer(session, zone)
    factories.salesperson(session, dealer)
    a = factories.account(session, company_name="ALFA", province="MI", zone_id=zone.id,
                          dealer_id=dealer.id, tonnage_class=TonnageClass.EXTRA_HEAVY,
                          status=AccountStatus.READY)  # fmt: skip
    b = factories.account(session, company_name="BETA", province="BO",
                          tonnage_class=TonnageClass.LIGHT, status=AccountStatus.READY)  # fmt: skip
    c = factories.account(session, company_name="GAMMA", province="MI",
                          status=AccountStatus.TO_REVIEW)  # fmt: skip
    d = factories.account(session, company_name="DELTA", province="MI", do_not_call=True,
                          status=AccountStatus.READY)  # fmt: skip
    session.flush()
    session.add_all([
        FleetLine(account_id=a.id, brand="Iveco", vehicle_count=12),
        FleetLine(account_id=a.id, brand="Volvo", vehicle_count=3),
        FleetLine(account_id=b.id, brand="Fiat", vehicle_count=2),
        AccountSource(account_id=a.id, source_kind="warranty", data={}),
        AccountFlag(account_id=c.id, field="municipality", value="X", reason="unknown"),
    ])  # fmt: skip
    session.flush()
    return {"a": a, "b": b, "c": c, "d": d, "zone": zone, "dealer": dealer}


@pytest.mark.parametrize(
    ("segment", "names"),
    [
        (Segment(), {"ALFA", "BETA"}),  # ready, never do-not-call
        (Segment(statuses=[]), {"ALFA", "BETA", "GAMMA"}),
        (Segment(regions=["Lombardia"]), {"ALFA"}),
        (Segment(provinces=["BO"]), {"BETA"}),
        (Segment(tonnage=[TonnageClass.EXTRA_HEAVY]), {"ALFA"}),
        (Segment(fleet_min=10), {"ALFA"}),  # 12 + 3 vehicles
        (Segment(fleet_max=5), {"BETA"}),
        (Segment(brands=["volvo"]), {"ALFA"}),
        (Segment(sources=["warranty"]), {"ALFA"}),
        (Segment(statuses=[], quality="flagged"), {"GAMMA"}),
        (Segment(statuses=[], quality="clean"), {"ALFA", "BETA"}),
    ],
)
def test_each_filter(session, base, segment, names) -> None:
    found = {
        session.get_one(factories.Account, i).company_name for i in account_ids(session, segment)
    }
    assert found == names
    assert count(session, segment) == len(names)


def test_zone_and_dealer_filters(session, base) -> None:
    assert account_ids(session, Segment(zone_ids=[base["zone"].id])) == [base["a"].id]
    assert account_ids(session, Segment(dealer_ids=[base["dealer"].id])) == [base["a"].id]


def test_the_seed_arithmetic() -> None:
    plan = Plan(salespeople=120, accounts_each=50, redemption=Decimal("0.6"), matching=5000)
    assert (plan.qualified_needed, plan.to_call) == (6000, 10000)
    assert plan.coverage == Decimal("0.5")
    none = Plan(salespeople=0, accounts_each=50, redemption=Decimal("0.6"), matching=10)
    assert (none.to_call, none.coverage) == (0, None)  # nothing needed: no division by zero
    assert Plan(10, 50, Decimal(0), 10).to_call == 0


@pytest.fixture
def staff(users, auth):
    auth.login("staff")


def test_the_page_counts_and_plans(client, base, staff) -> None:
    query = "provinces=MI&statuses=ready&accounts_each=50&redemption=50"
    page = client.get(f"/workspace/segment?{query}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<strong id="plan-matching">1</strong>' in text  # ALFA: ready, in MI, not do-not-call
    assert '<strong id="plan-salespeople">1</strong>' in text
    assert '<strong id="plan-to-call">100</strong>' in text  # 1 x 50 / 50 %
    assert "Quota coperta dal segmento: 1 %." in text  # not "ne contiene il 1 %"
    data = client.get("/workspace/segment/count?provinces=MI&provinces=BO").get_json()
    assert data["matching"] == 3 and data["to_call"] == 84  # any status; ceil(1 x 50 / 0.6)
    first_visit = client.get("/workspace/segment").get_data(as_text=True)
    assert '<strong id="plan-matching">2</strong>' in first_visit  # ready accounts by default
    assert client.get("/workspace/segment/count?fleet_min=-3").status_code == 400


def test_a_segment_goes_into_a_campaign_queue(client, session, base, staff) -> None:
    campaign = factories.campaign(session)
    session.commit()
    token = csrf_token(client, "/workspace/segment")
    response = client.post("/workspace/segment/queue?statuses=ready&statuses=to_review",
                           data={"csrf_token": token, "campaign": campaign.id})  # fmt: skip
    assert response.status_code == 302
    queued = session.scalars(sa.select(QueueEntry.account_id).where(
        QueueEntry.campaign_id == campaign.id)).all()  # fmt: skip
    # to_review cannot go into a queue; do-not-call never does.
    assert sorted(queued) == sorted([base["a"].id, base["b"].id])
    session.expire_all()
    assert base["a"].status == AccountStatus.QUEUED


def test_agents_cannot_segment(client, users, auth) -> None:
    auth.login("agent")
    assert client.get("/workspace/segment").status_code == 403


def test_practice_accounts_are_counted_and_queued_only_when_asked(client, session, base, staff):
    """A practice account counts nowhere in the real base's figures; the segment page takes
    practice accounts when "Practice accounts" is ticked, and only into a practice
    campaign; a mismatch says what to do and queues nothing."""
    invented = factories.account(session, company_name="FINTA", province="MI", practice=True,
                                 status=AccountStatus.READY)  # fmt: skip
    live = factories.campaign(session, name="Reale")
    practice = factories.campaign(session, name="Allenamento", practice=True)
    session.commit()
    home = client.get("/workspace/").get_data(as_text=True)
    assert "4 account nella base." in home  # the real base: ALFA, BETA, GAMMA, DELTA
    assert 'data-testid="practice-total"' in home and ">PROVA<" in home
    page = client.get("/workspace/segment").get_data(as_text=True)
    assert '<strong id="plan-matching">2</strong>' in page and "Allenamento (PROVA)" in page
    asked = client.get("/workspace/segment/count?statuses=ready&practice=y").get_json()
    assert asked["matching"] == 1
    token = csrf_token(client, "/workspace/segment")
    refused = client.post("/workspace/segment/queue?statuses=ready",
                          data={"csrf_token": token, "campaign": practice.id},
                          follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "è una campagna di prova" in refused
    refused = client.post("/workspace/segment/queue?statuses=ready&practice=y",
                          data={"csrf_token": token, "campaign": live.id},
                          follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "è una campagna reale" in refused
    assert session.scalar(sa.select(sa.func.count()).select_from(QueueEntry)) == 0
    client.post("/workspace/segment/queue?statuses=ready&practice=y",
                data={"csrf_token": token, "campaign": practice.id})  # fmt: skip
    queued = session.scalars(sa.select(QueueEntry.account_id)).all()
    assert queued == [invented.id]


def test_the_workspace_finds_an_account_by_name_or_key(client, session, base, staff) -> None:
    home = client.get("/workspace/").get_data(as_text=True)
    search = home[home.rindex("<form", 0, home.index('data-testid="account-search"')) :]
    search = search[: search.index("</form>")]
    assert 'action="/privacy/"' in search and 'name="q"' in search
    for query in ("alfa", base["a"].key):
        found = client.get("/privacy/", query_string={"q": query}).get_data(as_text=True)
        assert f">{base['a'].key}</a>" in found and "Alfa" in found  # as people read it


def names(session, segment: Segment) -> set[str]:
    return {session.get_one(factories.Account, i).company_name
            for i in account_ids(session, segment)}  # fmt: skip


def test_accounts_qualified_elsewhere_are_left_out_unless_staff_ask(session, base) -> None:
    base["a"].qualified_elsewhere_on = date(2026, 11, 20)
    session.flush()
    assert names(session, Segment()) == {"BETA"}
    assert names(session, Segment(leave_out_qualified_elsewhere=False)) == {"ALFA", "BETA"}


def test_enqueueing_leaves_them_out_by_default(session, base) -> None:
    base["a"].qualified_elsewhere_on = date(2026, 11, 20)
    campaign = factories.campaign(session)
    assert enqueue_segment(session, campaign, Segment()).queued == 1
    asked = enqueue_segment(session, campaign, Segment(leave_out_qualified_elsewhere=False))
    assert asked.queued == 1  # ALFA now; BETA was already in
    session.refresh(base["a"])
    assert base["a"].status == AccountStatus.QUEUED


@pytest.mark.parametrize(
    ("query", "left_out"),
    [
        ({}, True),
        ({"statuses": "ready"}, True),
        ({"statuses": "ready", "elsewhere": "include"}, False),
        ({"elsewhere": "leave_out"}, True),
    ],
)
def test_the_form_leaves_them_out_by_default(app, query, left_out) -> None:
    from werkzeug.datastructures import MultiDict

    from app.workspace.forms import SegmentForm

    with app.test_request_context():
        form = SegmentForm(MultiDict(query) or None)
        assert form.segment().leave_out_qualified_elsewhere is left_out
