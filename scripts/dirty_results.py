"""Earlier qualification results on some rows of a generated account file, with their truth.

``make_dirty_accounts.py --results`` adds these columns: an agency's contact (name, role,
direct phone, e-mail), the fleet as brand/count pairs and as one column per brand, the
purchase horizon written the ways people write it, the qualification date in the ways
Italian files write it, and the agency (docs/imports.md, "Earlier qualification
results"). The spellings come from the import's own tables (``app.imports.qualification``:
``HORIZONS``, ``brand_synonyms``, ``brand_names``), so a spelling the import learns is one
the generator may write, and one it forgets fails the generator's test.

Only a company's first row carries results, and only for about ``SHARE`` of companies
(chosen by the company's key and the seed): each answer then has one place it belongs,
the account that company becomes. Each row's draws come from a generator of its own
(seed and row number), so the rest of the file is the same with or without results, and
memory stays constant.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from app.accounts.invented import FIRST_NAMES, SURNAMES, make_mobile_phone, slug
from app.accounts.models import Horizon
from app.imports.qualification import (
    HORIZONS,
    brand_names,
    brand_synonyms,
    parse_date,
    parse_horizon,
)
from app.imports.qualified_elsewhere import QUALIFYING, months_before

SHARE = 0.2  # companies whose first row carries earlier results
PAIRS = 3  # brand/count pairs written ("MARCA", "MARCA 2", "MARCA 3")
COLUMN_BRANDS = ("iveco", "scania")  # brands with a column of their own ("IVECO", "N. SCANIA")
ROLES = ("Titolare", "Responsabile flotta", "Responsabile acquisti", "Amministratore",
         "Direttore logistica", "Socio")  # fmt: skip
AGENCIES = ("Agenzia Nord", "TeleQualifica Srl", "Call Center Adriatico")
UNREADABLE = ("forse", "da valutare", "dipende", "?")  # horizons no table knows
DATE_STYLES = ("%d/%m/%Y", "%d-%m-%y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")
COUNT_STYLES = ("{n}", "{n}", "{n} mezzi", "{n} veicoli")


def _brand_column(value: str) -> str:
    name = brand_names()[value].upper()
    return name if value == COLUMN_BRANDS[0] else f"N. {name}"


HEADER = [
    "REFERENTE", "RUOLO", "TELEFONO REFERENTE", "EMAIL REFERENTE",
    "MARCA", "N. VEICOLI",
    *(f"{h} {n}" for n in range(2, PAIRS + 1) for h in ("MARCA", "N VEICOLI")),
    *(_brand_column(v) for v in COLUMN_BRANDS),
    "ORIZZONTE ACQUISTO", "DATA QUALIFICA", "AGENZIA",
]  # fmt: skip
TRUTH = ["contact", "contact_phone", "fleet", "horizon", "qualified_on", "qualified"]
MONTHS = {Horizon.M3: "3", Horizon.M6: "6", Horizon.M12: "12", Horizon.NONE: "none"}


@dataclass(frozen=True)
class Results:
    """One row's results: the cells (``HEADER`` order) and the truth (``TRUTH`` order)."""

    cells: list[str]
    truth: list[str]


EMPTY = Results([""] * len(HEADER), [""] * len(TRUTH))


def chosen(company: str, seed: int) -> bool:
    """Whether the company carries results: the same for a seed whatever the file's size."""
    return zlib.crc32(f"{seed}:{company}".encode()) % 1000 < SHARE * 1000


