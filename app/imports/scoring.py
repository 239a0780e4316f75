"""Scoring a pair of records: how likely they are one company, with the evidence.

Valid VAT numbers decide alone: equal, the same company; different, two companies, whatever
the names say (and two different valid tax codes, two companies). Every other pair is
compared field by field (rapidfuzz for names and streets) into levels, and the levels are
weighed by a Fellegi-Sunter model (``fellegi_sunter``): ``DEFAULT``, or one fitted to the
batch (``fitting``).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from rapidfuzz.utils import default_process

from app.imports.blocking import Entity
from app.imports.fellegi_sunter import MISSING, Levels, Model

# A pair's chance of being one company: at or above SURE it is merged; between UNSURE and
# SURE it goes to a person's review; under UNSURE it is dropped.
SURE = 0.99
UNSURE = 0.50

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


@dataclass(frozen=True)
class Pair:
    a: Hashable
    b: Hashable
    score: float
    reasons: tuple[str, ...]


def decided_by_identifiers(a: Entity, b: Entity) -> tuple[float, tuple[str, ...]] | None:
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
        # One of them fails its check digit (else ``decided_by_identifiers`` settled it): a
        # typo is one or two digits away; further apart, the numbers are likely two
        # companies'.
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
    settled = decided_by_identifiers(a, b)
    if settled is not None:
        return settled
    levels = compare(a, b)
    return model.probability(levels), reasons_of(levels)
