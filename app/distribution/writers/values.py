"""Coded values as the files print them: the one function that turns a stored code into
the label people read (``shown``), and the one that gives a CRM the code (``code``).

The desk stores a choice's code ("tractor_unit", "gt_16", "6"); older data and the demo
stored the label as text ("trattore stradale"). Either way a person reads the label of
the export's language and a CRM gets the code; text that is no known choice is printed
as typed. Call inside ``force_locale`` (the export's jobs do).
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from app.accounts.labels import horizon_label, tonnage_label
from app.accounts.models import Horizon, TonnageClass
from app.accounts.phones import format_national
from app.distribution.sheets import AccountSheet

_ENUM_LABELS = {
    "tonnage_class": (frozenset(TonnageClass), tonnage_label),
    "horizon": (frozenset(Horizon), horizon_label),
}


def shown(sheet: AccountSheet, field: str, value: str | None) -> str | None:
    """``value`` of ``field`` (tonnage_class, horizon, vehicle_kind, job_title, brand) as
    people read it in the export's language; ``None`` for no value."""
    if value is None or value == "":
        return None
    if field in _ENUM_LABELS:
        codes, label = _ENUM_LABELS[field]
        return label(value) if value in codes else value
    choice = sheet.choice(field, value)
    if choice is None:
        return value
    return choice.it if str(get_locale()) == "it" else choice.en


def code(sheet: AccountSheet, field: str, value: str | None) -> str | None:
    """``value`` of ``field`` as its choice's code, for a CRM; text that is no choice of the
    qualifying script is given as typed."""
    if value is None or value == "":
        return None
    choice = sheet.choice(field, value)
    return choice.code if choice is not None else value


def site_label(sheet: AccountSheet) -> str:
    """Which site the sheet's address is, as people read it."""
    return _("Head office") if sheet.head_office else _("Other site")


def other_sites(sheet: AccountSheet, *, for_people: bool) -> str | None:
    """The company's other sites in one text, "; " between them (``other_site_lines``)."""
    return "; ".join(other_site_lines(sheet, for_people=for_people)) or None


def other_site_lines(sheet: AccountSheet, *, for_people: bool) -> list[str]:
    """The company's other sites, one text each: for people the head office named, streets
    as written and phones in the national format ("Sede principale: Viale Mecenate 76,
    20138 Milano (MI), tel. 02 580 1234"); for a CRM as stored ("VIALE MECENATE 76, 20138
    Milano (MI), +39025801234")."""
    parts = []
    for site in sheet.other_sites:
        line = site.line(written=for_people)
        if for_people:
            numbers = ", ".join(format_national(phone) for phone in site.phones)
            if numbers:
                line = ", ".join(p for p in (line, _("tel. %(numbers)s", numbers=numbers)) if p)
            line = _("Head office: %(address)s", address=line) if site.head_office else line
        else:
            line = ", ".join(p for p in (line, *site.phones) if p)
        parts.append(line)
    return parts