def results(seed: int, number: int, key: str, company: str, name: str, day: date,
            age_months: int) -> Results:  # fmt: skip
    """The results of the row ``number`` (the company ``company``, its row's ``key``),
    qualified up to ``day``; "qualified" says whether it should arrive qualified when
    results within ``age_months`` count."""
    if key != company or not chosen(company, seed):
        return EMPTY
    rng = random.Random(f"results-{seed}-{number}")  # noqa: S311 - test data, not a secret
    cells = dict.fromkeys(HEADER, "")
    contact, phone = _contact(rng, name, cells)
    fleet = _fleet(rng, cells)
    horizon = _horizon(rng, cells)
    qualified_on = None
    if rng.random() < 0.95:  # an undated result never counts
        qualified_on = day - timedelta(days=rng.randint(0, 700))
        cells["DATA QUALIFICA"] = qualified_on.strftime(rng.choice(DATE_STYLES))
        _in_step(parse_date(cells["DATA QUALIFICA"]) == qualified_on, cells["DATA QUALIFICA"])
    cells["AGENZIA"] = rng.choice(AGENCIES)
    qualified = bool(
        contact and horizon in QUALIFYING and qualified_on
        and months_before(day, age_months) <= qualified_on <= day
    )  # fmt: skip
    truth = [
        contact,
        phone,
        ";".join(f"{b}:{n}" for b, n in sorted(fleet)),
        MONTHS[horizon] if horizon else "",
        qualified_on.isoformat() if qualified_on else "",
        "1" if qualified else "0",
    ]
    return Results([cells[h] for h in HEADER], truth)


def _in_step(ok: bool, written: str) -> None:
    """The import must read what was written as the truth says: else the tables moved."""
    if not ok:
        raise ValueError(f"the import no longer reads {written!r} as the generator meant")


def _contact(rng: random.Random, company_name: str, cells: dict[str, str]) -> tuple[str, str]:
    """A named contact (nine in ten: without a name no contact is written), with a role, a
    mobile and an e-mail; its name and E.164 phone as the truth."""
    if rng.random() < 0.1:
        cells["RUOLO"] = rng.choice(ROLES)  # a role alone is no contact
        return "", ""
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    mobile = make_mobile_phone(rng)
    email = f"{slug(first)}.{slug(last)}@{slug(company_name)}.it"
    cells.update({"REFERENTE": f"{first} {last}", "RUOLO": rng.choice(ROLES),
                  "TELEFONO REFERENTE": f"{mobile[:3]} {mobile[3:]}",
                  "EMAIL REFERENTE": email})  # fmt: skip
    return f"{first} {last}", f"+39{mobile}"


def _fleet(rng: random.Random, cells: dict[str, str]) -> list[tuple[str, int]]:
    """0-3 brands with their counts, each in a brand's own column (when it has one, half
    the time) or in the next brand/count pair, written as people write them."""
    brands = rng.sample(sorted(brand_names()), rng.choice((0, 1, 1, 2, 2, 3)))
    spellings = sorted(brand_synonyms().items())
    pair = 1
    fleet = []
    for value in brands:
        count = rng.randint(1, 40)
        written = rng.choice(COUNT_STYLES).format(n=count)
        fleet.append((brand_names()[value], count))
        if value in COLUMN_BRANDS and rng.random() < 0.5:
            cells[_brand_column(value)] = written
            continue
        forms = [text for text, name in spellings if name == brand_names()[value]]
        suffix = "" if pair == 1 else f" {pair}"
        cells[f"MARCA{suffix}"] = rng.choice((str.upper, str.title, str))(rng.choice(forms))
        cells["N. VEICOLI" if pair == 1 else f"N VEICOLI {pair}"] = written
        pair += 1
    return fleet


def _horizon(rng: random.Random, cells: dict[str, str]) -> Horizon | None:
    """The horizon, written one of the ways the import's table knows (or, one time in
    twenty, a way it does not: no opportunity should land); None when none is written."""
    draw = rng.random()
    if draw < 0.05:
        return None
    if draw < 0.10:
        cells["ORIZZONTE ACQUISTO"] = rng.choice(UNREADABLE)
        _in_step(parse_horizon(cells["ORIZZONTE ACQUISTO"]) is None, cells["ORIZZONTE ACQUISTO"])
        return None
    horizon = rng.choice((Horizon.M3, Horizon.M6, Horizon.M12, Horizon.M12, Horizon.NONE))
    forms = sorted(text for text, value in HORIZONS.items() if value == horizon)
    written = rng.choice((str.upper, str.capitalize, str))(rng.choice(forms))
    _in_step(parse_horizon(written) == horizon, written)
    cells["ORIZZONTE ACQUISTO"] = written
    return horizon
