"""Assignment rules and the dealing of a wave: quotas, urgency, fairness, coverage."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from app.distribution.assignment import (
    DEALER,
    OWNER,
    RULE,
    Candidate,
    Route,
    Rule,
    Territory,
    deal,
)

MILANO_RULES = [
    Rule(province="MI", dealer_id=1),  # the whole province: dealer 1's pool
    Rule(province="MI", postcode_prefix="201", dealer_id=1, salesperson_id=11),
    Rule(province="MI", postcode_prefix="2012", dealer_id=1, salesperson_id=12),
    Rule(province="MB", istat_code="108033", dealer_id=2, salesperson_id=21),  # Monza
]
ACTIVE = {1: [11, 12, 13], 2: [21, 22]}


def territory(rules=MILANO_RULES, active=ACTIVE) -> Territory:
    return Territory(rules, active)


T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def candidate(n: int, **kw) -> Candidate:
    defaults = {"account_id": n, "key": f"K{n:05d}", "qualified_at": T0 + timedelta(minutes=n)}
    return Candidate(**{**defaults, **kw})


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ({"province": "MI", "postcode": "20121"}, Route(RULE, salesperson_id=12)),  # longest
        ({"province": "MI", "postcode": "20159"}, Route(RULE, salesperson_id=11)),
        ({"province": "mi", "postcode": "20090"}, Route(DEALER, pool=(11, 12, 13))),
        ({"province": "MI", "postcode": None}, Route(DEALER, pool=(11, 12, 13))),
        # The municipality rule wins even without a province on the account.
        ({"istat_code": "108033", "postcode": "20900"}, Route(RULE, salesperson_id=21)),
        ({"province": "TO", "postcode": "10121"}, None),  # no rule: uncovered
        ({"province": "TO", "dealer_id": 2}, Route(DEALER, pool=(21, 22))),  # own dealer
    ],
)
def test_route_takes_the_most_specific_rule(place, expected):
    assert territory().route(candidate(1, **place)) == expected


def test_a_known_owner_wins_over_the_rules_unless_inactive():
    t = territory()
    assert t.route(candidate(1, owner_id=22, province="MI", postcode="20121")) == Route(
        OWNER, salesperson_id=22
    )
    # 99 is not an active salesperson: the rules decide.
    assert t.route(candidate(1, owner_id=99, province="MI", postcode="20121")) == Route(
        RULE, salesperson_id=12
    )


def test_a_rule_naming_an_inactive_salesperson_falls_back_to_the_dealer_pool():
    t = territory(active={1: [11, 13]})  # 12 left
    assert t.route(candidate(1, province="MI", postcode="20121")) == Route(DEALER, pool=(11, 13))


def test_a_dealer_without_active_salespeople_leaves_the_account_uncovered():
    assert territory(active={1: []}).route(candidate(1, province="MI")) is None


def test_quota_caps_each_salesperson_and_the_rest_waits_for_the_next_wave():
    accounts = [candidate(n, province="MI", postcode="20121", horizon="6") for n in range(8)]
    dealt = deal(accounts, territory(), {12: 5})
    assert Counter(a.salesperson_id for a in dealt.allocations) == {12: 5}
    assert len(dealt.left_over) == 3
    assert not dealt.uncovered


def test_most_urgent_horizon_first_then_the_longest_waiting():
    horizons = ["12", "none", "3", "6", "3", "12"]
    accounts = [
        candidate(n, province="MI", postcode="20121", horizon=h) for n, h in enumerate(horizons)
    ]
    dealt = deal(accounts, territory(), {12: 3})
    assert [a.account_id for a in dealt.allocations] == [2, 4, 3]  # 3, 3 (older first), 6
    assert sorted(c.account_id for c in dealt.left_over) == [0, 1, 5]


def test_a_pool_is_shared_evenly_with_the_same_mix_of_horizons():
    horizons = ["3"] * 9 + ["6"] * 6 + ["12"] * 12
    accounts = [candidate(n, province="MI", horizon=h) for n, h in enumerate(horizons)]
    dealt = deal(accounts, territory(), {11: 50, 12: 50, 13: 50})
    per = dealt.by_salesperson()
    assert {sid: sum(c.values()) for sid, c in per.items()} == {11: 9, 12: 9, 13: 9}
    assert all(c == {"3": 3, "6": 2, "12": 4, "none": 0} for c in per.values())


def test_a_pool_with_more_accounts_than_its_quotas_hands_out_the_urgent_ones_evenly():
    horizons = ["12"] * 10 + ["3"] * 4 + ["6"] * 4
    accounts = [candidate(n, province="MI", horizon=h) for n, h in enumerate(horizons)]
    dealt = deal(accounts, territory(), {11: 3, 12: 3, 13: 3})
    per = dealt.by_salesperson()
    assert {sid: sum(c.values()) for sid, c in per.items()} == {11: 3, 12: 3, 13: 3}
    handed = Counter(a.horizon for a in dealt.allocations)
    assert handed == {"3": 4, "6": 4, "12": 1}  # every urgent one out, one 12-month
    assert Counter(c.horizon for c in dealt.left_over) == {"12": 9}


def test_a_named_salespersons_own_account_is_not_crowded_out_by_the_pool():
    pool = [candidate(n, province="MI", horizon="3") for n in range(10)]
    own = candidate(100, province="MI", postcode="20121", horizon="3")  # rule: 12
    dealt = deal([*pool, own], territory(), {11: 2, 12: 2, 13: 2})
    assert any(a.account_id == 100 and a.salesperson_id == 12 for a in dealt.allocations)


def test_uncovered_accounts_are_reported_not_dealt():
    accounts = [candidate(1, province="TO"), candidate(2, province="MI")]
    dealt = deal(accounts, territory(), {11: 50, 12: 50, 13: 50})
    assert [c.account_id for c in dealt.uncovered] == [1]
    assert [a.account_id for a in dealt.allocations] == [2]


def test_an_account_is_dealt_once_and_the_deal_is_deterministic():
    accounts = [candidate(n, province="MI", horizon=["3", "6"][n % 2]) for n in range(40)]
    first = deal(accounts, territory(), {11: 10, 12: 10, 13: 10})
    again = deal(list(reversed(accounts)), territory(), {11: 10, 12: 10, 13: 10})
    ids = [a.account_id for a in first.allocations]
    assert len(ids) == len(set(ids)) == 30
    assert first.allocations == again.allocations


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        # The call qualified a site in Monza: Monza's salesperson, whoever owns the company.
        ({"istat_code": "108033", "province": "MB"}, Route(RULE, salesperson_id=21)),
        # A site in another dealer's pool: that pool, not the owner.
        ({"province": "MI", "postcode": "20090", "dealer_id": 2}, Route(DEALER, pool=(11, 12, 13))),
        # A site no rule covers: the owner, as a hand-given owner covers an account.
        ({"province": "TO", "postcode": "10121"}, Route(OWNER, salesperson_id=22)),
    ],
)
def test_a_site_the_call_qualified_goes_by_its_own_territory(site, expected):
    """The company's owner (22, dealer 2) follows its head office; another site the call
    qualified is routed by where that site is (docs/exports.md)."""
    branch = candidate(1, owner_id=22, head_office=False, **site)
    assert territory().route(branch) == expected
    # The head office keeps its owner wherever it is.
    assert territory().route(candidate(2, owner_id=22, **site)) == Route(OWNER, salesperson_id=22)


def test_a_site_in_the_owners_own_pool_stays_with_the_owner():
    branch = candidate(1, owner_id=13, head_office=False, province="MI", postcode="20090")
    assert territory().route(branch) == Route(OWNER, salesperson_id=13)
