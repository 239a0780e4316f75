"""Earlier qualification results in a file: the value tables and the reading of each cell.

A results file (an agency's, an earlier action's) writes the answers a call would capture:
the contact, the fleet by brand, the purchase horizon, the vehicle wanted, when and by whom
the account was qualified. Its cells are read here, from tables (so that a spelling is
added by adding a row, and a test walks every row); a value no table knows is flagged on
the row, never guessed. ``records`` gathers the answers, ``qualified_rows`` lands them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from app.accounts.models import Horizon, TonnageClass
from app.accounts.normalise.changes import Flag
from app.accounts.normalise.email import is_email
from app.accounts.normalise.phone import read_phone
from app.scripting.parser import parse_script
from app.scripting.schema import OTHER_BRAND
from app.territory.municipalities import search_key
from config import ROOT

# The script whose fleet question lists the brands: the desk and the import share its list.
BRAND_SCRIPT = ROOT / "call_scripts" / "fleet_qualification.toml"
# Brand/count pairs beyond the first ("MARCA"/"N VEICOLI" are ``brand``/``vehicle_count``).
PAIRS = range(2, 6)

# Folded text (``fold``) -> horizon. "No" and its kin are an answer: no purchase planned.
HORIZONS: dict[str, Horizon] = {
    **dict.fromkeys(
        ["3", "3 mesi", "entro 3 mesi", "3m", "3 m", "tre mesi", "entro tre mesi", "trimestre",
         "entro il trimestre", "breve", "breve termine", "3 months", "within 3 months"],
        Horizon.M3,
    ),
    **dict.fromkeys(
        ["6", "6 mesi", "entro 6 mesi", "6m", "6 m", "sei mesi", "entro sei mesi", "semestre",
         "entro il semestre", "6 months", "within 6 months"],
        Horizon.M6,
    ),
    **dict.fromkeys(
        ["12", "12 mesi", "entro 12 mesi", "12m", "12 m", "dodici mesi", "1 anno", "un anno",
         "entro 1 anno", "entro un anno", "entro l anno", "anno", "12 months", "1 year",
         "within 12 months", "within a year"],
        Horizon.M12,
    ),
    **dict.fromkeys(
        ["no", "nessuno", "nessuna", "non interessato", "non interessata", "nessun acquisto",
         "nessun interesse", "non previsto", "-", "none", "no purchase", "not interested"],
        Horizon.NONE,
    ),
}  # fmt: skip

# Words a count may be followed by ("12 mezzi"); a count in words ("dodici") is refused.
COUNT = re.compile(r"(\d{1,5})(?: ?(?:mezzi|veicoli|automezzi|camion|unita|vehicles|trucks))?")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%d-%m-%y",
                "%d.%m.%y")  # fmt: skip
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's 1900 leap year included)
EXCEL_SERIALS = range(18_264, 73_051)  # 1950-01-01 to 2099-12-31, as ``parse_day`` allows


@dataclass
class Answers:
    """What a row says an earlier qualification captured, cleaned."""

    contact: dict[str, str] = field(default_factory=dict)  # full_name, job_title, phone, email
    fleet: list[tuple[str, int]] = field(default_factory=list)  # (brand, vehicles)
    tonnage_class: TonnageClass | None = None
    horizon: Horizon | None = None
    vehicle_kind: str | None = None
    notes: str | None = None
    qualified_on: date | None = None
    qualified_by: str | None = None


def fold(text: str) -> str:
    """A cell folded for the tables: case, accents, apostrophes, dots and spaces."""
    return search_key(text)


def parse_horizon(text: str) -> Horizon | None:
    """The horizon a cell names, or None when no table row knows it (a lone dash, which
    folding would erase, is looked up as written)."""
    return HORIZONS.get(fold(text) or text.strip())


def parse_count(text: str) -> int | None:
    """A number of vehicles ("12", "12 mezzi"), or None (words, decimals, negatives)."""
    if not text.strip()[:1].isdigit():  # folding would drop a minus sign
        return None
    found = COUNT.fullmatch(fold(text))
    return int(found.group(1)) if found else None


def parse_date(text: str) -> date | None:
    """A qualification date as Italian files write it, or an Excel serial ("45234",
    "45234.0") when the reader passed a date cell as its number."""
    text = text.strip().split("T")[0].split(" ")[0]
    serial = text.removesuffix(".0")
    if serial.isdigit():
        days = int(serial)
        return EXCEL_EPOCH + timedelta(days=days) if days in EXCEL_SERIALS else None
    for pattern in DATE_FORMATS:
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 1950 <= day.year <= 2099:
            return day
    return None


@cache
def brand_names() -> dict[str, str]:
    """The fleet question's brands, by choice value, named as the desk stores them (the
    English label, ``scripting.services``); "other" is not a brand."""
    script = parse_script(BRAND_SCRIPT.read_text(encoding="utf-8"))
    question = next(q for q in script.questions() if q.maps_to == "fleet.lines")
    return {c.value: c.label.en for c in question.choices if c.value != OTHER_BRAND}


@cache
def brand_fields() -> dict[str, str]:
    """Mappable field -> brand, for the columns that count one brand's vehicles."""
    return {f"fleet_{value}": name for value, name in brand_names().items()}


