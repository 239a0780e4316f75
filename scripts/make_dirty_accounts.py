"""Write a dirty Italian account file with its known truth, at any size, from a seed.

The rows are what an old customer database exports: names in every case with legal forms
written many ways, abbreviated streets, CAPs that lost their leading zero, provinces as
names, misspelt municipalities, VAT numbers with a prefix, a lost zero or a wrong check
digit, phones formatted every way, and about 5 % duplicates of earlier rows as a second
source would spell them. Between them, unless ``--no-cases``, about 2.5 % of the rows are
the hard cases of ``scripts/dirty_cases.py``: same-name neighbours, a row with another
company's VAT number, a company written twice far apart, branches, landlines that lost
their zero, premium numbers. Beside the file, ``FILE.truth.csv`` says for each row which
company it is, its case, and what its ISTAT code, VAT number and phones really are: the
benchmark (`scripts/bench/import_pipeline.py`) scores the import against it.

    .venv/bin/python scripts/make_dirty_accounts.py --rows 100000 --seed 7 --out /tmp/base.csv
    .venv/bin/python scripts/make_dirty_accounts.py --rows 31000 --headers underscore ...

Truth columns: ``row`` (line number in the file, the header being line 1), ``company``
(rows with the same value are one company), ``istat_code`` (of the row's site), ``vat_number``,
``phone_e164`` (the row's right phone, empty when none is callable), ``defects``, ``case``
(``ordinary`` or a case kind of ``dirty_cases.KINDS``), ``group`` (the case instance),
``site`` (branches: the row's site, ``company/n``) and ``phones`` (each phone as written,
``=`` its true E.164 or nothing when it is not a number to call, separated by ``;``).

With ``--results``, about a fifth of the companies' first rows also carry earlier
qualification results (``scripts/dirty_results.py``: contact, fleet, purchase horizon,
date, agency) and the truth gains ``contact`` (the contact's name, empty when the row names
none), ``contact_phone`` (its E.164 number), ``fleet`` (``Brand:count;...`` as the desk
names brands), ``horizon`` (``3``, ``6``, ``12``, ``none``, or empty when no opportunity
should land), ``qualified_on`` (ISO date) and ``qualified`` (``1`` when the account should
arrive qualified elsewhere: a contact, a horizon of 3 to 12 months, dated within
``--results-age`` months of ``--results-day``, default today in Rome).

Constant memory: the rows are written as they are made.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import dirty_results  # noqa: E402
from dirty_cases import e164, lines  # noqa: E402

from app.columns import ROME, utcnow  # noqa: E402
from app.demo.generator import bundled_places  # noqa: E402

HEADER = ["CODICE", "RAGIONE SOCIALE", "INDIRIZZO", "CAP", "COMUNE", "PROV", "PARTITA IVA",
          "TELEFONO", "EMAIL"]  # fmt: skip
# Headers as Italian database exports write them, underscores and all; each file picks
# one spelling per column (from the seed).
UNDERSCORE_HEADERS = (
    ("codice_cliente", "cod_cliente"), ("ragione_sociale", "rag_soc"), ("indirizzo",),
    ("cap",), ("localita", "comune"), ("prov",), ("partita_iva", "p_iva"),
    ("telefono", "tel"), ("email",),
)  # fmt: skip
SOURCE_COLUMNS = ("RAGIONE_SOCIALE", "INDIRIZZO", "CAP", "COMUNE", "PROV", "PARTITA_IVA",
                  "TELEFONO", "EMAIL")  # fmt: skip
TRUTH = ["row", "company", "istat_code", "vat_number", "phone_e164", "defects", "case",
         "group", "site", "phones"]  # fmt: skip
PHONE_SEPARATOR = " / "  # how a source lists several phones in its one TELEFONO column


def header(style: str, seed: int) -> list[str]:
    if style == "export":
        return HEADER
    rng = random.Random(f"headers-{seed}")  # noqa: S311 - a spelling, not a secret
    return [rng.choice(names) for names in UNDERSCORE_HEADERS]


def write(
    out: Path,
    rows: int,
    seed: int,
    encoding: str = "cp1252",
    *,
    cases: bool = True,
    headers: str = "export",
    results: bool = False,
    results_day: date | None = None,
    results_age: int = 12,
) -> Path:
    truth_path = out.with_suffix(".truth.csv")
    day = results_day or utcnow().astimezone(ROME).date()
    with (
        out.open("w", encoding=encoding, errors="replace", newline="") as data,
        truth_path.open("w", encoding="utf-8", newline="") as truth,
    ):
        rows_out, truth_out = csv.writer(data, delimiter=";"), csv.writer(truth)
        rows_out.writerow(header(headers, seed) + (dirty_results.HEADER if results else []))
        truth_out.writerow(TRUTH + (dirty_results.TRUTH if results else []))
        for number, line in enumerate(lines(rows, seed, bundled_places(), cases), start=2):
            row = line.row
            source = row.as_source()
            source["TELEFONO"] = PHONE_SEPARATOR.join(row.phones)
            extra = dirty_results.EMPTY
            if results:
                extra = dirty_results.results(seed, number, row.key, line.company,
                                              row.company_name, day, results_age)  # fmt: skip
            rows_out.writerow([row.key, *(source[name] for name in SOURCE_COLUMNS)]
                              + (extra.cells if results else []))  # fmt: skip
            phones = ";".join(f"{w}={t}" for w, t in zip(row.phones, line.phones, strict=True))
            truth_out.writerow(
                [number, line.company, row.true_istat, row.true_vat, e164(row.true_phone),
                 " ".join(row.defects), line.case, line.group, line.site, phones]
                + (extra.truth if results else [])
            )  # fmt: skip
    return truth_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write")
    parser.add_argument("--encoding", default="cp1252", help="as Access exports (cp1252)")
    parser.add_argument("--no-cases", action="store_true", help="ordinary rows only")
    parser.add_argument(
        "--headers", choices=("export", "underscore"), default="export",
        help="'RAGIONE SOCIALE' (export) or 'ragione_sociale', 'p_iva'... (underscore)",
    )  # fmt: skip
    parser.add_argument(
        "--results",
        action="store_true",
        help="earlier qualification results on some rows (dirty_results.py)",
    )
    parser.add_argument(
        "--results-day",
        type=date.fromisoformat,
        help="the day results are dated up to (default: today, Rome)",
    )
    parser.add_argument(
        "--results-age",
        type=int,
        default=12,
        help="months within which a result counts as qualified (truth)",
    )
    args = parser.parse_args(argv)
    truth = write(args.out, args.rows, args.seed, args.encoding, cases=not args.no_cases,
                  headers=args.headers, results=args.results, results_day=args.results_day,
                  results_age=args.results_age)  # fmt: skip
    print(f"{args.rows:,} rows -> {args.out}; truth -> {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
