"""Write a dirty Italian account file with its known truth, at any size, from a seed.

The rows are what an old customer database exports: names in every case with legal forms
written many ways, abbreviated streets, CAPs that lost their leading zero, provinces as
names, misspelt municipalities, VAT numbers with a prefix, a lost zero or a wrong check
digit, phones formatted every way, and about 5 % duplicates of earlier rows as a second
source would spell them. Beside the file, ``FILE.truth.csv`` says for each row which
company it is and what its ISTAT code, VAT number and phone really are: the benchmark
(`scripts/bench/import_pipeline.py`) scores the import against it.

    .venv/bin/python scripts/make_dirty_accounts.py --rows 100000 --seed 7 --out /tmp/base.csv

Constant memory: the rows are written as they are made.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import phonenumbers  # noqa: E402

from app.demo.generator import bundled_places, iter_rows  # noqa: E402

HEADER = ["CODICE", "RAGIONE SOCIALE", "INDIRIZZO", "CAP", "COMUNE", "PROV", "PARTITA IVA",
          "TELEFONO", "EMAIL"]  # fmt: skip
SOURCE_COLUMNS = ("RAGIONE_SOCIALE", "INDIRIZZO", "CAP", "COMUNE", "PROV", "PARTITA_IVA",
                  "TELEFONO", "EMAIL")  # fmt: skip
TRUTH = ["row", "company", "istat_code", "vat_number", "phone_e164", "defects"]


def e164(number: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(number, "IT"), phonenumbers.PhoneNumberFormat.E164
    )


def write(out: Path, rows: int, seed: int, encoding: str = "cp1252") -> Path:
    truth_path = out.with_suffix(".truth.csv")
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    with (
        out.open("w", encoding=encoding, errors="replace", newline="") as data,
        truth_path.open("w", encoding="utf-8", newline="") as truth,
    ):
        rows_out, truth_out = csv.writer(data, delimiter=";"), csv.writer(truth)
        rows_out.writerow(HEADER)
        truth_out.writerow(TRUTH)
        root: dict[str, str] = {}  # row key -> the company's first row (duplicates chain)
        for number, row in enumerate(iter_rows(rng, bundled_places(), rows), start=2):
            company = root[row.key] = root.get(row.duplicate_of or "", row.key)
            source = row.as_source()
            rows_out.writerow([row.key, *(source[name] for name in SOURCE_COLUMNS)])
            truth_out.writerow(
                [number, company, row.true_istat, row.true_vat,
                 e164(row.true_phone), " ".join(row.defects)]
            )  # fmt: skip
    return truth_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write")
    parser.add_argument("--encoding", default="cp1252", help="as Access exports (cp1252)")
    args = parser.parse_args(argv)
    truth = write(args.out, args.rows, args.seed, args.encoding)
    print(f"{args.rows:,} rows -> {args.out}; truth -> {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