def _brand_words(name: str) -> list[str]:
    """How people write a brand: whole, or its first word ("Mercedes", "Renault")."""
    whole = fold(name)
    return sorted({whole, whole.split()[0]})


@cache
def brand_synonyms() -> dict[str, str]:
    """Folded text -> brand, for a brand written in a cell."""
    found = {fold(value.replace("_", " ")): name for value, name in brand_names().items()}
    return found | {word: name for name in brand_names().values() for word in _brand_words(name)}


@cache
def brand_header_synonyms() -> dict[str, str]:
    """Folded header -> field: a column named after a brand ("IVECO", "n. IVECO",
    "Veicoli Mercedes") counts that brand's vehicles."""
    found: dict[str, str] = {}
    for name_field, name in brand_fields().items():
        for word in _brand_words(name):
            for prefix in ("", "n ", "nr ", "numero ", "veicoli ", "mezzi ", "n veicoli "):
                found[f"{prefix}{word}"] = name_field
    return found


def pair_header_synonyms() -> dict[str, str]:
    """Folded header -> field for the brand/count pairs beyond the first ("MARCA 2",
    "N VEICOLI 2"; "MARCA (2)" is how a repeated header is named)."""
    brand = ("marca", "marchio", "brand")
    count = ("n veicoli", "numero veicoli", "veicoli", "mezzi", "vehicles")
    found: dict[str, str] = {}
    for n in PAIRS:
        for suffix in (f" {n}", f" ({n})"):
            found |= {f"{word}{suffix}": f"brand_{n}" for word in brand}
            found |= {f"{word}{suffix}": f"vehicle_count_{n}" for word in count}
    return found


def brand_of(text: str) -> str:
    """A brand as a cell wrote it, named as the desk names it when it is a listed one."""
    return brand_synonyms().get(fold(text)) or text.strip().title()


@cache
def qualification_fields() -> tuple[str, ...]:
    """The mappable fields of earlier qualification results, in the mapping page's order."""
    pairs = [name for n in PAIRS for name in (f"brand_{n}", f"vehicle_count_{n}")]
    return ("contact_name", "contact_role", "contact_phone", "contact_mobile", "contact_email",
            *pairs, *brand_fields(), "horizon", "vehicle_interest", "qualified_on",
            "qualified_by", "qualification_notes")  # fmt: skip


def read_answers(
    get: Callable[[str], str | None], province: str | None
) -> tuple[Answers | None, list[Flag]]:
    """The row's answers (None when it gives none) and the doubts they raised: a value no
    table knows is flagged and left out, the row's other answers kept."""
    if not any(get(name) for name in qualification_fields()):
        return None, []
    answers, flags = Answers(), []
    _contact(answers, flags, get, province)
    _fleet(answers, flags, get)
    if horizon := get("horizon"):
        answers.horizon = parse_horizon(horizon)
        if answers.horizon is None:
            flags.append(Flag("horizon", horizon, "horizon_unknown"))
    if day := get("qualified_on"):
        answers.qualified_on = parse_date(day)
        if answers.qualified_on is None:
            flags.append(Flag("qualified_on", day, "qualified_on_invalid"))
    answers.vehicle_kind = get("vehicle_interest") or None
    answers.qualified_by = get("qualified_by") or None
    answers.notes = get("qualification_notes") or None
    return answers, flags


def _contact(
    answers: Answers, flags: list[Flag], get: Callable[[str], str | None], province: str | None
) -> None:
    """The contact: a name is needed (a contact without one helps nobody, as at the desk);
    the direct phone, or the mobile when there is none, is the contact's number."""
    values = {"full_name": get("contact_name"), "job_title": get("contact_role")}
    for name in ("contact_phone", "contact_mobile"):
        number = get(name)
        if number and "phone" not in values:
            reading = read_phone(number, province)
            values["phone"] = reading.e164 or number
            if reading.e164 is None or reading.flag:
                flags.append(Flag(name, number, reading.flag or "phone_invalid"))
    if email := get("contact_email"):
        values["email"] = email.strip().lower()
        if not is_email(values["email"]):
            values["email"] = email
            flags.append(Flag("contact_email", email, "contact_email_invalid"))
    if values["full_name"]:
        answers.contact = {key: value for key, value in values.items() if value}


def _fleet(answers: Answers, flags: list[Flag], get: Callable[[str], str | None]) -> None:
    """Brand/count pairs, then one column per brand; a count not understood is flagged."""
    pairs = [("brand", "vehicle_count"), *((f"brand_{n}", f"vehicle_count_{n}") for n in PAIRS)]
    columns = [(brand, name) for name, brand in brand_fields().items()]
    written = [(get(b), c) for b, c in pairs] + [(brand, name) for brand, name in columns]
    for brand, count_field in written:
        text = get(count_field)
        if not brand or not text:
            continue
        count = parse_count(text)
        if count is None:
            flags.append(Flag(count_field, text, "vehicle_count_invalid"))
        elif count > 0:
            answers.fleet.append((brand_of(brand), count))
