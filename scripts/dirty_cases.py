"""The hard cases of a generated account file, each row with its truth.

``make_dirty_accounts.py`` writes ordinary rows (``app.demo.generator``: companies with the
defects of an old export, about 5 % of them second-source duplicates) and, at realistic
rates, the cases real bases are full of and our de-duplication and repairs got wrong
(issue 24). Each row says which case it belongs to, so the import can be scored per case:

  - ``second_source``: an earlier company as a second source lists it, by another phone
    (a second line, a mobile) or none and often without its VAT number: the generator's
    ordinary duplicates always repeat their first phone, which real sources do not;
  - ``neighbours_vat0/1/2``: two different companies with the same name in the same
    comune, on the same street with another house number or on another street, with
    their own phones (postcode different when the comune has several), with 0, 1 or 2
    VAT numbers written; sometimes a second-source copy of one of them (a true pair);
  - ``vat_typo_row``: a company's row carrying another, earlier company's VAT number
    (different name, comune and phone): it is not that company;
  - ``cross_chunk``: a company written twice with the same valid VAT number more than one
    import chunk (20,000 rows) apart when the file is long enough, the later row
    sometimes naming another comune of the province (the truth keeps the first);
  - ``branches``: one company (one VAT number) with 2-4 sites in different comuni, each
    with its own address and phone; the truth names each row's site;
  - ``lost_zero_phone``: a landline written without its leading zero whose digits read as
    another valid number (a mobile "363 957514", a premium "899 411734"), sometimes beside
    a second, valid phone; sometimes a copy without VAT number repeats the same digits;
  - ``premium_phone``: an 89x, 16x, 4x or 70x service number written as the company's
    phone, alone or beside its landline: nothing to call there.

Constant memory: cases waiting to be written (a copy due 20,000 rows later) sit in a small
heap; the same seed gives the same file.
"""

from __future__ import annotations

import heapq
import random
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import phonenumbers

from app.accounts.invented import AREA_CODES, make_fixed_phone, make_mobile_phone
from app.accounts.phone_areas import area_province
from app.demo.generator import (
    DemoRow,
    Place,
    company_row,
    iter_rows,
    second_source_copy,
)

ORDINARY = "ordinary"
KINDS = (
    ORDINARY, "second_source", "neighbours_vat0", "neighbours_vat1", "neighbours_vat2",
    "vat_typo_row", "cross_chunk", "branches", "lost_zero_phone", "premium_phone",
)  # fmt: skip
# Chance, at each row of the file, that a case starts there (a case writes 1-5 rows):
# about 4 % of the rows, 40 neighbour pairs of each kind at 31,000 rows.
RATES = (
    ("second_source", 0.015),
    ("neighbours", 0.004),
    ("vat_typo_row", 0.001),
    ("cross_chunk", 0.002),
    ("branches", 0.0015),
    ("lost_zero_phone", 0.003),
    ("premium_phone", 0.002),
)
CHUNK = 20_000  # the import's chunk: a cross-chunk copy comes later than this
WINDOW = 5_000  # as ``iter_rows``: a duplicate copies one of the last rows
# Service numbers (Italian numbering plan), as a source writes them: no one to call there.
SERVICE_NUMBERS = (
    ("899", 6), ("892", 3), ("895", 6), ("166", 6), ("163", 6), ("4", 6), ("70", 7),
)  # fmt: skip


@dataclass
class Line:
    """One row of the file with its truth: the company it is (the key of the company's
    first row), the case, the case instance (``group``), the site (branches) and, for each
    phone written, the number it really is (E.164, "" when nothing there is callable)."""

    row: DemoRow
    company: str
    case: str = ORDINARY
    group: str = ""
    site: str = ""
    phones: list[str] = field(default_factory=list)


def e164(number: str) -> str:
    if not number:
        return ""
    parsed = phonenumbers.parse(number, "IT")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_truth(row: DemoRow) -> list[str]:
    """The true number of each phone a generator row writes: the first is the company's
    landline (whatever the defects did to it), the others (mobiles) are written clean."""
    return [e164(row.true_phone), *(e164(p) for p in row.phones[1:])][: len(row.phones)]


def _without(defects: list[str], prefix: str, *added: str) -> list[str]:
    return [d for d in defects if not d.startswith(prefix)] + list(added)


def _written_vat(rng: random.Random, vat: str) -> str:
    """A valid VAT number as sources write it: bare, with the IT prefix, or spaced."""
    return rng.choice((vat, vat, vat, f"IT{vat}", f"IT {vat}"))


