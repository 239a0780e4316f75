"""What a salesperson receives about each account, as plain values.

Every writer (XLSX, CSV, PDF, CRM load files) works from these frozen records, never from
the ORM: the files of a wave are built from one read of the database, can be rendered in
any process, and the same records always give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from app.accounts.names import written_name
from app.scripting.labels import same_choice


@dataclass(frozen=True)
class FleetItem:
    brand: str
    vehicles: int
    tonnage_class: str | None = None  # TonnageClass value ("gt_16"...) or None


@dataclass(frozen=True)
class ContactItem:
    full_name: str
    job_title: str | None = None
    phone: str | None = None
    email: str | None = None
    is_purchasing_manager: bool = False


def printed_address(street: str | None, number: str | None) -> tuple[str | None, str | None]:
    """(street, house number) to print: as stored, except that a street which already ends
    with the house number (the desk's prefill may put "Via Verdi 137" in the street and
    "137" in the number) gives it up, so no file prints "Via Verdi 137 137"."""
    if street and number:
        *rest, last = street.split() or [""]
        if rest and last.casefold() == number.strip().casefold():
            return " ".join(rest).rstrip(" ,") or None, number
    return street, number


@dataclass(frozen=True)
class SiteItem:
    """Another site of the account than the one its address columns give."""

    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    municipality: str | None = None
    province: str | None = None
    istat_code: str | None = None
    head_office: bool = False
    phones: tuple[str, ...] = ()  # E.164 where valid

    @property
    def address(self) -> tuple[str | None, str | None]:
        return printed_address(self.street, self.house_number)

    def line(self, *, written: bool) -> str:
        """ "Via Roma 12, 06121 Perugia (PG)"; ``written``: the street as people read it."""
        street, number = self.address
        if written and street:
            street = written_name(street)
        town = " ".join(part for part in (self.postcode, self.municipality) if part)
        if self.province:
            town = f"{town} ({self.province})".strip()
        return ", ".join(p for p in (" ".join(q for q in (street, number) if q), town) if p)


@dataclass(frozen=True)
class ChoiceLabel:
    """A choice of the script the account was qualified with: what a coded answer means.

    ``field`` is what it fills: ``vehicle_kind``, ``job_title`` or ``brand``."""

    field: str
    code: str
    it: str
    en: str


@dataclass(frozen=True)
class AccountSheet:
    """One qualified account, with everything the calls captured. Its address is the site
    the qualifying call qualified (the head office unless the agent chose another); the
    company's other sites follow, each with its phones."""

    key: str  # the account's stable key: the external id in the CRM
    company_name: str
    legal_form: str | None = None
    vat_number: str | None = None
    tax_code: str | None = None
    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    municipality: str | None = None
    province: str | None = None
    istat_code: str | None = None
    phones: tuple[str, ...] = ()  # E.164 where valid, else as given; the site's own first
    email: str | None = None
    tonnage_class: str | None = None
    fleet: tuple[FleetItem, ...] = ()
    contacts: tuple[ContactItem, ...] = ()  # the purchasing manager first
    horizon: str = "none"  # Horizon value: "3", "6", "12" or "none"
    vehicle_kind: str | None = None
    quantity: int | None = None
    opportunity_notes: str | None = None
    notes: str | None = None  # the account's notes and the qualifying call's notes
    qualified_at: datetime | None = None  # UTC
    qualified_on_day: bool = False  # an earlier action's result: its day is all it says
    agent_name: str | None = None  # who qualified it
    campaign_code: str | None = None
    zone_code: str | None = None
    dealer_code: str | None = None
    dealer_name: str | None = None
    choices: tuple[ChoiceLabel, ...] = ()  # of the qualifying call's script
    head_office: bool = True  # the address above is the head office's (else another site's)
    site_phones: tuple[str, ...] = ()  # that site's own phones (the first of ``phones``)
    other_sites: tuple[SiteItem, ...] = ()  # the head office first

    def choice(self, field: str, value: str) -> ChoiceLabel | None:
        """The choice ``value`` stands for: its code, or one of its labels typed as text."""
        return next(
            (c for c in self.choices
             if c.field == field and same_choice(value, c.code, c.it, c.en)),
            None,
        )  # fmt: skip

    @property
    def address(self) -> tuple[str | None, str | None]:
        """(street, house number) to print (``printed_address``)."""
        return printed_address(self.street, self.house_number)

    @property
    def address_line(self) -> str | None:
        """Street and house number in one: "Via Verdi 137"."""
        return " ".join(part for part in self.address if part) or None

    @property
    def written_address(self) -> tuple[str | None, str | None]:
        """``address`` for the files people read: the street written the Italian way ("Via
        dell'Industria", not the stored capitals; ``app.accounts.names``)."""
        street, number = self.address
        return (written_name(street) if street else None), number

    @property
    def written_address_line(self) -> str | None:
        return " ".join(part for part in self.written_address if part) or None

    @property
    def fleet_total(self) -> int:
        return sum(item.vehicles for item in self.fleet)

    @property
    def purchasing_manager(self) -> ContactItem | None:
        return self.contacts[0] if self.contacts else None


@dataclass(frozen=True)
class Recipient:
    """The salesperson a pack is for."""

    id: int
    code: str
    full_name: str
    email: str | None = None
    dealer_code: str | None = None
    dealer_name: str | None = None
    zone_code: str | None = None
    zone_name: str | None = None


@dataclass(frozen=True)
class WaveInfo:
    id: int
    label: str
    confirmed_on: date  # the date printed on the files; fixed, so re-exports are identical


@dataclass(frozen=True)
class Pack:
    """One salesperson's accounts in one wave, most urgent purchase horizon first."""

    recipient: Recipient
    wave: WaveInfo
    sheets: tuple[AccountSheet, ...] = field(default_factory=tuple)
