"""Finding the rows and accounts that are the same company: block, compare, score, cluster.

Comparing every pair is quadratic, so pairs are only formed inside *blocks*: rows sharing a
VAT number, a tax code, a phone number, a significant name word in the same municipality,
or a postcode and the first letters of the name. Valid VAT numbers decide alone: equal,
the same company; different, two companies, whatever the names say (and two different
valid tax codes, two companies). Every other pair is compared field by field (rapidfuzz
for names and streets) into levels, and the levels are weighed by a Fellegi-Sunter model
(``fellegi_sunter``) whose parameters are estimated on the batch itself when it gives
enough pairs, so that the weights fit the file (``DEFAULT`` otherwise). Pairs whose chance
of being one company is at or above ``SURE`` are merged; pairs between ``UNSURE`` and
``SURE`` go to a person's review. Clusters are built from the sure pairs (union-find), and
never join two different VAT numbers.
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, combinations, product

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from rapidfuzz.utils import default_process

from app.imports.fellegi_sunter import MISSING, Levels, Model, estimate, estimate_u

SURE = 0.99
UNSURE = 0.50
MAX_BLOCK = 200  # a block this big is a common word or a switchboard: skipped as a key
# A name word, two name words, or a postcode with a name's first letters, shared by more
# rows than this in a town is too common to compare on (the Rossi of Rome): at a million
# rows such blocks made every row meet hundreds of accounts. A single word is held
# tightest: it is there for a typo in the other word; the two longest words together are
# rare even where each alone is common. An email shared by more than 25 companies is a
# trade's or an accountant's, not an identifier. The same company is still found by its
# phone or VAT number.
WEAK_BLOCKS = {"word": 10, "words": 25, "cap": 25, "mail": 25}
# Words too common to block on: articles, kinship, legal forms, the trade itself.
STOPWORDS = frozenset(
    ("di", "del", "della", "dei", "degli", "delle", "e", "ed", "c", "f", "lli", "fratelli",
     "figli", "snc", "sas", "srl", "spa", "trasporti", "autotrasporti", "trasporto",
     "autotrasporto", "logistica", "servizi", "ditta", "soc", "societa")
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")

# The comparisons, each with its levels (0 = disagree, higher = closer).
COMPARISONS = ("name", "phone", "vat_written", "municipality", "postcode", "street",
               "house_number", "email", "tax_code")  # fmt: skip
# Used when a batch gives too few pairs to estimate its own (a file of a few hundred rows):
# the estimate on a generated customer base of 20,000 rows (``make_dirty_accounts.py``,
# seed 7), each m softened to at least a few per cent, since real files are less regular
# than generated ones. Order: ``COMPARISONS``, levels from "disagree" up.
DEFAULT = Model(
    m=((0.03, 0.05, 0.12, 0.80), (0.05, 0.95), (0.02, 0.05, 0.93), (0.03, 0.97),
       (0.05, 0.95), (0.05, 0.05, 0.90), (0.10, 0.90), (0.05, 0.95), (0.01, 0.99)),
    u=((0.55, 0.22, 0.05, 0.18), (0.9999, 0.0001), (0.9998, 0.0001, 0.0001), (0.92, 0.08),
       (0.39, 0.61), (0.967, 0.020, 0.013), (0.997, 0.003), (0.20, 0.80), (0.9999, 0.0001)),
    prior=0.03,
)  # fmt: skip
MIN_PAIRS = 400  # fewer compared pairs than this: the defaults, not an estimate
MIN_APART = 200  # candidate pairs known to be two companies, enough to count u on
_IDENTIFIERS = (COMPARISONS.index("phone"), COMPARISONS.index("vat_written"))
RANDOM_PAIRS = 20_000  # pairs drawn to count u


@dataclass(frozen=True, slots=True)
class Entity:
    """What de-duplication compares of a row or an account. Compact (slots, shared
    strings): a million-row batch keeps the entities of all the accounts it wrote."""

    ref: Hashable  # ("account", id) or ("row", number)
    name: str  # without its legal form
    vat: str | None = None
    tax_code: str | None = None
    phones: tuple[str, ...] = ()  # distinct, sorted
    istat: str | None = None
    postcode: str | None = None
    street: str | None = None
    house_number: str | None = None
    email: str | None = None
    vat_written: str | None = None  # the VAT number's digits as written, even if invalid
    words: tuple[str, ...] = field(default=(), compare=False)  # distinct, sorted

    @classmethod
    def of(cls, ref: Hashable, **values: object) -> Entity:
        name = str(values.pop("name", "") or "")
        words = tuple(
            sorted({sys.intern(w) for w in _WORD.findall(name.lower()) if w not in STOPWORDS})
        )
        for shared in ("istat", "postcode"):  # a few thousand values for a million rows
            if isinstance(values.get(shared), str):
                values[shared] = sys.intern(values[shared])  # type: ignore[arg-type]
        values["phones"] = tuple(sorted(set(values.get("phones") or ())))  # type: ignore[call-overload]
        if values.get("vat_written") == values.get("vat"):  # one string, not two alike
            values["vat_written"] = values.get("vat")
        return cls(ref=ref, name=name, words=words, **values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Pair:
    a: Hashable
    b: Hashable
    score: float
    reasons: tuple[str, ...]


def block_limit(key: str) -> int:
    """The most rows a block may hold and still be compared on."""
    return WEAK_BLOCKS.get(key.partition(":")[0], MAX_BLOCK)


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
        words = sorted((w for w in entity.words if len(w) > 2), key=lambda w: (-len(w), w))
        keys |= {f"word:{place}:{word}" for word in words}
        if len(words) > 1:  # the two longest words together: rare even where each is common
            keys.add(f"words:{place}:{':'.join(sorted(words[:2]))}")
    if entity.postcode and entity.name:
        keys.add(f"cap:{entity.postcode}:{entity.name[:4].lower()}")
    return keys


def _decided(a: Entity, b: Entity) -> tuple[float, tuple[str, ...]] | None:
    """Identifiers that settle the question alone, whatever else the records say."""
    if a.vat and b.vat:
        return (1.0, ("same_vat",)) if a.vat == b.vat else (0.0, ("different_vat",))
    if a.tax_code and b.tax_code and a.tax_code != b.tax_code:
        return 0.0, ("different_tax_code",)
    return None


def _ratio(a: str, b: str) -> float:
    # default_process: case and punctuation do not count (a stored account may not have
    # been through the import's cleaning).
    return fuzz.token_sort_ratio(a, b, processor=default_process)


def compare(a: Entity, b: Entity) -> Levels:
    """The pair's level for each of ``COMPARISONS`` (``MISSING`` when a side lacks it)."""
    name = street = vat = MISSING
    if a.name and b.name:
        ratio = _ratio(a.name, b.name)
        name = 3 if ratio >= 97 else 2 if ratio >= 90 else 1 if ratio >= 75 else 0
    if a.street and b.street:
        ratio = _ratio(a.street, b.street)
        street = 2 if ratio >= 90 else 1 if ratio >= 70 else 0
    if a.vat_written and b.vat_written:
        # One of them fails its check digit (else ``_decided`` settled it): a typo is one
        # or two digits away; further apart, the numbers are likely two companies'.
        apart = Levenshtein.distance(a.vat_written.zfill(11), b.vat_written.zfill(11))
        vat = 2 if apart == 0 else 1 if apart <= 2 else 0
    return (
        name,
        int(not set(a.phones).isdisjoint(b.phones)) if a.phones and b.phones else MISSING,
        vat,
        int(a.istat == b.istat) if a.istat and b.istat else MISSING,
        int(a.postcode == b.postcode) if a.postcode and b.postcode else MISSING,
        street,
        int(a.house_number.lower() == b.house_number.lower())
        if a.house_number and b.house_number
        else MISSING,
        int(a.email == b.email) if a.email and b.email else MISSING,
        int(a.tax_code == b.tax_code) if a.tax_code and b.tax_code else MISSING,
    )


