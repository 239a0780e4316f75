"""What de-duplication compares of a record, and the blocks it compares it in.

Comparing every pair is quadratic, so pairs are only formed inside *blocks*: rows sharing a
VAT number, a tax code, a phone number, an email, a significant name word in the same
municipality, or a postcode and the first letters of the name. A block too big to be
telling (a common word, a switchboard) is skipped as a key.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Hashable
from dataclasses import dataclass, field

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
# Marks a phone that is not valid, given by its digits as written: it blocks and agrees
# like a number, but never disagrees (``scoring.compare``).
INVALID_PHONE = "#"


@dataclass(frozen=True, slots=True)
class Entity:
    """What de-duplication compares of a row or an account. Compact (slots, shared
    strings): a million-row batch keeps the entities of all the accounts it wrote."""

    ref: Hashable  # ("account", id) or ("row", number)
    name: str  # without its legal form
    vat: str | None = None
    tax_code: str | None = None
    phones: tuple[str, ...] = ()  # distinct, sorted; INVALID_PHONE + digits if not valid
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
