"""A company's sites: which addresses are one place, which site is the head office, and the
sites as the desk and the files show them.

A company with one VAT number can have several sites (a head office, branches, depots);
an import keeps each address it is given as a site of the account instead of overwriting
the account's address with the last row's (docs/imports.md, "Sites"). The account's own
address is its head office's: readers take the head office's address from the account, so
an account that has no stored site yet (made by hand, by the demo, before sites existed)
still has one, and a correction made on the account (on the desk, in the doubts) is the
head office's. ``keep_head_office`` copies such a correction onto the stored row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlalchemy import event
from sqlalchemy.orm import Session, attributes

from app.accounts.models import Account, AccountPhone, AccountSite, PhoneKind
from app.accounts.phones import CALLABLE_KINDS
from app.territory.municipalities import search_key

# An account's address columns, which each site has too.
ADDRESS_FIELDS = ("street", "house_number", "postcode", "municipality", "province", "istat_code")
# Two spellings of one street or municipality: "VIA G. MARCONI" and "VIA GUGLIELMO MARCONI"
# are not, "VIA MARCONI" and "VIA MARCONII" are (a typo; the generator's and the sources').
SAME_NAME = 90

# What a source's "site kind" column says (TIPO SEDE): the head office, or another site.
HEAD_OFFICE, OTHER_SITE = "head_office", "other_site"
_KIND_WORDS = {
    HEAD_OFFICE: ("sede legale", "legale", "sl", "sede principale", "principale",
                  "sede", "head office", "headquarters", "registered office", "hq"),
    OTHER_SITE: ("filiale", "unita locale", "ul", "sede operativa", "operativa",
                 "sede secondaria", "secondaria", "deposito", "magazzino", "stabilimento",
                 "succursale", "branch", "depot", "warehouse", "local unit"),
}  # fmt: skip
_KINDS = {word: kind for kind, words in _KIND_WORDS.items() for word in words}


def site_kind(text: str | None) -> str | None:
    """``HEAD_OFFICE``, ``OTHER_SITE`` or None from what a source wrote ("Sede legale",
    "U.L.", "Filiale"...)."""
    folded = search_key(text or "")
    return _KINDS.get(folded) or _KINDS.get(folded.replace(" ", "")) if folded else None


@dataclass(frozen=True)
class Place:
    """An address as sites compare it."""

    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    municipality: str | None = None
    province: str | None = None
    istat_code: str | None = None

    @classmethod
    def of(cls, values: Mapping[str, Any] | Any) -> Place:
        """From a dict of fields or an object with the address attributes."""
        get = values.get if isinstance(values, Mapping) else lambda n: getattr(values, n, None)
        return cls(**{name: get(name) or None for name in ADDRESS_FIELDS})

    @property
    def given(self) -> bool:
        """The row says where, if only its province."""
        return any(self.values().values())

    def values(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in ADDRESS_FIELDS}

    def filled_from(self, other: Place) -> Place:
        """This place with what it lacks taken from ``other`` (the same place)."""
        return Place(**{n: getattr(self, n) or getattr(other, n) for n in ADDRESS_FIELDS})


def _number(value: str) -> str:
    return re.sub(r"[\s/\-.]", "", value).upper()


def _similar(a: str, b: str) -> bool:
    return fuzz.token_sort_ratio(search_key(a), search_key(b)) >= SAME_NAME


def same_place(a: Place, b: Place) -> bool:
    """One site unless the two disagree on something both give: the municipality (by its
    ISTAT code when both have one, else by name), the street, the house number. A row that
    gives less (the town only) is the same place as a site it fits; postcodes and
    provinces are not compared (a wrong CAP does not make a branch)."""
    if a.istat_code and b.istat_code:
        if a.istat_code != b.istat_code:
            return False
    elif a.municipality and b.municipality and not _similar(a.municipality, b.municipality):
        return False
    if a.street and b.street and not _similar(a.street, b.street):
        return False
    return not (
        a.house_number and b.house_number and _number(a.house_number) != _number(b.house_number)
    )


def place_index(places: Sequence[Place], place: Place) -> int | None:
    """The first of ``places`` that ``place`` is (an address without anything: none)."""
    if not place.given:
        return None
    return next((n for n, known in enumerate(places) if same_place(known, place)), None)


# ------------------------------------------------------------------------- reading ---


@dataclass(frozen=True)
class SiteView:
    """A site as the desk and the files show it: its address, whether it is the head
    office, its phones. ``id`` is None for the head office of an account without stored
    sites."""

    id: int | None
    head_office: bool
    place: Place
    phones: tuple[AccountPhone, ...] = field(default=(), compare=False)

    @property
    def value(self) -> str:
        """The site as a form sends it: its id, or "head" for a head office not stored."""
        return str(self.id) if self.id is not None else "head"

    @property
    def address_line(self) -> str:
        """ "VIA ROMA 12, 06121 Perugia (PG)" """
        p = self.place
        street = " ".join(part for part in (p.street, p.house_number) if part)
        town = " ".join(part for part in (p.postcode, p.municipality) if part)
        if p.province:
            town = f"{town} ({p.province})" if town else f"({p.province})"
        return ", ".join(part for part in (street, town) if part)


def views(account: Account, stored: Iterable[AccountSite] | None = None) -> list[SiteView]:
    """The account's sites, head office first, then in the order they were found, each with
    its phones (a phone of no site is the company's: the head office's), a special number
    (premium, toll free...) left out: nobody is to call it. The head office's address is
    the account's."""
    rows = sorted(account.sites if stored is None else stored, key=lambda s: s.position)
    head = next((s for s in rows if s.head_office), None)
    others = [s for s in rows if s is not head]
    by_site: dict[int | None, list[AccountPhone]] = {}
    for phone in account.phones:
        if phone.kind == PhoneKind.SPECIAL:
            continue
        known = phone.site_id if any(s.id == phone.site_id for s in others) else None
        by_site.setdefault(known, []).append(phone)
    head_phones = tuple(by_site.get(None, ()))
    found = [SiteView(head.id if head else None, True, Place.of(account), head_phones)]
    found += [SiteView(s.id, False, Place.of(s), tuple(by_site.get(s.id, ()))) for s in others]
    return found