def reasons_of(levels: Levels) -> tuple[str, ...]:
    """The evidence a person reads on the review screen."""
    name, phone, vat, place, postcode, street, house, email, tax = levels
    found = [
        ("same_tax_code", tax == 1),
        ("same_phone", phone == 1),
        ("same_email", email == 1),
        ("same_municipality", place == 1),
        ("different_municipality", place == 0),
        ("same_postcode", postcode == 1),
        ("same_street", street == 2 and house != 0),
        ("different_vat_written", vat == 0),
        ("similar_name", name >= 2),
    ]
    return tuple(reason for reason, present in found if present)


def score(a: Entity, b: Entity, model: Model = DEFAULT) -> tuple[float, tuple[str, ...]]:
    """How likely ``a`` and ``b`` are one company, 0-1, with the evidence."""
    decided = _decided(a, b)
    if decided is not None:
        return decided
    levels = compare(a, b)
    return model.probability(levels), reasons_of(levels)


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


@dataclass
class Matching:
    pairs: list[Pair]  # at or above UNSURE
    model: Model  # the one that scored them


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
    # Blocks hold the new entities (rows) and, beside them, the stored accounts sharing one
    # of their keys; only pairs with a new entity are formed. Pairing stored accounts with
    # each other was most of the work at a million rows, and all of it thrown away.
    fresh: dict[str, list[Entity]] = defaultdict(list)
    old: dict[str, list[Entity]] = defaultdict(list)
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
    # A pair is known by its two positions in ``entities``, the earlier one first.
    position = {id(entity): n for n, entity in enumerate(entities)}
    seen: set[tuple[int, int]] = set()
    decided: list[Pair] = []
    apart: list[Levels] = []  # known to be two companies: counted to estimate u
    compared: list[tuple[Hashable, Hashable, Levels]] = []
    for key, news in fresh.items():
        olds = old.get(key, ())
        size = len(news) + len(olds)
        if size < 2 or size > block_limit(key) or key in crowded:
            continue
        for a, b in chain(combinations(news, 2), product(news, olds)):
            i, j = position[id(a)], position[id(b)]
            if i > j:
                a, b, i, j = b, a, j, i
            if (i, j) in seen:
                continue
            seen.add((i, j))
            refs = (a.ref, b.ref)
            settled = _decided(a, b)
            if settled is None:
                compared.append((*refs, compare(a, b)))
            elif settled[0] >= UNSURE:
                decided.append(Pair(*refs, *settled))
            elif model is None:
                apart.append(compare(a, b))
    if model is None:
        model = fit(entities, Counter(levels for _, _, levels in compared), apart)
    else:
        model = model.for_population(population or len(entities))
    pairs = decided
    for a_ref, b_ref, levels in compared:
        value = model.probability(levels)
        if value >= UNSURE:
            pairs.append(Pair(a_ref, b_ref, round(value, 4), reasons_of(levels)))
    return Matching(pairs, model)


def candidate_pairs(
    entities: Iterable[Entity], *, model: Model = DEFAULT, **options: object
) -> list[Pair]:
    """``match``'s pairs, scored by a given model (the defaults unless told)."""
    return match(list(entities), model=model, **options).pairs  # type: ignore[arg-type]


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
