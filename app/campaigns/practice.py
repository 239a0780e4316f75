"""Practice accounts: invented companies that practice campaigns call (docs/campaigns.md).

``copy_for_practice`` copies a segment of the real base as practice accounts. A copy keeps
what the call script talks about (the tonnage class and the fleet by brand) and where the
account sits in the sales network (province, zone, dealer), so the board's slices still
mean something; everything that could identify the company is invented afresh (name,
address and municipality, VAT number, phone numbers, e-mail) or left empty (tax code,
contacts, notes, sources, purchase intent, last purchase). Nothing links a copy to the
account it came from: not a column, not a source row, not the audit entry.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.accounts.invented import (
    AREA_CODES,
    company_name,
    make_fixed_phone,
    make_mobile_phone,
    make_vat,
    slug,
    street,
)
from app.accounts.keys import new_account_key
from app.accounts.models import Account, AccountPhone, FleetLine
from app.accounts.phones import parse_phone
from app.accounts.segments import Segment, account_ids
from app.accounts.status import AccountStatus
from app.audit.services import record
from app.campaigns.queueing import segment_for_audit
from app.campaigns.services import CampaignError
from app.territory.models import Municipality, MunicipalityPostcode

COPY_MAX = 5000  # practice accounts made at once
DRAWS = 20  # attempts at a value that differs from the original's


@dataclass(frozen=True)
class Place:
    """A comune to put an invented company in."""

    municipality: str
    istat_code: str
    postcodes: tuple[str, ...]


def _places(session: Session, provinces: set[str]) -> dict[str, list[Place]]:
    """The comuni of ``provinces`` with their postcodes, by province, in a stable order."""
    found: dict[str, dict[str, tuple[str, str, list[str]]]] = defaultdict(dict)
    rows = session.execute(
        sa.select(
            Municipality.province_code,
            Municipality.belfiore,
            Municipality.name,
            Municipality.istat_code,
            MunicipalityPostcode.postcode,
        )
        .join(MunicipalityPostcode, MunicipalityPostcode.belfiore == Municipality.belfiore)
        .where(Municipality.province_code.in_(sorted(provinces)))
        .order_by(Municipality.belfiore, MunicipalityPostcode.postcode)
    )
    for province, belfiore, name, istat, postcode in rows:
        found[province].setdefault(belfiore, (name, istat, []))[2].append(postcode)
    return {
        province: [Place(name, istat, tuple(caps)) for name, istat, caps in comuni.values()]
        for province, comuni in found.items()
    }


def _plain(value: str | None) -> str:
    return "".join((value or "").split()).casefold()


def _unlike(draw: Callable[[], str], original: str | None) -> str:
    """A drawn value that is not the original's, compared without case or spaces."""
    for _ in range(DRAWS):
        value = draw()
        if _plain(value) != _plain(original):
            return value
    raise RuntimeError("could not invent a value unlike the original")  # pragma: no cover


def _name(rng: random.Random, municipality: str, original: str) -> tuple[str, str]:
    """An invented trade name and full name, the latter unlike ``original``."""
    for _ in range(DRAWS):
        trade, full = company_name(rng, municipality)
        if _plain(full) != _plain(original) and _plain(trade) != _plain(original):
            return trade, full
    raise RuntimeError("could not invent a name unlike the original")  # pragma: no cover


def _email(rng: random.Random, trade: str, original: str) -> str:
    """The invented company's address, "info@" its name, unlike the original's."""
    email = f"info@{slug(trade)}.it"
    if _plain(email) == _plain(original):
        email = f"info@{slug(trade)}{rng.randint(2, 99)}.it"
    return email


def _phones(rng: random.Random, source: Account) -> list[AccountPhone]:
    """As many numbers as the original had (one at least, two at most), all invented."""
    originals = {p.e164 for p in source.phones} | {p.raw for p in source.phones}
    wanted = min(2, max(1, len(source.phones)))
    numbers: list[str] = []
    while len(numbers) < wanted:
        fixed = source.province in AREA_CODES and not numbers
        number = make_fixed_phone(rng, source.province) if fixed else make_mobile_phone(rng)
        if number not in originals and number not in numbers:
            numbers.append(number)
    phones = []
    for position, raw in enumerate(numbers):
        e164, kind = parse_phone(raw)
        if e164 in originals:
            continue  # the same number written another way: drop it rather than keep it
        phones.append(AccountPhone(position=position, raw=raw, e164=e164, kind=kind))
    return phones


def invent_copy(rng: random.Random, source: Account, places: list[Place]) -> Account:
    """A practice account made from ``source``: what the script talks about kept, every
    value that could identify the company invented or left out."""
    elsewhere = [p for p in places if _plain(p.municipality) != _plain(source.municipality)]
    place = rng.choice(elsewhere) if elsewhere else None
    trade, name = _name(rng, place.municipality if place else "Italia", source.company_name)
    office = place.istat_code[:3] if place else "000"
    copy = Account(
        key=new_account_key(),
        company_name=name,
        street=_unlike(lambda: street(rng)[1], source.street),
        postcode=rng.choice(place.postcodes) if place else None,
        municipality=place.municipality if place else None,
        province=source.province,
        istat_code=place.istat_code if place else None,
        vat_number=_unlike(lambda: make_vat(rng, office), source.vat_number),
        email=_email(rng, trade, source.email) if source.email else None,
        tonnage_class=source.tonnage_class,
        zone_id=source.zone_id,
        dealer_id=source.dealer_id,
        status=AccountStatus.READY,
        practice=True,
    )
    copy.phones = _phones(rng, source)
    copy.fleet = [
        FleetLine(brand=line.brand, vehicle_count=line.vehicle_count,
                  tonnage_class=line.tonnage_class)
        for line in source.fleet
    ]  # fmt: skip
    return copy


def copy_for_practice(
    session: Session,
    segment: Segment,
    *,
    limit: int,
    user_id: int | None,
    rng: random.Random | None = None,
) -> list[Account]:
    """Make practice accounts from the segment's callable accounts of the real base
    (oldest first, at most ``limit``), ready to be queued in a practice campaign; the
    originals are left as they are. One audit entry (``practice.copy``) with the filters
    and the new accounts' keys, never the originals'."""
    if segment.practice:
        raise CampaignError(
            "Practice accounts are copies already: choose accounts of the real base."
        )
    if not 1 <= limit <= COPY_MAX:
        raise CampaignError(f"The limit must be 1 to {COPY_MAX}, not {limit}.")
    rng = rng or random.Random()  # noqa: S311  # nosec B311 # invented data, not a secret
    ids = account_ids(session, segment, limit=limit)
    sources = session.scalars(
        sa.select(Account)
        .where(Account.id.in_(ids))
        .options(selectinload(Account.phones), selectinload(Account.fleet))
        .order_by(Account.id)
    ).all()
    places = _places(session, {s.province for s in sources if s.province})
    copies = [invent_copy(rng, s, places.get(s.province or "", [])) for s in sources]
    session.add_all(copies)
    session.flush()
    record(
        session,
        "practice.copy",
        user_id=user_id,
        object_type="accounts",
        filters=segment_for_audit(segment),
        limit=limit,
        made=len(copies),
        keys=[c.key for c in copies],
    )
    return copies
