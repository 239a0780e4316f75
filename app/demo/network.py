"""The demo sales network: 3 zones, 8 dealers and the provinces each dealer covers (their
telephone area codes are in ``app.accounts.invented``)."""

from __future__ import annotations

ZONES = (
    ("NORD", "Nord", "Carla Zanetti"),
    ("CENTRO", "Centro", "Paolo Formigoni"),
    ("SUD", "Sud e Isole", "Luca Galdabino"),
)

# dealer code, name, zone, seat municipality, seat province, provinces covered
DEALERS = (
    (
        "D-MI",
        "Lombarda Veicoli Industriali",
        "NORD",
        "Milano",
        "MI",
        ("MI", "MB", "BG", "CO", "LC", "VA", "LO"),
    ),
    (
        "D-TO",
        "Piemonte Truck Center",
        "NORD",
        "Torino",
        "TO",
        ("TO", "CN", "AL", "AT", "NO", "VC", "BI"),
    ),
    (
        "D-VR",
        "Triveneto Camion",
        "NORD",
        "Verona",
        "VR",
        ("VR", "VI", "PD", "TV", "VE", "BS", "MN"),
    ),
    (
        "D-BO",
        "Emilia Trucks",
        "CENTRO",
        "Bologna",
        "BO",
        ("BO", "MO", "RE", "PR", "FE", "RA", "FC"),
    ),
    (
        "D-FI",
        "Toscana Veicoli Pesanti",
        "CENTRO",
        "Firenze",
        "FI",
        ("FI", "PO", "PT", "PI", "LU", "AR", "SI"),
    ),
    (
        "D-RM",
        "Centro Italia Truck",
        "CENTRO",
        "Roma",
        "RM",
        ("RM", "LT", "FR", "VT", "RI", "PG", "AN"),
    ),
    ("D-NA", "Campania Veicoli Industriali", "SUD", "Napoli", "NA", ("NA", "CE", "SA", "AV", "BN")),
    ("D-BA", "Puglia Truck Service", "SUD", "Bari", "BA", ("BA", "BT", "TA", "LE", "BR", "FG")),
)

SALESPEOPLE_PER_DEALER = 3
