"""Scoring a pair of records: how likely they are one company, with the evidence.

Valid VAT numbers decide alone: equal, the same company; different, two companies, whatever
the names say (and two different valid tax codes, two companies); but rows sharing a VAT
number and disagreeing on everything else (a number typed into the wrong row) wait for a
person. Every other pair is compared field by field (rapidfuzz for names and streets) into
levels, and the levels are weighed by a Fellegi-Sunter model (``fellegi_sunter``):
``DEFAULT``, or one fitted to the batch (``fitting``).

Weights alone do not keep same-name neighbours apart: a model fitted on a file full of
namesakes takes them for duplicates, and the name, the comune and the street agreeing then
outweigh another house number and another phone. So a different house number, phone or
postcode *holds* a pair back from a silent merge unless an identifier (a phone, the VAT
number as written, the tax code) agrees: its chance is at most ``HELD``, and it is never
joined by way of a third record either (``clustering``).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from rapidfuzz.utils import default_process

from app.imports.blocking import INVALID_PHONE, Entity
from app.imports.fellegi_sunter import MISSING, Levels, Model

# A pair's chance of being one company: at or above SURE it is merged; between UNSURE and
# SURE it goes to a person's review; under UNSURE it is dropped.
SURE = 0.99
UNSURE = 0.50
# The most a held pair (evidence against, no identifier in common) may score: a person's.
HELD = 0.98
# Evidence against one company: held unless an identifier agrees (``held``).
AGAINST = ("different_house_number", "different_phone", "different_postcode")
NOTHING_ELSE = "same_vat_nothing_else_agrees"
# The trade a haulier's name says beside the blocking's stopwords ("autotrasporti",
# "logistica"...): shared by thousands of names, they make two names alike, not one.
TRADE_WORDS = frozenset(
    ("movimento", "terra", "frigoriferi", "spedizioni", "group", "autolinee", "conto",
     "terzi", "cooperativa", "autotrasportatori", "inerti", "transport", "trasp", "autotrasp",
     "trasportatori", "internazionali", "express", "cargo")
)  # fmt: skip

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
    """Identifiers that settle the question alone, whatever else the records say; except
    a VAT number shared by records that disagree on everything else: a person's."""
    if a.vat and b.vat:
        if a.vat != b.vat:
            return 0.0, ("different_vat",)
        if nothing_else_agrees(a, b):
            return UNSURE, (NOTHING_ELSE,)
        return 1.0, ("same_vat",)
    if a.tax_code and b.tax_code and a.tax_code != b.tax_code:
        return 0.0, ("different_tax_code",)
    return None


def nothing_else_agrees(a: Entity, b: Entity) -> bool:
    """Another name (not even one within the other: "ROSSI" is "AUTOTRASPORTI ROSSI"), and
    another comune, phone, postcode or street, and nothing in common; a street of the same
    name in another comune is not in common (the same few names, Via Roma, Via Dante, are
    in every comune). A record that only gives a name and the VAT number (a financing
    file) disagrees on nothing else."""
    mark_a, mark_b = _distinctive(a), _distinctive(b)
    if not (mark_a and mark_b) or fuzz.token_set_ratio(mark_a, mark_b) >= 75:
        return False
    _, phone, _, place, postcode, street, _, email, tax = compare(a, b)
    if place == 0:  # "Via Dante" in another comune is another street
        street = 0 if street != MISSING else street
    if 1 in (phone, place, postcode, email, tax) or street >= 1:
        return False
    return 0 in (phone, place, postcode, street)


def _distinctive(entity: Entity) -> str:
    """The words of a name that tell one haulier from another: "DE SANTIS" of "DE SANTIS
    MOVIMENTO TERRA", since "MOVIMENTO TERRA ORLANDO" shares its trade, not its name."""
    return " ".join(word for word in entity.words if word not in TRADE_WORDS)


def _ratio(a: str, b: str) -> float:
    # default_process: case and punctuation do not count (a stored account may not have
    # been through the import's cleaning).
    return fuzz.token_sort_ratio(a, b, processor=default_process)


def street_level(a: str, b: str) -> int:
    """2: one street (90+), 1: alike (70+), 0: another."""
    ratio = _ratio(a, b)
    return 2 if ratio >= 90 else 1 if ratio >= 70 else 0


