"""The Fellegi-Sunter model of record linkage, with its parameters estimated from the data.

Why: fixed weights per field suit one kind of file and fail on another (a source that
misspells names, one where phones are shared by a whole industrial estate). Fellegi and
Sunter's model weighs each comparison by how much more often its outcome happens between
records of one entity (``m``) than between unrelated records (``u``). ``u`` is counted on
pairs known to be unrelated, or on random pairs; ``m`` and the share of true duplicates
among the candidate pairs (``prior``) are estimated by expectation-maximisation over the
candidate pairs, as splink does (``fitting.fit`` chooses). The comparisons are given as
*levels*: for each field a small integer (0 = disagree, higher = closer), or ``MISSING``
when either record lacks the field, which then weighs nothing.

EM runs over the distinct comparison patterns with their counts (a few hundred even for a
million pairs), so it takes milliseconds.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MISSING = -1
Levels = tuple[int, ...]


@dataclass(frozen=True)
class Model:
    """``m[k][level]`` and ``u[k][level]`` for each comparison ``k``, and the prior."""

    m: tuple[tuple[float, ...], ...]
    u: tuple[tuple[float, ...], ...]
    prior: float
    estimated: bool = False  # False: the defaults, for want of enough data
    # The prior is the chance of a random pair among this many records (u counted on random
    # pairs), not the share of duplicates among candidate pairs: see ``for_population``.
    population: int | None = None
    u_from: str = "defaults"  # where u was counted: "defaults", "apart", "random"
    _weights: tuple[tuple[float, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weights = tuple(
            tuple(math.log(mk / uk) for mk, uk in zip(m_row, u_row, strict=True))
            for m_row, u_row in zip(self.m, self.u, strict=True)
        )
        object.__setattr__(self, "_weights", weights)

    def probability(self, levels: Levels) -> float:
        """The chance that a pair with these levels is one entity."""
        odds = math.log(self.prior / (1 - self.prior))
        for weights, level in zip(self._weights, levels, strict=True):
            if level != MISSING:
                odds += weights[level]
        if odds > 700:  # exp() would overflow; the answer is 1 to double precision
            return 1.0
        return 1 / (1 + math.exp(-odds))

    def for_population(self, records: int) -> Model:
        """The model for pairs among ``records`` records. A prior counted per random pair
        shrinks as the records grow (each has about the same number of duplicates, among
        ever more pairs); a prior counted among candidate pairs does not change."""
        if self.population is None or records <= self.population:
            return self
        prior = self.prior * self.population / records
        return Model(self.m, self.u, prior, self.estimated, records, self.u_from)

    def as_dict(self) -> dict[str, object]:
        return {
            "m": [[round(x, 6) for x in row] for row in self.m],
            "u": [[round(x, 6) for x in row] for row in self.u],
            "prior": round(self.prior, 8),
            "estimated": self.estimated,
            "population": self.population,
            "u_from": self.u_from,
        }


def _normalised(counts: Sequence[float]) -> tuple[float, ...]:
    total = sum(counts)
    return tuple(c / total for c in counts)


def estimate_u(
    random_levels: Iterable[Levels], sizes: Sequence[int]
) -> tuple[tuple[float, ...], ...]:
    """``u`` from the levels of random pairs (half a pair of pseudo-count per level, so
    that an outcome never seen among random pairs is rare, not impossible)."""
    counts = [[0.5] * size for size in sizes]
    for levels in random_levels:
        for k, level in enumerate(levels):
            if level != MISSING:
                counts[k][level] += 1
    return tuple(_normalised(row) for row in counts)


def estimate(
    patterns: Counter[Levels],
    start: Model,
    *,
    iterations: int = 100,
    tolerance: float = 1e-7,
    held_u: bool = False,
) -> Model:
    """``m`` and the prior (and ``u`` unless ``held_u``: then ``start``'s is kept) by EM
    over the candidate pairs' ``patterns``, from ``start``. A comparison whose estimate
    does not favour agreement among duplicates (EM can wander there on scarce data) keeps
    ``start``'s values."""
    m = [list(row) for row in start.m]
    u = [list(row) for row in start.u]
    prior = start.prior
    sizes = [len(row) for row in m]
    for _ in range(iterations):
        model = Model(_frozen(m), _frozen(u), _clamped(prior))
        m_counts = [[0.5] * size for size in sizes]
        u_counts = [[0.5] * size for size in sizes]
        matched = 0.0
        total = 0
        for levels, count in patterns.items():
            p = model.probability(levels)
            matched += p * count
            total += count
            for k, level in enumerate(levels):
                if level != MISSING:
                    m_counts[k][level] += p * count
                    u_counts[k][level] += (1 - p) * count
        new_m = [list(_normalised(row)) for row in m_counts]
        new_u = u if held_u else [list(_normalised(row)) for row in u_counts]
        new_prior = matched / total if total else prior
        change = abs(new_prior - prior) + max(
            abs(a - b)
            for old, new in zip(m + u, new_m + new_u, strict=True)
            for a, b in zip(old, new, strict=True)
        )
        m, u, prior = new_m, new_u, new_prior
        if change < tolerance:
            break
    final_m: list[tuple[float, ...]] = []
    final_u: list[tuple[float, ...]] = []
    for k, (m_row, u_row) in enumerate(zip(m, u, strict=True)):
        if m_row[-1] > u_row[-1] and m_row[0] < u_row[0]:
            final_m.append(tuple(m_row))
            final_u.append(tuple(u_row))
        else:
            final_m.append(start.m[k])
            final_u.append(start.u[k])
    return Model(tuple(final_m), tuple(final_u), _clamped(prior), True, u_from=start.u_from)


def _frozen(rows: list[list[float]]) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(row) for row in rows)


def _clamped(prior: float) -> float:
    return min(max(prior, 1e-6), 1 - 1e-6)
