"""The Fellegi-Sunter model: weights, and EM recovering known parameters."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from app.imports import dedupe
from app.imports.fellegi_sunter import MISSING, Model, estimate, estimate_u

TRUE = Model(
    m=((0.1, 0.9), (0.2, 0.3, 0.5), (0.05, 0.95)),
    u=((0.9, 0.1), (0.7, 0.2, 0.1), (0.6, 0.4)),
    prior=0.2,
)


def draw(model: Model, pairs: int, seed: int = 3) -> Counter[tuple[int, ...]]:
    rng = random.Random(seed)
    patterns: Counter[tuple[int, ...]] = Counter()
    for _ in range(pairs):
        table = model.m if rng.random() < model.prior else model.u
        patterns[tuple(rng.choices(range(len(row)), weights=row)[0] for row in table)] += 1
    return patterns


def test_agreement_raises_the_probability_and_a_missing_field_weighs_nothing() -> None:
    agree, disagree = TRUE.probability((1, 2, 1)), TRUE.probability((0, 0, 0))
    assert disagree < TRUE.prior < agree
    # one field missing: the odds are those of the other fields alone
    odds = (0.2 / 0.8) * (0.9 / 0.1) * (0.95 / 0.4)
    assert TRUE.probability((1, MISSING, 1)) == pytest.approx(odds / (1 + odds))


def test_em_recovers_the_parameters_the_pairs_were_drawn_from() -> None:
    start = Model(m=((0.3, 0.7), (0.3, 0.3, 0.4), (0.3, 0.7)),
                  u=((0.7, 0.3), (0.4, 0.3, 0.3), (0.5, 0.5)), prior=0.5)  # fmt: skip
    found = estimate(draw(TRUE, 40_000), start)
    assert found.estimated
    assert found.prior == pytest.approx(0.2, abs=0.02)
    for got, want in zip(found.m + found.u, TRUE.m + TRUE.u, strict=True):
        assert got == pytest.approx(want, abs=0.03)


def test_u_counts_random_pairs_and_never_gives_zero() -> None:
    u = estimate_u([(0, 1), (0, MISSING), (0, 0), (0, 1)], [2, 2])
    assert u[0][0] > 0.8 and 0 < u[0][1] < 0.2  # never seen agreeing: rare, not impossible
    assert u[1] == pytest.approx((1.5 / 4, 2.5 / 4))


def entities(count: int) -> list[dedupe.Entity]:
    """Companies in a few towns, each written twice with small differences."""
    rng = random.Random(5)
    found = []
    for n in range(count):
        town = f"015{n % 40:03d}"
        name = f"TRASPORTI {rng.choice(['ROSSI', 'VERDI', 'BIANCHI', 'NERI'])} {n:05d}"
        phone = frozenset({f"+39021{n:06d}"})
        found.append(dedupe.Entity.of(("row", 2 * n), name=name, istat=town, phones=phone))
        found.append(dedupe.Entity.of(("row", 2 * n + 1), name=name + " SRL", istat=town,
                                      phones=phone if n % 3 else frozenset()))  # fmt: skip
    return found


def test_a_batch_with_enough_pairs_gets_its_own_weights_and_a_small_one_the_defaults() -> None:
    small = dedupe.match(entities(20))
    assert small.model is dedupe.DEFAULT
    big = dedupe.match(entities(1_500))
    assert big.model.estimated and big.model is not dedupe.DEFAULT
    merged = {(p.a, p.b) for p in big.pairs if p.score >= dedupe.SURE}
    assert (("row", 2), ("row", 3)) in merged  # name, town and phone agree
    assert all(a[1] // 2 == b[1] // 2 for a, b in merged)  # never two companies
