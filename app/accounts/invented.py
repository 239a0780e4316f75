"""Invented Italian companies: names, streets, VAT numbers and phone numbers that look
real, drawn from a ``random.Random``. The demo base is made of them, and practice accounts
get them in place of a real company's data (``app.campaigns.practice``).

Pure functions: the same generator state always gives the same values.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence

import phonenumbers
from stdnum import luhn

SURNAMES = tuple(
    name.replace("_", " ")  # "De_Luca" is one surname: split on spaces first
    for name in (  # noqa: SIM905  # a word list read as prose
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
        "Conti De_Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro "
        "Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale "
        "Lombardo Serra Coppola De_Santis D'Angelo Marchetti Parisi Villa Conte Ferraro Ferri "
        "Fabbri Bianco Marini Grasso Valentini Messina Sala De_Angelis Gatti Pellegrini Palumbo "
        "Sanna Farina Rizzi Monti Cattaneo Morelli Amato Silvestri Mazza Testa Grassi Pellegrino "
        "Carbone Giuliani Benedetti Barone Rossetti Caputo Montanari Guerra Palmieri Bernardi "
        "Martino Fiore De_Rosa Ferretti Bellini Basile Riva Donati Piras Vitali Battaglia Sartori "
        "Neri Costantini Milani Pagano Ruggiero Sorrentino D'Amico Orlando Damico Negri Zanetti "
        "Formigoni Galdabino Locatelli Galvan Brambilla Bonfanti Pozzi Crippa Ghezzi Tagliabue"
    ).split()
)

FIRST_NAMES = [
    "Marco",
    "Giuseppe",
    "Giovanni",
    "Antonio",
    "Mario",
    "Luigi",
    "Francesco",
    "Angelo",
    "Vincenzo",
    "Pietro",
    "Salvatore",
    "Carlo",
    "Franco",
    "Domenico",
    "Bruno",
    "Paolo",
    "Michele",
    "Giorgio",
    "Aldo",
    "Sergio",
    "Luca",
    "Andrea",
    "Stefano",
    "Roberto",
    "Alessandro",
    "Davide",
    "Matteo",
    "Simone",
    "Lorenzo",
    "Fabio",
    "Maria",
    "Anna",
    "Giulia",
    "Francesca",
    "Laura",
    "Paola",
    "Elena",
    "Chiara",
    "Sara",
    "Valentina",
    "Silvia",
    "Roberta",
    "Cristina",
    "Federica",
    "Lucia",
]

TRADE_PATTERNS = (
    "Autotrasporti {s}",
    "Trasporti {s} & Figli",
    "F.lli {s}",
    "{s} Logistica",
    "{s} e {s2} Trasporti",
    "Autotrasporti {s} {f}",
    "{s} Spedizioni",
    "Autolinee {s}",
    "{s} Movimento Terra",
    "Trasporti Frigoriferi {s}",
    "{s} Inerti e Trasporti",
    "Cooperativa Autotrasportatori {p}",
    "Logistica {p}",
    "{s} Group",
    "Transport {s}",
    "Autotrasporti Conto Terzi {s}",
)

# How the same legal form arrives from different sources: the normaliser's job later.
LEGAL_FORMS = (
    ("S.R.L.", 10),
    ("SRL", 8),
    ("s.r.l.", 6),
    ("S.r.l.", 6),
    ("Srl", 3),
    ("S.R.L.S.", 2),
    ("S.P.A.", 3),
    ("SpA", 2),
    ("S.N.C.", 5),
    ("snc", 3),
    ("S.A.S.", 5),
    ("sas", 2),
    ("Soc. Coop.", 2),
    ("", 8),
)

STREET_TYPES = (
    ("Via", 60),
    ("Viale", 10),
    ("Piazza", 5),
    ("Corso", 5),
    ("Strada Provinciale", 6),
    ("Località", 5),
    ("Zona Industriale", 4),
)

STREET_NAMES = tuple(
    name.replace("_", " ")
    for name in (  # noqa: SIM905  # a word list read as prose
        "Roma Garibaldi Mazzini Cavour Dante Verdi Marconi Matteotti Vittorio_Veneto "
        "dell'Industria dell'Artigianato del_Lavoro dei_Trasporti Emilia Aurelia Appia "
        "XX_Settembre IV_Novembre Gramsci Leopardi Manzoni Volta Galilei Colombo Europa "
        "delle_Industrie dell'Autostrada Nazionale San_Francesco Don_Minzoni Kennedy"
    ).split()
)

AREA_CODES = {
    "MI": "02",
    "MB": "039",
    "BG": "035",
    "CO": "031",
    "LC": "0341",
    "VA": "0332",
    "LO": "0371",
    "TO": "011",
    "CN": "0171",
    "AL": "0131",
    "AT": "0141",
    "NO": "0321",
    "VC": "0161",
    "BI": "015",
    "VR": "045",
    "VI": "0444",
    "PD": "049",
    "TV": "0422",
    "VE": "041",
    "BS": "030",
    "MN": "0376",
    "BO": "051",
    "MO": "059",
    "RE": "0522",
    "PR": "0521",
    "FE": "0532",
    "RA": "0544",
    "FC": "0543",
    "FI": "055",
    "PO": "0574",
    "PT": "0573",
    "PI": "050",
    "LU": "0583",
    "AR": "0575",
    "SI": "0577",
    "RM": "06",
    "LT": "0773",
    "FR": "0775",
    "VT": "0761",
    "RI": "0746",
    "PG": "075",
    "AN": "071",
    "NA": "081",
    "CE": "0823",
    "SA": "089",
    "AV": "0825",
    "BN": "0824",
    "BA": "080",
    "BT": "0883",
    "TA": "099",
    "LE": "0832",
    "BR": "0831",
    "FG": "0881",
}

MOBILE_PREFIXES = (
    "320",
    "328",
    "329",
    "330",
    "333",
    "335",
    "338",
    "339",
    "340",
    "347",
    "348",
    "349",
    "366",
    "380",
    "388",
    "389",
    "391",
    "392",
    "393",
)


def weighted(rng: random.Random, pairs: Sequence[tuple[object, int]]):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def make_vat(rng: random.Random, province_istat: str) -> str:
    """A VAT number with a valid check digit: 7-digit serial, 3-digit office, check."""
    office = int(province_istat)
    if not 1 <= office <= 100:  # provinces created after 1995 use other office codes
        office = rng.randint(1, 100)
    # A leading zero now and then, so that "Excel dropped the zero" can happen later.
    serial = (
        f"{rng.randint(0, 999_999):07d}"
        if rng.random() < 0.15
        else f"{rng.randint(1_000_000, 9_999_999)}"
    )
    body = f"{serial}{office:03d}"
    return body + luhn.calc_check_digit(body)


def make_fixed_phone(rng: random.Random, province: str) -> str:
    """A fixed line with the province's area code that phonenumbers accepts as valid."""
    area = AREA_CODES[province]
    for _ in range(20):
        number = area + "".join(str(rng.randint(0, 9)) for _ in range(10 - len(area)))
        if number[len(area)] == "0":
            continue
        if phonenumbers.is_valid_number(phonenumbers.parse(number, "IT")):
            return number
    raise RuntimeError(f"no valid fixed number for area code {area}")


def make_mobile_phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(7))


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", plain.lower())[:24] or "azienda"


def company_name(rng: random.Random, municipality: str) -> tuple[str, str]:
    """A haulier's trade name and its full name with a legal form, as sources write it."""
    surname, surname2 = rng.sample(SURNAMES, 2)
    trade = rng.choice(TRADE_PATTERNS).format(
        s=surname, s2=surname2, f=rng.choice(FIRST_NAMES), p=municipality
    )
    form = weighted(rng, LEGAL_FORMS)
    if not form and rng.random() < 0.5:
        form = f"di {rng.choice(FIRST_NAMES)} {surname}"  # ditta individuale
    return trade, f"{trade} {form}".strip()


def street(rng: random.Random) -> tuple[str, str]:
    """A street type and a street with its house number ("Via Roma 12/A")."""
    kind = weighted(rng, STREET_TYPES)
    name = rng.choice(STREET_NAMES)
    number = str(rng.randint(1, 180)) + (rng.choice(["", "", "", "/A", "/B", " bis"]))
    return kind, f"{kind} {name} {number}" if kind != "Località" else f"{kind} {name}"
