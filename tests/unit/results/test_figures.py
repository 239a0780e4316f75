"""The conversion figures against a small dataset counted by hand (docs/metrics.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.distribution.result_terms import ResultOutcome as R
from app.results.figures import HandedOff, conversion, nowhere

TODAY = date(2026, 12, 31)
Q = date(2026, 10, 1)


def item(
    n,
    agent,
    outcome=None,
    on=None,
    vehicles=None,
    value=None,
    *,
    campaign=1,
    zone=10,
    dealer=100,
    horizon="3",
    handed=date(2026, 10, 5),
):
    return HandedOff(
        n,
        campaign,
        agent,
        zone,
        dealer,
        horizon,
        Q,
        handed,
        outcome,
        on,
        vehicles,
        Decimal(value) if value is not None else None,
    )


# Agent 7: 4 hand-offs, 2 sold (31 and 61 days after qualification), 1 lost, 1 visited.
# Agent 8: 3 hand-offs, 1 sold at no charge with no vehicle count, 1 not reachable, 1 silent
# since 2026-10-05 (87 days > 60: led nowhere). Agent 9, another campaign and zone, horizon
# 12: 1 silent since 2026-12-01 (30 days: not yet nowhere).
ITEMS = [
    item(1, 7, R.SOLD, date(2026, 11, 1), 3, "150000.00"),
    item(2, 7, R.SOLD, date(2026, 12, 1), 1, "60000.50", horizon="6"),
    item(3, 7, R.LOST, date(2026, 11, 10)),
    item(4, 7, R.VISITED, date(2026, 10, 20)),
    item(5, 8, R.SOLD, date(2026, 10, 11), None, "0", dealer=101),
    item(6, 8, R.NOT_REACHABLE, date(2026, 10, 30), dealer=101),
    item(7, 8, dealer=101),
    item(8, 9, campaign=2, zone=11, dealer=102, horizon="12", handed=date(2026, 12, 1)),
]


def test_in_all():
    c = conversion(ITEMS, TODAY)["all"][None]
    assert (c.handed_off, c.with_result, c.sold, c.led_nowhere) == (8, 6, 3, 3)
    assert c.rate == 3 / 8 and c.nowhere_share == 3 / 8
    assert c.vehicles == 4 and c.value == Decimal("210000.50")
    assert sorted(c.days_to_sale) == [10, 31, 61] and c.median_days == 31


def test_per_agent_and_the_qualifications_that_led_nowhere():
    agents = conversion(ITEMS, TODAY)["agent"]
    assert (agents[7].sold, agents[7].rate, agents[7].led_nowhere) == (2, 0.5, 1)
    assert (agents[8].sold, agents[8].led_nowhere, agents[8].median_days) == (1, 2, 10)
    assert (agents[9].handed_off, agents[9].sold, agents[9].rate, agents[9].median_days) == (
        1,
        0,
        0.0,
        None,
    )
    assert [i.account_id for i in nowhere(ITEMS, TODAY)] == [3, 6, 7]
    assert [i.account_id for i in nowhere(ITEMS, TODAY, agent_id=8)] == [6, 7]


def test_per_campaign_zone_dealer_and_horizon():
    found = conversion(ITEMS, TODAY)
    assert {k: c.handed_off for k, c in found["campaign"].items()} == {1: 7, 2: 1}
    assert {k: c.sold for k, c in found["zone"].items()} == {10: 3, 11: 0}
    assert {k: c.value for k, c in found["dealer"].items()} == {
        100: Decimal("210000.50"),
        101: Decimal(0),
        102: Decimal(0),
    }
    assert {k: (c.handed_off, c.sold) for k, c in found["horizon"].items()} == {
        "3": (6, 2),
        "6": (1, 1),
        "12": (1, 0),
    }


def test_nothing_handed_off_gives_no_figure():
    c = conversion([], TODAY)["all"][None]
    assert (c.rate, c.nowhere_share, c.median_days) == (None, None, None)