def qualified_site(sites: Sequence[SiteView], chosen: int | None) -> SiteView:
    """The site ``chosen`` (an id of one of ``sites``), else the head office."""
    return next((s for s in sites if chosen is not None and s.id == chosen), sites[0])


def site_of_phone(sites: Sequence[SiteView], phone: AccountPhone | None) -> SiteView:
    """The site whose number ``phone`` is; the head office for a number of no site."""
    if phone is not None:
        for site in sites:
            if any(p is phone or p.id == phone.id for p in site.phones):
                return site
    return sites[0]


def default_site_id(session: Session, account_id: int) -> int | None:
    """``site_of_phone(views(account), dialled_phone(account)).id`` in one query, without
    loading the sites and phones as objects: for an outcome that only records which site
    it qualified (the screen that shows them has them loaded already)."""
    rows = session.execute(_SITES_AND_DIALLED, {"account_id": account_id}).all()
    head = next((row.id for row in rows if row.head_office), None)
    dialled = rows[0].dialled_site if rows else None
    others = {row.id for row in rows} - {head}
    return dialled if dialled in others else head


def _sites_and_dialled() -> sa.Select:
    """The account's sites in order, each row with the site of the number the desk dials
    (the first callable one: ``phones.dialled_phone``)."""
    s, p = AccountSite, AccountPhone
    account = sa.bindparam("account_id")
    dialled = (
        sa.select(p.site_id)
        .where(p.account_id == account, p.e164.is_not(None), p.kind.in_(sorted(CALLABLE_KINDS)))
        .order_by(p.position)
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(s.id, s.head_office, dialled.label("dialled_site"))
        .where(s.account_id == account)
        .order_by(s.position)
    )


_SITES_AND_DIALLED = _sites_and_dialled()


# --------------------------------------------------------------- the head office's row ---


def keep_head_office(session: Session, accounts: Iterable[Account]) -> None:
    """Copy the accounts' address onto their head office's stored row, where it changed."""
    for account in accounts:
        state = sa.inspect(account)
        changed = any(
            attributes.get_history(account, name).has_changes() for name in ADDRESS_FIELDS
        )
        if not changed or state.transient or account.id is None:
            continue
        session.execute(
            sa.update(AccountSite)
            .where(AccountSite.account_id == account.id, AccountSite.head_office.is_(True))
            .values(**Place.of(account).values())
            .execution_options(synchronize_session=False)
        )


@event.listens_for(Session, "before_flush")
def _head_office_follows(session: Session, _context: Any, _instances: Any) -> None:
    """Whoever corrects an account's address (the desk's answers, a doubt, a merge, the
    privacy wipe) corrects its head office's row too."""
    dirty = [o for o in session.dirty if isinstance(o, Account)]
    if dirty:
        keep_head_office(session, dirty)
