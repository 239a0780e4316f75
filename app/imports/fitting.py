"""Fitting the Fellegi-Sunter model to a batch, so that the weights fit the file.

A batch that gives enough candidate pairs gets its own estimate; a smaller one, or one
whose estimate would take namesakes for duplicates, is weighed by ``scoring.DEFAULT``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection

from app.imports.blocking import Entity
from app.imports.fellegi_sunter import MISSING, Levels, Model, estimate, estimate_u
from app.imports.scoring import COMPARISONS, DEFAULT, compare

MIN_PAIRS = 400  # fewer compared pairs than this: the defaults, not an estimate
MIN_APART = 200  # candidate pairs known to be two companies, enough to count u on
_IDENTIFIERS = (COMPARISONS.index("phone"), COMPARISONS.index("vat_written"))
RANDOM_PAIRS = 20_000  # pairs drawn to count u


def fit(
    entities: list[Entity],
    patterns: Counter[Levels],
    apart: Collection[Levels] = (),
    seed: int = 0,
) -> Model:
    """The model estimated on ``entities`` and their candidate pairs' ``patterns``;
    ``DEFAULT`` when they are too few to estimate from.

    ``u`` must tell how often two *different* companies brought together by blocking agree
    on each field. It is fixed first, then held while EM finds ``m`` and the prior:

    - counted on ``apart``, the candidate pairs known to be two companies (two different
      valid VAT numbers or tax codes), when there are ``MIN_APART`` of them, as in most
      company files: they tell how often two companies of one block share a name word, a
      town, a street or an email (an accountant's, a group's). The VAT numbers and tax
      codes as written are counted on random pairs (``apart`` always differ there);
    - else on random pairs, as splink does (a file without VAT numbers, FEBRL's people),
      and the prior is then the chance of a random pair, not the share of duplicates
      among the candidates, so that agreeing on the block's own field is not counted
      twice (``Model.for_population``). That model is kept only if the duplicates it
      finds share their phone (and VAT number as written) more often than not: where
      namesakes share a name, a town and an email, random pairs make them look like one
      company, and its "duplicates" are then the namesakes. The defaults are used instead.

    Why not EM on ``u`` too: where most candidates are duplicates, EM settled on "same
    identifier" as the whole of being one company and took every duplicate whose
    identifier changed for two companies; on a file without VAT numbers it took the
    namesakes of a town for one company (one account of 11,876 rows out of 20,000)."""
    if sum(patterns.values()) < MIN_PAIRS or len(entities) < 100:
        return DEFAULT
    draw = random.Random(seed)  # noqa: S311  # nosec B311 # a sample, not a secret
    n = len(entities)
    randoms = []
    for _ in range(RANDOM_PAIRS):
        a, b = entities[draw.randrange(n)], entities[draw.randrange(n)]
        if a is not b:
            randoms.append(compare(a, b))
    sizes = [len(row) for row in DEFAULT.m]
    u = estimate_u(randoms, sizes)
    if len(apart) >= MIN_APART:
        known = estimate_u(apart, sizes)
        written = {COMPARISONS.index("vat_written"), COMPARISONS.index("tax_code")}
        u = tuple(u[k] if k in written else known[k] for k in range(len(sizes)))
        return estimate(patterns, Model(DEFAULT.m, u, DEFAULT.prior, u_from="apart"), held_u=True)
    found = estimate(patterns, Model(DEFAULT.m, u, DEFAULT.prior, u_from="random"), held_u=True)
    if any(found.m[k][-1] < 0.5 for k in _IDENTIFIERS if _present(patterns, k)):
        return DEFAULT  # its "duplicates" do not share their phones: namesakes
    # The duplicates among the candidates are about all the duplicates among the records.
    prior = found.prior * sum(patterns.values()) / (n * (n - 1) / 2)
    return Model(found.m, found.u, prior, True, population=n, u_from="random")


def _present(patterns: Counter[Levels], k: int) -> bool:
    """Whether comparison ``k`` was made on enough candidate pairs to be estimated."""
    return sum(count for levels, count in patterns.items() if levels[k] != MISSING) >= 100