def _numbered(rng: random.Random, street: str) -> tuple[str, str]:
    """The same street with two different house numbers ("Località Matteotti 73" and
    "Località Matteotti 55/A"), whether or not the source gave one."""
    match = re.match(r"^(.*?)(?:\s+(\d+(?:/[A-Z]| BIS| bis)?))?$", street)
    base, first = (match.group(1), match.group(2)) if match else (street, None)
    first = first or str(rng.randint(1, 180))
    while True:
        second = str(rng.randint(1, 180)) + rng.choice(("", "", "/A", "/B"))
        if second.split("/")[0] != first.split("/")[0].split()[0]:
            return f"{base} {first}", f"{base} {second}"


class CaseMaker:
    """Decides, row by row, whether a case starts, and makes its rows with their offsets
    from the current row."""

    def __init__(
        self,
        rng: random.Random,
        places: Sequence[Place],
        rows: int,
        issued: set[int] | None = None,
    ) -> None:
        self.rng, self.places, self.rows = rng, list(places), rows
        self.issued = set() if issued is None else issued  # VAT numbers given, all rows
        self.by_province: dict[str, list[Place]] = defaultdict(list)
        for place in self.places:
            self.by_province[place.province].append(place)
        sensitive = _zero_sensitive()
        self.zero_places = [p for p in self.places if p.province in sensitive]
        self.recent: deque[DemoRow] = deque(maxlen=1_000)  # earlier companies, for typos
        self.started = 0
        self.makers: dict[str, Callable[[int], list[tuple[int, Line]] | None]] = {
            "second_source": self.second_source, "neighbours": self.neighbours,
            "vat_typo_row": self.vat_typo_row,
            "cross_chunk": self.cross_chunk, "branches": self.branches,
            "lost_zero_phone": self.lost_zero_phone, "premium_phone": self.premium_phone,
        }  # fmt: skip

    def seen(self, row: DemoRow) -> None:
        if row.duplicate_of is None:
            self.recent.append(row)

    def maybe_start(self, position: int) -> list[tuple[int, Line]] | None:
        roll = self.rng.random()
        for name, rate in RATES:
            if roll < rate:
                return self.makers[name](position)
            roll -= rate
        return None

    def _group(self, prefix: str) -> str:
        self.started += 1
        return f"{prefix}{self.started}"

    def _fits(self, position: int, offset: int) -> bool:
        return position + offset + 10 < self.rows

    def second_source(self, position: int) -> list[tuple[int, Line]] | None:
        """An earlier company as a second source lists it: by another number (a second
        line, a mobile) or none, more often than not without its VAT number, sometimes
        with the house number written otherwise ("12" for "12/A", "12" after a comma) or
        left out."""
        if not self.recent:
            return None
        rng = self.rng
        original = rng.choice(self.recent)
        copy = second_source_copy(rng, original)
        roll = rng.random()
        if roll < 0.45:
            copy.phones = [make_fixed_phone(rng, original.true_province)]
        elif roll < 0.75:
            copy.phones = [make_mobile_phone(rng)]
        else:
            copy.phones = []
        copy.true_phone = copy.phones[0] if copy.phones else ""
        copy.defects = _without(copy.defects, "phone_", "phone_other_number")
        if rng.random() < 0.6:
            copy.vat_number = ""
        number = re.search(r"\s(\d+)(/[A-Z]| bis)?$", copy.street, re.IGNORECASE)
        if number and rng.random() < 0.3:  # the house number written otherwise, or not at all
            street, digits, suffix = copy.street[: number.start()], *number.groups()
            copy.street = rng.choice(
                (street, f"{street} {digits}", f"{street}, {digits}{suffix or ''}")
            )
            copy.defects.append("house_number_otherwise")
        return [(0, Line(copy, original.key, "second_source", self._group("S"),
                         phones=phone_truth(copy)))]  # fmt: skip

    def neighbours(self, position: int) -> list[tuple[int, Line]] | None:
        rng = self.rng
        written = rng.randint(0, 2)  # VAT numbers written
        kind, group = f"neighbours_vat{written}", self._group("N")
        place = rng.choice(self.places)
        a, b = company_row(rng, place, self.issued), company_row(rng, place, self.issued)
        b.company_name = a.company_name if rng.random() < 0.7 else a.company_name.upper()
        b.email = ""
        # the same street, another house number; never one door (two companies of one name
        # at one address, one phone each, are what a second source's copy looks like)
        if rng.random() < 0.6 or a.street.upper() == b.street.upper():
            a.street, b.street = _numbered(rng, a.street)
        a.vat_number = _written_vat(rng, a.true_vat) if written >= 1 else ""
        b.vat_number = _written_vat(rng, b.true_vat) if written == 2 else ""
        for row in (a, b):
            row.defects = _without(row.defects, "vat_", *(["vat_missing"] * (not row.vat_number)))
        b.defects.append("neighbour")
        lines = [(0, Line(a, a.key, kind, group, phones=phone_truth(a)))]
        lines.append((rng.randint(1, 400), Line(b, b.key, kind, group, phones=phone_truth(b))))
        if rng.random() < 0.3:  # a second source lists one of them too: a true pair
            copy = second_source_copy(rng, rng.choice((a, b)))
            company = copy.duplicate_of or copy.key
            lines.append((rng.randint(1, 800), Line(copy, company, kind, group,
                                                    phones=phone_truth(copy))))  # fmt: skip
        return lines if self._fits(position, 800) else None

    def vat_typo_row(self, position: int) -> list[tuple[int, Line]] | None:
        if not self.recent:
            return None
        rng = self.rng
        other = rng.choice(self.recent)
        place = rng.choice(self.places)
        while place.istat_code == other.true_istat:
            place = rng.choice(self.places)
        row = company_row(rng, place, self.issued)
        row.vat_number = _written_vat(rng, other.true_vat)
        row.defects = _without(row.defects, "vat_", "vat_of_another_company")
        row.email = ""
        return [(0, Line(row, row.key, "vat_typo_row", self._group("T"),
                         phones=phone_truth(row)))]  # fmt: skip

    def _far(self, position: int) -> int | None:
        """How much later a cross-chunk copy comes: past the next chunk when the file is
        long enough, else somewhere in the second half of what is left."""
        left = self.rows - position - 10
        if left > CHUNK + 1:
            return self.rng.randint(CHUNK + 1, min(CHUNK + 10_000, left))
        if self.rows < CHUNK + 5_000 and left > 4:
            return self.rng.randint(left // 2, left - 1)
        return None

    def cross_chunk(self, position: int) -> list[tuple[int, Line]] | None:
        rng = self.rng
        gap = self._far(position)
        place = rng.choice(self.places)
        first = company_row(rng, place, self.issued)
        first.vat_number = _written_vat(rng, first.true_vat)
        first.defects = _without(first.defects, "vat_")
        later = second_source_copy(rng, first)
        later.vat_number = _written_vat(rng, first.true_vat)
        others = [p for p in self.by_province[place.province] if p.istat_code != place.istat_code]
        if others and rng.random() < 0.35:  # names another comune: the first row is right
            wrong = rng.choice(others)
            later.municipality, later.postcode = wrong.name, rng.choice(wrong.postcodes)
            later.defects.append("municipality_contradicts")
        if gap is None:
            return None
        group = self._group("C")
        return [
            (0, Line(first, first.key, "cross_chunk", group, phones=phone_truth(first))),
            (gap, Line(later, first.key, "cross_chunk", group, phones=phone_truth(later))),
        ]

    def branches(self, position: int) -> list[tuple[int, Line]] | None:
        rng = self.rng
        head_place = rng.choice(self.places)
        head = company_row(rng, head_place, self.issued)
        head.vat_number = _written_vat(rng, head.true_vat)
        head.defects = _without(head.defects, "vat_")
        group = self._group("B")
        lines = [(0, Line(head, head.key, "branches", group, f"{head.key}/1", phone_truth(head)))]
        taken = {head_place.istat_code}
        spread = max(1, min(3_000, self.rows // 10))
        for number in range(2, rng.randint(2, 4) + 1):
            nearby = self.by_province[head_place.province] if rng.random() < 0.6 else self.places
            place = rng.choice(nearby)
            while place.istat_code in taken:
                place = rng.choice(self.places)
            taken.add(place.istat_code)
            site = company_row(rng, place, self.issued)  # its own address, postcode and phone
            name = head.company_name
            site.company_name = name if rng.random() < 0.8 else name.upper()
            site.true_vat, site.vat_number = head.true_vat, _written_vat(rng, head.true_vat)
            site.tonnage_class, site.email = head.tonnage_class, head.email
            site.defects = _without(site.defects, "vat_", "branch")
            where = f"{head.key}/{number}"
            line = Line(site, head.key, "branches", group, where, phone_truth(site))
            lines.append((rng.randint(1, spread), line))
        return lines if self._fits(position, spread) else None

    def lost_zero_phone(self, position: int) -> list[tuple[int, Line]] | None:
        rng = self.rng
        place = rng.choice(self.zero_places)
        row = company_row(rng, place, self.issued)
        landline = _zero_sensitive_number(rng, place.province)
        digits = landline[1:]
        written = rng.choice((digits, f"{digits[:3]} {digits[3:]}", f"{digits[:3]}-{digits[3:]}"))
        row.phones, row.true_phone = [written], landline
        if rng.random() < 0.5:  # the account has another, valid phone
            row.phones.append(make_mobile_phone(rng))
        row.defects = _without(row.defects, "phone_", "phone_lost_zero")
        group = self._group("Z")
        lines = [(0, Line(row, row.key, "lost_zero_phone", group, phones=phone_truth(row)))]
        if rng.random() < 0.3:  # a copy without VAT number: only the same digits tie them
            copy = second_source_copy(rng, row)
            copy.vat_number = ""
            lines.append((rng.randint(1, 500), Line(copy, row.key, "lost_zero_phone", group,
                                                    phones=phone_truth(copy))))  # fmt: skip
        return lines if self._fits(position, 500) else None

    def premium_phone(self, position: int) -> list[tuple[int, Line]] | None:
        rng = self.rng
        prefix, length = rng.choice(SERVICE_NUMBERS)
        if prefix == "70":
            prefix += str(rng.randint(2, 9))
        rest = "".join(str(rng.randint(0, 9)) for _ in range(length))
        service = rng.choice((prefix + rest, f"{prefix} {rest}"))
        place = rng.choice(self.places)
        while _own_landline_without_zero(prefix + rest, place.province):
            place = rng.choice(self.places)
        row = company_row(rng, place, self.issued)
        if rng.random() < 0.6:  # beside the landline, in either order
            pair = [row.true_phone, service]
            row.phones = pair if rng.random() < 0.5 else pair[::-1]
            truths = [e164(row.true_phone) if p == row.true_phone else "" for p in row.phones]
        else:
            row.phones, row.true_phone, truths = [service], "", [""]
        row.defects = _without(row.defects, "phone_", "phone_premium")
        return [(0, Line(row, row.key, "premium_phone", self._group("P"), phones=truths))]


def _own_landline_without_zero(digits: str, province: str) -> bool:
    """Whether ``digits`` are also a landline of ``province`` that lost its 0 ("899411734"
    for a company of Salerno, 089): no file can tell which it is, and the issue's own
    example reads it as the landline, so the premium case never gives such a number."""
    number = phonenumbers.parse("0" + digits, "IT")
    return (
        phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE
        and area_province(number) == province
    )


def _zero_sensitive() -> frozenset[str]:
    """Provinces whose landlines, without their leading zero, often read as another valid
    number (0341 -> a 341 mobile, 089 -> an 89x premium number)."""
    rng = random.Random(0)  # noqa: S311 - a probe, not a secret
    return frozenset(
        province
        for province in AREA_CODES
        if any(_reads_as_other(make_fixed_phone(rng, province)) for _ in range(60))
    )


def _reads_as_other(landline: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(landline[1:], "IT"))


def _zero_sensitive_number(rng: random.Random, province: str) -> str:
    while not _reads_as_other(number := make_fixed_phone(rng, province)):
        pass
    return number


class _Roots:
    """The company of each recent ordinary row (a duplicate's is its original's), for the
    last ``WINDOW`` rows only: the generator copies no older row."""

    def __init__(self) -> None:
        self.company: dict[str, str] = {}
        self.order: deque[str] = deque()

    def add(self, row: DemoRow) -> str:
        company = self.company.get(row.duplicate_of or "", row.key)
        self.company[row.key] = company
        self.order.append(row.key)
        if len(self.order) > WINDOW + 1:
            del self.company[self.order.popleft()]
        return company


def lines(rows: int, seed: int, places: Sequence[Place], cases: bool = True) -> Iterator[Line]:
    """``rows`` lines: the ordinary rows of ``iter_rows`` (the same for a seed with or
    without cases, but for the rare company whose VAT number a case's company drew first),
    with the cases' rows put in between when ``cases``. No two companies share a VAT
    number unless a case says so."""
    issued: set[int] = set()  # one VAT number per company, across ordinary rows and cases
    ordinary = iter_rows(random.Random(seed), places, rows, issued=issued)  # noqa: S311
    maker = CaseMaker(random.Random(f"cases-{seed}"), places, rows, issued)  # noqa: S311
    roots = _Roots()
    pending: list[tuple[int, int, Line]] = []  # (due at row, order, line)
    order = 0
    for position in range(rows):
        due = pending and (pending[0][0] <= position or rows - position <= len(pending))
        if not due and cases and (started := maker.maybe_start(position)):
            for offset, line in started:
                heapq.heappush(pending, (position + offset, order, line))
                order += 1
            due = True
        if due:
            yield heapq.heappop(pending)[2]
            continue
        row = next(ordinary)
        maker.seen(row)
        yield Line(row, roots.add(row), phones=phone_truth(row))