def compare(a: Entity, b: Entity) -> Levels:
    """The pair's level for each of ``COMPARISONS`` (``MISSING`` when a side lacks it)."""
    name = street = vat = MISSING
    if a.name and b.name:
        ratio = _ratio(a.name, b.name)
        name = 3 if ratio >= 97 else 2 if ratio >= 90 else 1 if ratio >= 75 else 0
    if a.street and b.street:
        street = street_level(a.street, b.street)
    if a.vat_written and b.vat_written:
        # One of them fails its check digit (else ``decided_by_identifiers`` settled it): a
        # typo is one or two digits away; further apart, the numbers are likely two
        # companies'.
        apart = Levenshtein.distance(a.vat_written.zfill(11), b.vat_written.zfill(11))
        vat = 2 if apart == 0 else 1 if apart <= 2 else 0
    return (
        name,
        _same_phone(a.phones, b.phones),
        vat,
        int(a.istat == b.istat) if a.istat and b.istat else MISSING,
        int(a.postcode == b.postcode) if a.postcode and b.postcode else MISSING,
        street,
        same_door(a.house_number, b.house_number),
        int(a.email == b.email) if a.email and b.email else MISSING,
        int(a.tax_code == b.tax_code) if a.tax_code and b.tax_code else MISSING,
    )


def _same_phone(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """1 for a number in common (invalid ones by their digits), 0 for valid numbers all
    different, else ``MISSING``: an invalid number only agrees."""
    if not a or not b:
        return MISSING
    if any(phone in b for phone in a):  # a record has one or two: no set to build
        return 1
    # Sorted, and INVALID_PHONE sorts first: the last number is valid if any is.
    if a[-1].startswith(INVALID_PHONE) or b[-1].startswith(INVALID_PHONE):
        return MISSING
    return 0


_DOOR = re.compile(r"(\d+)[/.-]?([A-Z]*)")
NO_NUMBER = frozenset(("SNC", "SN", "S/N", "S.N.C.", "S.N."))  # senza numero civico


@lru_cache(maxsize=1 << 14)  # house numbers are few: 1 to a few hundred, a letter
def _door(text: str) -> tuple[str, str] | None:
    """A house number's number and letter ("55/A" -> ("55", "A")); None for none ("SNC");
    the whole text when it does not start with a number ("KM12,500")."""
    text = text.upper().replace(" ", "")
    if text in NO_NUMBER:
        return None
    door = _DOOR.match(text)
    if door is None:
        return text, ""
    number, letter = door.groups()
    return number.lstrip("0"), letter


def same_door(a: str | None, b: str | None) -> int:
    """1 for one house number however written ("55/A", "55 a"), 0 for two, ``MISSING``
    when either has none or one only leaves out the other's letter ("12", "12/B")."""
    if not a or not b:
        return MISSING
    door_a, door_b = _door(a), _door(b)
    if door_a is None or door_b is None:
        return MISSING
    if door_a == door_b:
        return 1
    (number_a, letter_a), (number_b, letter_b) = door_a, door_b
    if number_a != number_b:
        return 0
    return MISSING if not letter_a or not letter_b else 0


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
        ("different_house_number", house == 0),
        ("different_phone", phone == 0),
        ("different_postcode", postcode == 0),
    ]
    return tuple(reason for reason, present in found if present)


def held(levels: Levels) -> bool:
    """Evidence against one company that no identifier in common outweighs (a phone, the
    VAT number as written or one or two digits from it, the tax code): another house
    number; or, unless the door agrees (the house number, on a street not another),
    another postcode, or another phone with another email or none. Such a pair is never
    merged without a person. At one door, another postcode is a typo or the city's general
    one, and another phone the company's other number (the owner's mobile in a warranty
    file); so is another phone given with the same email; but not another phone beside a
    VAT number written too far from the other's to be a typo of it."""
    _, phone, vat, _, postcode, street, house, email, tax = levels
    if phone == 1 or vat >= 1 or tax == 1:
        return False
    if vat == 0 and phone == 0:  # two numbers written, too far apart for a typo
        return True
    door = house == 1 and street != 0
    return house == 0 or (not door and (postcode == 0 or (phone == 0 and email != 1)))


def weigh(model: Model, levels: Levels) -> float:
    """The model's chance for the pair, at most ``HELD`` for a held pair."""
    value = model.probability(levels)
    return min(value, HELD) if held(levels) else value


def score(a: Entity, b: Entity, model: Model = DEFAULT) -> tuple[float, tuple[str, ...]]:
    """How likely ``a`` and ``b`` are one company, 0-1, with the evidence."""
    settled = decided_by_identifiers(a, b)
    if settled is not None:
        return settled
    levels = compare(a, b)
    return weigh(model, levels), reasons_of(levels)
