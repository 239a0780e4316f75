"""Reproducible demo rows: plausible Italian hauliers, with defects left in on purpose.

Pure functions over a ``random.Random``: the same seed always gives the same base, so a
demo, a screenshot and a test all see the same companies. Each row lists the defects it
carries, which is what the import and normalisation features will have to repair.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from stdnum import luhn

from app.accounts.invented import (
    AREA_CODES,
    company_name,
    make_fixed_phone,
    make_mobile_phone,
    make_vat,
    slug,
    street,
    weighted,
)
from app.accounts.keys import new_account_key
from app.accounts.models import TonnageClass
from app.demo.data import STREET_ABBREVIATIONS
from app.territory.municipalities import bundled_municipalities

DUPLICATE_SHARE = 0.05
TONNAGE_WEIGHTS = (
    (TonnageClass.EXTRA_HEAVY, 40),
    (TonnageClass.HEAVY, 25),
    (TonnageClass.MEDIUM, 20),
    (TonnageClass.LIGHT, 10),
    (None, 5),
)


@dataclass(frozen=True)
class Place:
    """A real municipality the demo may place a company in."""

    name: str
    province: str
    province_name: str
    province_istat: str  # first three digits of the ISTAT code
    postcodes: tuple[str, ...]
    istat_code: str = ""  # the comune's own code, when the caller knows it (the truth)


@dataclass
class DemoRow:
    """One source row, as an export from the old customer database would give it."""

    key: str
    company_name: str
    street: str
    postcode: str
    municipality: str
    province: str
    vat_number: str
    phones: list[str]
    email: str
    tonnage_class: TonnageClass | None
    true_province: str  # where the company really is: decides zone and dealer
    defects: list[str] = field(default_factory=list)
    duplicate_of: str | None = None
    # What the row should say once cleaned (kept before the defects are put in).
    true_vat: str = ""
    true_phone: str = ""
    true_istat: str = ""

    def as_source(self) -> dict[str, object]:
        """The row as the source file held it (what provenance keeps verbatim)."""
        return {
            "RAGIONE_SOCIALE": self.company_name,
            "INDIRIZZO": self.street,
            "CAP": self.postcode,
            "COMUNE": self.municipality,
            "PROV": self.province,
            "PARTITA_IVA": self.vat_number,
            "TELEFONO": " / ".join(self.phones),
            "EMAIL": self.email,
        }


def _spoil(rng: random.Random, row: DemoRow, place: Place, street_kind: str) -> None:
    """Leave the defects real files have, each recorded on the row."""
    if row.postcode.startswith("0") and rng.random() < 0.5:
        row.postcode = row.postcode.lstrip("0")
        row.defects.append("cap_lost_zero")
    if rng.random() < 0.06:
        row.province = place.province_name.upper()
        row.defects.append("province_full_name")
    roll = rng.random()
    if roll < 0.05 and len(row.municipality) > 5:
        i = rng.randint(1, len(row.municipality) - 3)
        m = row.municipality
        row.municipality = m[:i] + m[i + 1] + m[i] + m[i + 2 :]
        row.defects.append("municipality_typo")
    elif roll < 0.25:
        folded = unicodedata.normalize("NFKD", row.municipality)
        upper = "".join(c + "'" if unicodedata.combining(c) else c for c in folded)
        row.municipality = "".join(c for c in upper if not unicodedata.combining(c)).upper()
        row.defects.append("municipality_upper")
    if street_kind in STREET_ABBREVIATIONS and rng.random() < 0.3:
        row.street = row.street.replace(street_kind, STREET_ABBREVIATIONS[street_kind], 1).upper()
        row.defects.append("street_abbreviated")
    roll = rng.random()
    if roll < 0.04:
        row.vat_number = row.vat_number[:-1] + str((int(row.vat_number[-1]) + 1) % 10)
        row.defects.append("vat_bad_check")
    elif roll < 0.10:
        row.vat_number = ""
        row.defects.append("vat_missing")
    elif row.vat_number.startswith("0") and roll < 0.5:
        row.vat_number = row.vat_number.lstrip("0")
        row.defects.append("vat_lost_zero")
    elif roll < 0.2:
        row.vat_number = "IT" + row.vat_number
        row.defects.append("vat_it_prefix")
    if row.phones and row.phones[0].startswith("0") and rng.random() < 0.05:
        row.phones[0] = row.phones[0][1:]
        row.defects.append("phone_lost_zero")
    elif row.phones and rng.random() < 0.2:
        p = row.phones[0]
        row.phones[0] = rng.choice([f"+39 {p[:3]} {p[3:]}", f"{p[:4]}/{p[4:]}", f"{p[:3]}-{p[3:]}"])
        row.defects.append("phone_formatted")
    if rng.random() < 0.15:
        row.company_name = row.company_name.upper()
        row.defects.append("name_upper")


def _row(rng: random.Random, place: Place, issued: set[int] | None = None) -> DemoRow:
    trade, name = company_name(rng, place.name)
    kind, address = street(rng)
    phones = [make_fixed_phone(rng, place.province)]
    if rng.random() < 0.35:
        phones.append(make_mobile_phone(rng))
    row = DemoRow(
        key=new_account_key(rng),
        company_name=name,
        street=address,
        postcode=rng.choice(place.postcodes),
        municipality=place.name,
        province=place.province,
        vat_number=_unused(make_vat(rng, place.province_istat), issued),
        phones=phones,
        email=f"info@{slug(trade)}.it" if rng.random() < 0.4 else "",
        tonnage_class=weighted(rng, TONNAGE_WEIGHTS),
        true_province=place.province,
    )
    row.true_vat, row.true_phone, row.true_istat = row.vat_number, phones[0], place.istat_code
    _spoil(rng, row, place, kind)
    return row


def _duplicate(rng: random.Random, original: DemoRow) -> DemoRow:
    """The same company as it arrives from a second source: spelled differently, with one
    strong identifier (VAT or phone) in common most of the time."""
    copy = DemoRow(
        key=new_account_key(rng),
        company_name=original.company_name,
        street=original.street,
        postcode=original.postcode,
        municipality=original.municipality,
        province=original.province,
        vat_number=original.vat_number,
        phones=list(original.phones[:1]),
        email=original.email,
        tonnage_class=original.tonnage_class,
        true_province=original.true_province,
        defects=["duplicate", *original.defects],  # what it copied, it copied spoiled
        duplicate_of=original.key,
        true_vat=original.true_vat,
        true_phone=original.true_phone,
        true_istat=original.true_istat,
    )
    name = copy.company_name
    variants = [
        name.upper(),
        name.replace("S.R.L.", "SRL").replace("s.r.l.", "srl"),
        name.replace("Autotrasporti", "Autotrasp."),
        re.sub(r"\s+\S+$", "", name),
    ]
    copy.company_name = rng.choice(variants) or name
    if rng.random() < 0.3:
        copy.vat_number = ""
    if rng.random() < 0.3:
        copy.street = copy.street.upper()
    return copy


def company_row(rng: random.Random, place: Place, issued: set[int] | None = None) -> DemoRow:
    """One new company's row, defects included: where the dirty-file generator's hard
    cases (``scripts/dirty_cases.py``) start from."""
    return _row(rng, place, issued)


def _unused(vat: str, issued: set[int] | None) -> str:
    """``vat``, or the next serial of its tax office not yet ``issued``: the revenue agency
    gives each company its own number, while random serials repeat (about 150 times among
    the 930,000 companies of a million-row file, two companies with one VAT number). The
    random draws stay the same, so the rest of the file does not move."""
    if issued is None:
        return vat
    serial, office = int(vat[:7]), vat[7:10]
    while (serial * 1000 + int(office)) in issued:
        serial = (serial + 1) % 10_000_000
    issued.add(serial * 1000 + int(office))
    body = f"{serial:07d}{office}"
    return body + luhn.calc_check_digit(body)


def second_source_copy(rng: random.Random, original: DemoRow) -> DemoRow:
    """``original`` as a second source spells it (see ``_duplicate``)."""
    return _duplicate(rng, original)


def generate_rows(rng: random.Random, places: Sequence[Place], count: int) -> list[DemoRow]:
    """``count`` rows over ``places``, of which about 5 % duplicate an earlier row."""
    if not places:
        raise ValueError("no municipality to place the demo companies in")
    rows: list[DemoRow] = []
    while len(rows) < count:
        if rows and rng.random() < DUPLICATE_SHARE:
            rows.append(_duplicate(rng, rng.choice(rows)))
        else:
            rows.append(_row(rng, rng.choice(places)))
    return rows


def iter_rows(
    rng: random.Random,
    places: Sequence[Place],
    count: int,
    window: int = 5_000,
    issued: set[int] | None = None,
) -> Iterator[DemoRow]:
    """``generate_rows`` in constant memory, for files of any size: a duplicate copies one
    of the last ``window`` rows (a second source rarely lists a whole base). With
    ``issued`` (the VAT numbers given so far, as integers without check digit), no two
    companies get one VAT number."""
    if not places:
        raise ValueError("no municipality to place the companies in")
    recent: deque[DemoRow] = deque(maxlen=window)
    for _ in range(count):
        if recent and rng.random() < DUPLICATE_SHARE:
            row = _duplicate(rng, rng.choice(recent))
        else:
            row = _row(rng, rng.choice(places), issued)
        recent.append(row)
        yield row


def bundled_places() -> list[Place]:
    """Every comune of the bundled ISTAT list in the provinces whose area codes the
    generator knows, with its CAPs: where generated files (benchmarks, tests) put their
    companies."""
    return [
        Place(
            m.name,
            m.province_code,
            m.province_name,
            m.istat_code[:3],
            tuple(m.postcodes),
            istat_code=m.istat_code,
        )
        for m in bundled_municipalities()
        if m.province_code in AREA_CODES and m.postcodes
    ]
