"""Grouping records into companies from their sure pairs (union-find), never joining two
different VAT numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable

from app.imports.blocking import Entity
from app.imports.scoring import SURE, Pair


class Clusters:
    """Union-find over sure pairs; a union that would join two VAT numbers is refused."""

    def __init__(self, entities: Iterable[Entity]):
        self.parent: dict[Hashable, Hashable] = {}
        self.vats: dict[Hashable, set[str]] = {}  # only for clusters that have one
        for entity in entities:
            self.parent[entity.ref] = entity.ref
            if entity.vat:
                self.vats[entity.ref] = {entity.vat}

    def find(self, ref: Hashable) -> Hashable:
        root = ref
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[ref] != root:
            self.parent[ref], ref = root, self.parent[ref]
        return root

    def union(self, a: Hashable, b: Hashable) -> bool:
        """Join the clusters of ``a`` and ``b``; False (and nothing done) on a VAT clash."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        vats = self.vats.get(root_a, set()) | self.vats.get(root_b, set())
        if len(vats) > 1:
            return False
        self.parent[root_b] = root_a
        self.vats.pop(root_b, None)
        if vats:
            self.vats[root_a] = vats
        return True

    def groups(self) -> list[list[Hashable]]:
        found: dict[Hashable, list[Hashable]] = defaultdict(list)
        for ref in self.parent:
            found[self.find(ref)].append(ref)
        return list(found.values())


def cluster(entities: list[Entity], pairs: list[Pair]) -> tuple[list[list[Hashable]], list[Pair]]:
    """Groups from the sure pairs (best first), and the pairs left for review: the unsure
    ones and the sure ones refused by a VAT clash."""
    clusters = Clusters(entities)
    review: list[Pair] = []
    for pair in sorted(pairs, key=lambda p: -p.score):
        if pair.score >= SURE:
            if not clusters.union(pair.a, pair.b):
                review.append(pair)
        elif clusters.find(pair.a) != clusters.find(pair.b):
            review.append(pair)
    groups = clusters.groups()
    together = {ref: i for i, group in enumerate(groups) for ref in group}
    review = [p for p in review if together[p.a] != together[p.b]]
    return groups, review
