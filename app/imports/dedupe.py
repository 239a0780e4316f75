"""Finding the rows and accounts that are the same company: block, compare, score, cluster.

Pairs are only formed inside blocks (``blocking``): records sharing an identifier or a
significant part of their name and place. Each pair is scored (``scoring``) by a
Fellegi-Sunter model whose parameters are estimated on the batch itself when it gives enough
pairs (``fitting``), ``scoring.DEFAULT`` otherwise. Pairs whose chance of being one company
is at or above ``SURE`` are merged; pairs between ``UNSURE`` and ``SURE`` go to a person's
review. Clusters are built from the sure pairs (``clustering``), and never join two
different VAT numbers, nor, by way of a third record, two records whose pair is *held*
(evidence against it that no identifier outweighs, ``scoring.held``) unless an identifier
joins them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, combinations, product

from app.imports.blocking import Entity, block_keys, block_limit
from app.imports.fellegi_sunter import Levels, Model
from app.imports.fitting import fit
from app.imports.scoring import (
    DEFAULT,
    HELD,
    NOTHING_ELSE,
    SURE,
    UNSURE,
    Pair,
    compare,
    decided_by_identifiers,
    held,
    reasons_of,
)

Blocks = dict[str, list[Entity]]  # block key -> its entities
Link = tuple[Hashable, Hashable]
# A block of one VAT number over its limit (a fleet file, a row a vehicle) is still
# compared: each row with the few before it, not with all, since the number decides.
VAT_CHAIN = 3


@dataclass
class Matching:
    pairs: list[Pair]  # at or above UNSURE
    model: Model  # the one that scored them
    # Pairs never to be joined, whatever their score (``scoring.held``), among the records
    # some sure pair reaches (the others cannot be joined anyway)
    held: list[Link] = field(default_factory=list)


def match(
    entities: list[Entity],
    *,
    model: Model | None = None,
    crowded: Collection[str] = (),
    keys_of: Mapping[Hashable, set[str]] | None = None,
    stored: Collection[Hashable] = (),
    population: int | None = None,
) -> Matching:
    """Every pair sharing a block, compared and scored by ``model`` (estimated here from
    these pairs when None); pairs under ``UNSURE`` are dropped. Keys in ``crowded`` (too
    common elsewhere) and blocks over their ``block_limit`` are skipped; two ``stored`` accounts
    are not paired (a person merges those, not an import); ``keys_of`` gives keys already
    computed (for a stored account, the keys it may join a block by); ``population``: how
    many records the pairs are drawn from, for a model whose prior is per random pair
    (``Model.for_population``), ``entities`` alone when not given."""
    fresh, old = _blocks(entities, keys_of, stored)
    found = _candidates(entities, fresh, old, crowded, count_apart=model is None)
    if model is None:
        model = fit(entities, Counter(levels for _, _, levels in found.compared), found.apart)
    else:
        model = model.for_population(population or len(entities))
    pairs = found.decided
    kept_apart = found.held
    for a_ref, b_ref, levels in found.compared:
        value = model.probability(levels)
        if held(levels):  # as ``scoring.weigh``
            value = min(value, HELD)
            kept_apart.append((a_ref, b_ref))
        if value >= UNSURE:
            pairs.append(Pair(a_ref, b_ref, round(value, 4), reasons_of(levels)))
    reached = {ref for pair in pairs if pair.score >= SURE for ref in (pair.a, pair.b)}
    kept_apart = [(a, b) for a, b in kept_apart if a in reached and b in reached]
    return Matching(pairs, model, kept_apart)


def _blocks(
    entities: list[Entity],
    keys_of: Mapping[Hashable, set[str]] | None,
    stored: Collection[Hashable],
) -> tuple[Blocks, Blocks]:
    """The blocks of the new entities (rows) and, beside them, the stored accounts sharing
    one of their keys. Only pairs with a new entity are formed: pairing stored accounts
    with each other was most of the work at a million rows, and all of it thrown away."""
    fresh: Blocks = defaultdict(list)
    old: Blocks = defaultdict(list)
    later = []
    for entity in entities:
        if entity.ref in stored:
            later.append(entity)
            continue
        keys = keys_of.get(entity.ref) if keys_of is not None else None
        for key in block_keys(entity) if keys is None else keys:
            fresh[key].append(entity)
    for entity in later:
        keys = keys_of.get(entity.ref) if keys_of is not None else None
        for key in block_keys(entity) if keys is None else keys:
            if key in fresh:
                old[key].append(entity)
    return fresh, old


@dataclass
class _Candidates:
    decided: list[Pair] = field(default_factory=list)  # one company by their identifiers
    apart: list[Levels] = field(default_factory=list)  # two companies: counted to estimate u
    compared: list[tuple[Hashable, Hashable, Levels]] = field(default_factory=list)
    held: list[Link] = field(default_factory=list)  # a VAT number and nothing else in common


def _candidates(
    entities: list[Entity],
    fresh: Blocks,
    old: Blocks,
    crowded: Collection[str],
    *,
    count_apart: bool,
) -> _Candidates:
    """Each pair of a block once, settled by its identifiers or compared field by field;
    blocks too big (but one VAT number's) or ``crowded`` are skipped."""
    # A pair is known by its two positions in ``entities``, the earlier one first.
    position = {id(entity): n for n, entity in enumerate(entities)}
    seen: set[tuple[int, int]] = set()
    found = _Candidates()
    for key, news in fresh.items():
        olds = old.get(key, ())
        size = len(news) + len(olds)
        if size < 2 or key in crowded:
            continue
        if size <= block_limit(key):
            among: Iterable[tuple[Entity, Entity]] = combinations(news, 2)
        elif key.startswith("vat:"):
            among = _chained(news)
        else:
            continue
        for a, b in chain(among, product(news, olds)):
            i, j = position[id(a)], position[id(b)]
            if i > j:
                a, b, i, j = b, a, j, i
            if (i, j) in seen:
                continue
            seen.add((i, j))
            refs = (a.ref, b.ref)
            settled = decided_by_identifiers(a, b)
            if settled is None:
                found.compared.append((*refs, compare(a, b)))
            elif settled[0] >= UNSURE:
                found.decided.append(Pair(*refs, *settled))
                if NOTHING_ELSE in settled[1]:
                    found.held.append(refs)
            elif count_apart:
                found.apart.append(compare(a, b))
    return found


def _chained(block: list[Entity]) -> Iterable[tuple[Entity, Entity]]:
    """Each record with the ``VAT_CHAIN`` before it: linear in the block, and one row
    that is a person's (``NOTHING_ELSE``) does not break the chain."""
    for i, b in enumerate(block):
        for a in block[max(0, i - VAT_CHAIN) : i]:
            yield a, b


def candidate_pairs(
    entities: Iterable[Entity], *, model: Model = DEFAULT, **options: object
) -> list[Pair]:
    """``match``'s pairs, scored by a given model (the defaults unless told)."""
    return match(list(entities), model=model, **options).pairs  # type: ignore[arg-type]
