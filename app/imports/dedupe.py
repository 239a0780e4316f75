"""Finding the rows and accounts that are the same company: block, score, cluster.

Comparing every pair is quadratic, so pairs are only formed inside *blocks*: rows sharing a
VAT number, a tax code, a phone number, a significant name word in the same municipality,
or a postcode and the first letters of the name. Each pair is then scored field by field
(rapidfuzz for the names and streets). Valid VAT numbers decide alone: equal, the same
company; different, two companies, whatever the names say. Pairs at or above ``SURE`` are
merged; pairs between ``UNSURE`` and ``SURE`` go to a person's review. Clusters are built
from the sure pairs (union-find), and never join two different VAT numbers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from rapidfuzz.utils import default_process

SURE = 0.90
UNSURE = 0.70
MAX_BLOCK = 200  # a block this big is a common word or a switchboard: skipped as a key
# Words too common to block on: articles, kinship, legal forms, the trade itself.
STOPWORDS = frozenset(
    ("di", "del", "della", "dei", "degli", "delle", "e", "ed", "c", "f", "lli", "fratelli",
     "figli", "snc", "sas", "srl", "spa", "trasporti", "autotrasporti", "trasporto",
     "autotrasporto", "logistica", "servizi", "ditta", "soc", "societa")
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Entity:
    """What de-duplication compares of a row or an account."""

    ref: Hashable  # ("account", id) or ("row", number)
    name: str  # without its legal form
    vat: str | None = None
    tax_code: str | None = None
    phones: frozenset[str] = frozenset()
    istat: str | None = None
    postcode: str | None = None
    street: str | None = None
    house_number: str | None = None
    email: str | None = None
    vat_written: str | None = None  # the VAT number's digits as written, even if invalid
    words: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def of(cls, ref: Hashable, **values: object) -> Entity:
        name = str(values.pop("name", "") or "")
        words = frozenset(w for w in _WORD.findall(name.lower()) if w not in STOPWORDS)
        return cls(ref=ref, name=name, words=words, **values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Pair:
    a: Hashable
    b: Hashable
    score: float
    reasons: tuple[str, ...]


def block_keys(entity: Entity) -> set[str]:
    keys: set[str] = set()
    if entity.vat:
        keys.add(f"vat:{entity.vat}")
    if entity.tax_code:
        keys.add(f"cf:{entity.tax_code}")
    keys |= {f"tel:{phone}" for phone in entity.phones}
    if entity.email:
        keys.add(f"mail:{entity.email}")
    place = entity.istat or entity.postcode
    if place:
        keys |= {f"word:{place}:{word}" for word in entity.words if len(word) > 2}
    if entity.postcode and entity.name:
        keys.add(f"cap:{entity.postcode}:{entity.name[:4].lower()}")
    return keys


def score(a: Entity, b: Entity) -> tuple[float, tuple[str, ...]]:
    """How likely ``a`` and ``b`` are one company, 0-1, with the evidence."""
    if a.vat and b.vat:
        return (1.0, ("same_vat",)) if a.vat == b.vat else (0.0, ("different_vat",))
    if a.tax_code and b.tax_code and a.tax_code != b.tax_code:
        return 0.0, ("different_tax_code",)
    reasons: list[str] = []
    penalty = 0.0
    if a.vat_written and b.vat_written:
        # One of them fails its check digit: a typo is one or two digits away; further
        # apart, the numbers belong to two companies.
        apart = Levenshtein.distance(a.vat_written.zfill(11), b.vat_written.zfill(11))
        if apart >= 3:
            penalty = 0.5
            reasons.append("different_vat_written")
    # default_process: case and punctuation do not count (a stored account may not have
    # been through the import's cleaning).
    name = fuzz.token_sort_ratio(a.name, b.name, processor=default_process) / 100
    total = 0.55 * name
    if a.tax_code and a.tax_code == b.tax_code:
        total += 0.45
        reasons.append("same_tax_code")
    if a.phones & b.phones:
        total += 0.40
        reasons.append("same_phone")
    if a.email and a.email == b.email:
        total += 0.30
        reasons.append("same_email")
    if a.istat and b.istat:
        if a.istat == b.istat:
            total += 0.15
            reasons.append("same_municipality")
        else:
            total -= 0.25
            reasons.append("different_municipality")
    elif a.postcode and a.postcode == b.postcode:
        total += 0.10
        reasons.append("same_postcode")
    if a.street and b.street:
        street = fuzz.token_sort_ratio(
            f"{a.street} {a.house_number or ''}",
            f"{b.street} {b.house_number or ''}",
            processor=default_process,
        )
        if street >= 90:
            total += 0.15
            reasons.append("same_street")
    if name >= 0.9:
        reasons.append("similar_name")
    return max(0.0, min(1.0, total - penalty)), tuple(reasons)


def candidate_pairs(
    entities: Iterable[Entity],
    *,
    crowded: Collection[str] = (),
    keys_of: Mapping[Hashable, set[str]] | None = None,
    stored: Collection[Hashable] = (),
) -> list[Pair]:
    """Every pair sharing a block, scored; pairs under ``UNSURE`` are dropped. Keys in
    ``crowded`` (too common elsewhere) and blocks over ``MAX_BLOCK`` are skipped; two
    ``stored`` accounts are not paired (a person merges those, not an import);
    ``keys_of`` gives keys already computed."""
    blocks: dict[str, list[Entity]] = defaultdict(list)
    for entity in entities:
        keys = keys_of.get(entity.ref) if keys_of is not None else None
        for key in block_keys(entity) if keys is None else keys:
            blocks[key].append(entity)
    seen: set[tuple[Hashable, Hashable]] = set()
    pairs: list[Pair] = []
    for key, members in blocks.items():
        if len(members) < 2 or len(members) > MAX_BLOCK or key in crowded:
            continue
        for a, b in combinations(members, 2):
            if a.ref in stored and b.ref in stored:
                continue
            key_ = (a.ref, b.ref) if repr(a.ref) < repr(b.ref) else (b.ref, a.ref)
            if key_ in seen:
                continue
            seen.add(key_)
            value, reasons = score(a, b)
            if value >= UNSURE:
                pairs.append(Pair(key_[0], key_[1], round(value, 3), reasons))
    return pairs


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
