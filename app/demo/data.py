"""Word lists for the demo base: Italian surnames, first names and haulage trade names."""

from __future__ import annotations

SURNAMES = tuple(
    name.replace("_", " ")  # "De_Luca" is one surname: split on spaces first
    for name in (
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

STREET_NAMES = tuple(
    name.replace("_", " ")
    for name in (
        "Roma Garibaldi Mazzini Cavour Dante Verdi Marconi Matteotti Vittorio_Veneto "
        "dell'Industria dell'Artigianato del_Lavoro dei_Trasporti Emilia Aurelia Appia "
        "XX_Settembre IV_Novembre Gramsci Leopardi Manzoni Volta Galilei Colombo Europa "
        "delle_Industrie dell'Autostrada Nazionale San_Francesco Don_Minzoni Kennedy"
    ).split()
)
