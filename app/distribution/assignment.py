"""Who gets which qualified account: the assignment rules and the dealing of a wave.

Pure functions over plain values, so the rules are tested without a database.

An account goes to, in order:
1. its known owner (``Account.salesperson_id``: from the source file or set by hand),
   when that salesperson is active;
2. the salesperson of the most specific territory rule that covers it (municipality,
   then the longest postcode prefix, then the province);
3. otherwise the active salespeople of that rule's dealer (or of the account's own dealer)
   as a pool, shared fairly when the wave is dealt.
An account none of these covers is *uncovered*: staff give it an owner by hand.

The place is the site the qualifying call qualified (``Candidate.head_office`` False for a
site other than the head office). The owner follows the company's head office: a call that
qualified another site goes by that site's territory (the rule's salesperson, then its
dealer's pool, where the owner comes first if the owner is one of that pool), and to the
owner only where no rule covers the site.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

HORIZON_ORDER = ("3", "6", "12", "none")  # most urgent purchase first
_RANK = {h: n for n, h in enumerate(HORIZON_ORDER)}

OWNER, RULE, DEALER = "owner", "rule", "dealer"


@dataclass(frozen=True)
class Candidate:
    """A qualified account not yet handed out."""

    account_id: int
    horizon: str = "none"
    qualified_at: datetime | None = None
    key: str = ""
    owner_id: int | None = None
    province: str | None = None
    postcode: str | None = None
    istat_code: str | None = None
    dealer_id: int | None = None
    # The place above is the head office's (the account's address), or another site's.
    head_office: bool = True


@dataclass(frozen=True)
class Rule:
    province: str
    postcode_prefix: str = ""
    istat_code: str = ""
    dealer_id: int = 0
    salesperson_id: int | None = None


@dataclass(frozen=True)
class Route:
    """Where the rules send an account: one salesperson, or a dealer's pool."""

    source: str  # OWNER, RULE or DEALER
    salesperson_id: int | None = None
    pool: tuple[int, ...] = ()


class Territory:
    """The rules and the active salespeople, indexed for routing many accounts."""

    def __init__(
        self, rules: Iterable[Rule], active_by_dealer: Mapping[int, Sequence[int]]
    ) -> None:
        self._by_istat: dict[str, Rule] = {}
        self._by_place: dict[str, list[Rule]] = defaultdict(list)
        for rule in rules:
            if rule.istat_code:
                self._by_istat[rule.istat_code] = rule
            else:
                self._by_place[rule.province.upper()].append(rule)
        for found in self._by_place.values():
            found.sort(key=lambda r: len(r.postcode_prefix), reverse=True)  # longest first
        self._pools = {d: tuple(sorted(ids)) for d, ids in active_by_dealer.items()}
        self._active = {sid for ids in self._pools.values() for sid in ids}

    def rule_for(self, candidate: Candidate) -> Rule | None:
        """The most specific rule covering the account's place, if any."""
        if candidate.istat_code and candidate.istat_code in self._by_istat:
            return self._by_istat[candidate.istat_code]
        postcode = candidate.postcode or ""
        for rule in self._by_place.get((candidate.province or "").upper(), ()):
            if postcode.startswith(rule.postcode_prefix):
                return rule
        return None

    def route(self, candidate: Candidate) -> Route | None:
        owner = candidate.owner_id if candidate.owner_id in self._active else None
        if owner is not None and candidate.head_office:
            return Route(OWNER, salesperson_id=owner)
        rule = self.rule_for(candidate)
        if rule is not None and rule.salesperson_id in self._active:
            return Route(RULE, salesperson_id=rule.salesperson_id)
        if rule is None and owner is not None:  # another site, which no rule covers
            return Route(OWNER, salesperson_id=owner)
        dealer_id = rule.dealer_id if rule is not None else candidate.dealer_id
        pool = self._pools.get(dealer_id or 0, ())
        if owner is not None and owner in pool:  # another site in the owner's own pool
            return Route(OWNER, salesperson_id=owner)
        if pool:
            return Route(DEALER, pool=pool)
        return None


@dataclass(frozen=True)
class Allocation:
    account_id: int
    salesperson_id: int
    horizon: str
    source: str


@dataclass
class Deal:
    """A wave as dealt: who gets what, what waits for a later wave, what no rule covers."""

    allocations: list[Allocation] = field(default_factory=list)
    left_over: list[Candidate] = field(default_factory=list)  # quota full: next wave
    uncovered: list[Candidate] = field(default_factory=list)

    def by_salesperson(self) -> dict[int, dict[str, int]]:
        """Salesperson id -> {horizon: accounts}."""
        counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(HORIZON_ORDER, 0))
        for a in self.allocations:
            counts[a.salesperson_id][a.horizon] += 1
        return dict(counts)


def urgency(candidate: Candidate) -> tuple[int, datetime | str, str]:
    """Most urgent horizon first, then the account that has waited longest."""
    waited = candidate.qualified_at.isoformat() if candidate.qualified_at else ""
    return (_RANK.get(candidate.horizon, len(_RANK)), waited, candidate.key)


def deal(candidates: Iterable[Candidate], territory: Territory, quotas: Mapping[int, int]) -> Deal:
    """Hand out ``candidates`` within each salesperson's quota.

    Accounts go most urgent first. Within one horizon an account with its own salesperson
    (owner or rule) goes before the dealer pools', so a pool never takes the room a named
    salesperson's own account needed. A pool account goes to the member with the fewest
    accounts so far, then the fewest of that horizon: members end up with equal numbers
    (within one) and the same mix of horizons.
    """
    result = Deal()
    routed = []
    for candidate in candidates:
        route = territory.route(candidate)
        if route is None:
            result.uncovered.append(candidate)
        else:
            routed.append((candidate, route))
    routed.sort(key=lambda cr: (urgency(cr[0])[0], cr[1].salesperson_id is None, urgency(cr[0])))
    load: dict[int, int] = defaultdict(int)
    load_by_horizon: dict[tuple[int, str], int] = defaultdict(int)
    for candidate, route in routed:
        if route.salesperson_id is not None:
            members: Sequence[int] = (route.salesperson_id,)
        else:
            members = route.pool
        room = [m for m in members if load[m] < quotas.get(m, 0)]
        if not room:
            result.left_over.append(candidate)
            continue
        chosen = min(room, key=lambda m: (load[m], load_by_horizon[m, candidate.horizon], m))
        load[chosen] += 1
        load_by_horizon[chosen, candidate.horizon] += 1
        result.allocations.append(
            Allocation(candidate.account_id, chosen, candidate.horizon, route.source)
        )
    return result
