"""Grouping records into companies from their sure pairs (union-find), never joining two
different VAT numbers, two records held apart, or two stored accounts.

Why the last two: a chain of sure pairs can join what no pair of it says. A row giving
neither house number nor phone is surely either of two same-name neighbours, and joined
both into one company (a held pair stops a union unless the pair that makes it has an
identifier in common, ``IDENTIFYING``); a row with the VAT number of one account and the
address of another joined the two accounts, and then went to whichever was older, which
took the VAT number too (two accounts of one VAT number, when the accounts came from an
earlier chunk). A refused union leaves its pair to a person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable

from app.imports.blocking import Entity
from app.imports.scoring import SURE, Pair

Link = tuple[Hashable, Hashable]
# Identifiers that namesakes do not share: a sure pair with one joins clusters that a held
# pair keeps apart (a row giving both neighbours' phones says they are one company; the
# account then has a doubt on its address, ``combining.conflicts``). Not an email: two
# same-name companies may share one (a family's), and a row without house number or phone
# joined both.
IDENTIFYING = frozenset(("same_vat", "same_phone", "same_tax_code"))


class Clusters:
    """Union-find over sure pairs; a union is refused when it would join two VAT numbers,
    two records of a ``held`` pair or two ``stored`` accounts."""

    def __init__(
        self,
        entities: Iterable[Entity],
        held: Iterable[Link] = (),
        stored: Collection[Hashable] = (),
    ):
        self.parent: dict[Hashable, Hashable] = {}
        self.vats: dict[Hashable, set[str]] = {}  # only for clusters that have one
        for entity in entities:
            self.parent[entity.ref] = entity.ref
            if entity.vat:
                self.vats[entity.ref] = {entity.vat}
        # root -> the records its cluster may not be joined with (only for those that have)
        self.held: dict[Hashable, set[Hashable]] = defaultdict(set)
        for a, b in held:
            if a in self.parent and b in self.parent:
                self.held[a].add(b)
                self.held[b].add(a)
        self.stored = {ref for ref in stored if ref in self.parent}  # roots with one

    def find(self, ref: Hashable) -> Hashable:
        root = ref
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[ref] != root:
            self.parent[ref], ref = root, self.parent[ref]
        return root

    def union(self, a: Hashable, b: Hashable, *, identified: bool = False) -> bool:
        """Join the clusters of ``a`` and ``b``; False (and nothing done) when refused.
        ``identified``: the pair has an identifier in common, which a held pair of the two
        clusters does not stop."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        vats = self.vats.get(root_a, set()) | self.vats.get(root_b, set())
        if len(vats) > 1 or (root_a in self.stored and root_b in self.stored):
            return False
        if not identified and any(self.find(ref) == root_b for ref in self.held.get(root_a, ())):
            return False
        self.parent[root_b] = root_a
        self.vats.pop(root_b, None)
        if vats:
            self.vats[root_a] = vats
        if root_b in self.stored:
            self.stored.discard(root_b)
            self.stored.add(root_a)
        if root_b in self.held:
            self.held[root_a] |= self.held.pop(root_b)
        return True

    def groups(self) -> list[list[Hashable]]:
        found: dict[Hashable, list[Hashable]] = defaultdict(list)
        for ref in self.parent:
            found[self.find(ref)].append(ref)
        return list(found.values())


def cluster(
    entities: list[Entity],
    pairs: list[Pair],
    *,
    held: Iterable[Link] = (),
    stored: Collection[Hashable] = (),
) -> tuple[list[list[Hashable]], list[Pair]]:
    """Groups from the sure pairs (best first, and among equals those of one VAT number
    first: a record joins the account of its VAT number before one it only resembles), and
    the pairs left for review: the unsure ones and the sure ones refused (``Clusters``).
    ``held``: pairs never to be in one group, whatever their score; ``stored``: accounts
    that are not to be joined with each other (a person merges those)."""
    clusters = Clusters(entities, held, stored)
    review: list[Pair] = []
    for pair in sorted(pairs, key=lambda p: (-p.score, "same_vat" not in p.reasons)):
        if pair.score >= SURE:
            identified = not IDENTIFYING.isdisjoint(pair.reasons)
            if not clusters.union(pair.a, pair.b, identified=identified):
                review.append(pair)
        elif clusters.find(pair.a) != clusters.find(pair.b):
            review.append(pair)
    groups = clusters.groups()
    together = {ref: i for i, group in enumerate(groups) for ref in group}
    review = [p for p in review if together[p.a] != together[p.b]]
    return groups, review
