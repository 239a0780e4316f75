"""The Fellegi-Sunter model: weights, and EM recovering known parameters."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from stdnum import luhn

from app.imports import dedupe
from app.imports.blocking import Entity
from app.imports.fellegi_sunter import MISSING, Model, estimate, estimate_u
from app.imports.scoring import COMPARISONS, DEFAULT, SURE

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


def entities(count: int) -> list[Entity]:
    """Companies in a few towns, each written twice with small differences."""
    rng = random.Random(5)
    found = []
    for n in range(count):
        town = f"015{n % 40:03d}"
        name = f"TRASPORTI {rng.choice(['ROSSI', 'VERDI', 'BIANCHI', 'NERI'])} {n:05d}"
        phone = frozenset({f"+39021{n:06d}"})
        found.append(Entity.of(("row", 2 * n), name=name, istat=town, phones=phone))
        found.append(Entity.of(("row", 2 * n + 1), name=name + " SRL", istat=town,
                                      phones=phone if n % 3 else frozenset()))  # fmt: skip
    return found


def test_a_batch_with_enough_pairs_gets_its_own_weights_and_a_small_one_the_defaults() -> None:
    small = dedupe.match(entities(20))
    assert small.model is DEFAULT
    big = dedupe.match(entities(1_500))
    assert big.model.estimated and big.model is not DEFAULT
    merged = {(p.a, p.b) for p in big.pairs if p.score >= SURE}
    assert (("row", 2), ("row", 3)) in merged  # name, town and phone agree
    assert all(a[1] // 2 == b[1] // 2 for a, b in merged)  # never two companies


def vat(n: int) -> str:
    body = f"{n:010d}"
    return body + luhn.calc_check_digit(body)


FAMILIES = [a + b for a in ("ROSS", "VERD", "BIANCH", "NER", "GALL", "FERR")
            for b in ("I", "ONI", "ETTI", "INI", "ELLI")]  # fmt: skip


def namesakes(count: int, *, vats: bool) -> list[Entity]:
    """Companies named after 30 families in 5 towns, so that a town holds a few namesakes
    sharing a name and an email (their accountant's); each company is written twice, the
    second time without its VAT number, with its phone and street."""
    rng = random.Random(11)
    found = []
    for n in range(count):
        family, town = rng.choice(FAMILIES), f"015{n % 5:03d}"
        values = {
            "name": f"AUTOTRASPORTI {family}",
            "istat": town,
            "phones": frozenset({f"+39021{n:06d}"}),
            "street": f"VIA {rng.choice(FAMILIES)} {rng.choice(['ROMA', 'PO', 'DANTE'])}",
            "house_number": str(n + 1),
            "email": f"studio.{family.lower()}.{town}@example.it",
        }
        first = {**values, "vat": vat(n + 1)} if vats else values
        found.append(Entity.of(("row", 2 * n), **first))
        found.append(Entity.of(("row", 2 * n + 1), **values))
    return found


def merged_companies(found: dedupe.Matching) -> set[tuple[int, int]]:
    return {(p.a[1] // 2, p.b[1] // 2) for p in found.pairs if p.score >= SURE}


def test_u_is_counted_on_the_candidates_known_to_be_two_companies() -> None:
    found = dedupe.match(namesakes(600, vats=True))
    assert found.model.u_from == "apart"
    email = COMPARISONS.index("email")
    assert found.model.u[email][1] > 0.1  # namesakes share their accountant's email
    merged = merged_companies(found)
    assert all(a == b for a, b in merged) and len(merged) > 550


def test_without_vat_numbers_namesakes_are_not_taken_for_one_company() -> None:
    # EM on u as well took the namesakes of a town for one company (one account of
    # 11,876 rows out of 20,000 generated rows without VAT numbers); u from random pairs
    # makes sharing a name, a town and an email look like one company, and the fit then
    # calls "duplicates" pairs that do not share their phone: the defaults are used.
    found = dedupe.match(namesakes(600, vats=False))
    assert found.model is DEFAULT
    merged = merged_companies(found)
    assert all(a == b for a, b in merged) and len(merged) > 550


def test_where_candidates_are_mostly_duplicates_u_comes_from_random_pairs() -> None:
    rows = entities(1_500)  # each company twice, no namesakes: candidates are duplicates
    found = dedupe.match(rows)
    model = found.model
    assert model.u_from == "random" and model.population == len(rows)
    assert model.prior < 0.01  # the chance of a random pair, not of a candidate
    bigger = model.for_population(10 * len(rows))
    assert bigger.prior == pytest.approx(model.prior / 10) and bigger.m == model.m
    assert DEFAULT.for_population(10**6) is DEFAULT  # a candidates' prior
