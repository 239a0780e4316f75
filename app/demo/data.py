"""What careless sources do to the demo's rows (the invented companies themselves come from
``app.accounts.invented``)."""

from __future__ import annotations

# What a careless source does to the same street type.
STREET_ABBREVIATIONS = {
    "Via": "V.",
    "Viale": "V.LE",
    "Piazza": "P.ZZA",
    "Corso": "C.SO",
    "Strada Provinciale": "S.P.",
    "Località": "LOC.",
    "Zona Industriale": "Z.I.",
}
