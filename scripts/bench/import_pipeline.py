"""Benchmark the import: speed, memory and quality on a generated dirty file.

Writes a dirty account file with its truth (``scripts/make_dirty_accounts.py``, seeded),
imports it into a fresh database (a throwaway SQLite file, or ``--database-url``) through
the same function as ``flask accounts import``, and reports:

  - rows per second and the peak memory of the import process (its own process, so the
    file generation does not count) and of the process that cleans rows beside it for a
    large file (``app/imports/cleaning.py``); both are alive together, so their sum bounds
    the import's memory;
  - de-duplication precision, recall and F1 over pairs of rows (two rows are a predicted
    pair when they ended in the same account, a true pair when they are the same company;
    pairs left for a person's review count as not merged, and are reported apart);
  - ISTAT matching: rows whose account has the right code, a wrong one (a silent error),
    or none (flagged for review);
  - phones and VAT numbers: rows whose true value is on their account.

It prints a table and appends a dated section, with the machine, to docs/benchmarks.md.

    .venv/bin/python scripts/bench/import_pipeline.py --rows 100000
    .venv/bin/python scripts/bench/import_pipeline.py --rows 1000000 --no-quality
    .venv/bin/python scripts/bench/import_pipeline.py --rows 100000 \\
        --database-url postgresql://qualifica@127.0.0.1:55432/qbench
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import platform
import queue
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from math import comb
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("QUALIFICA_INSTANCE_PATH", tempfile.mkdtemp(prefix="qualifica-bench-"))

BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"


def app_for(url: str):
    from app import create_app

    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    # A generated million rows weigh ~120 MB, over the default upload limit.
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "IMPORT_MAX_BYTES": 2 * 1024**3})


def prepare(url: str) -> None:
    """Fresh schema and the municipality reference."""
    import flask_migrate
    import sqlalchemy as sa

    from app.extensions import db
    from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
    from app.territory.services import load_municipalities

    app = app_for(url)
    os.chdir(ROOT)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        flask_migrate.upgrade()
        load_municipalities(db.session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
        db.session.commit()
        if not db.session.scalar(sa.text("SELECT count(*) FROM municipalities")):
            raise SystemExit("the municipality reference did not load")


def run_import(url: str, path: str, result) -> None:
    """In its own process: import the file and report time and peak memory."""
    from app.extensions import db
    from app.imports.models import SourceKind
    from app.imports.services import import_now

    app = app_for(url)
    with app.app_context():
        start = time.perf_counter()
        batch, report = import_now(db.session, Path(path), SourceKind.CUSTOMER_BASE)
        db.session.commit()
        seconds = time.perf_counter() - start
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # The cleaning process has ended and been waited for: its peak is counted here.
        worker_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        result.put((batch.id, seconds, peak_kib, worker_kib, report.as_dict()))


def quality(url: str, batch_id: int, truth_path: Path) -> dict[str, float | int]:
    """Score the import against the truth file."""
    import sqlalchemy as sa

    from app.accounts.models import Account, AccountPhone, AccountSource
    from app.extensions import db

    truth = {int(r["row"]): r for r in csv.DictReader(truth_path.open(encoding="utf-8"))}
    app = app_for(url)
    with app.app_context():
        account_of = dict(
            db.session.execute(
                sa.select(AccountSource.row_number, AccountSource.account_id).where(
                    AccountSource.import_batch_id == batch_id
                )
            ).all()
        )
        accounts = {
            a.id: a
            for a in db.session.execute(
                sa.select(Account.id, Account.istat_code, Account.vat_number)
            ).all()
        }
        phones: dict[int, set[str]] = defaultdict(set)
        for account_id, e164 in db.session.execute(
            sa.select(AccountPhone.account_id, AccountPhone.e164)
        ):
            phones[account_id].add(e164)
        pending = db.session.scalar(sa.text("SELECT count(*) FROM duplicate_pairs"))
    together: Counter[tuple[int, str]] = Counter()
    by_account: Counter[int] = Counter()
    by_company: Counter[str] = Counter()
    istat = Counter()
    phone_ok = vat_ok = 0
    for row, facts in truth.items():
        account_id = account_of.get(row)
        if account_id is None:
            istat["rejected"] += 1
            continue
        company = facts["company"]
        together[(account_id, company)] += 1
        by_account[account_id] += 1
        by_company[company] += 1
        found = accounts[account_id].istat_code
        istat["right" if found == facts["istat_code"] else ("none" if not found else "wrong")] += 1
        phone_ok += facts["phone_e164"] in phones[account_id]
        vat_ok += accounts[account_id].vat_number == facts["vat_number"]
    true_positive = sum(comb(n, 2) for n in together.values())
    predicted = sum(comb(n, 2) for n in by_account.values())
    actual = sum(comb(n, 2) for n in by_company.values())
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    rows = len(truth)
    return {
        "pairs_true": actual,
        "pairs_predicted": predicted,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "pairs_pending_review": pending,
        "istat_right": istat["right"] / rows,
        "istat_wrong": istat["wrong"] / rows,
        "istat_none": istat["none"] / rows,
        "phone_right": phone_ok / rows,
        "vat_right": vat_ok / rows,
    }


def machine(url: str) -> str:
    import sqlalchemy as sa

    from app.extensions import db

    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
    with app_for(url).app_context():
        postgres = db.engine.dialect.name == "postgresql"
        query = "SELECT version()" if postgres else "SELECT 'SQLite ' || sqlite_version()"
        version = db.session.scalar(sa.text(query))
    return (
        f"nproc {os.cpu_count()}, {cpu}, RAM {kib / 1024 / 1024:.1f} GiB; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"database: {str(version).split(',')[0]}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (emptied!)")
    parser.add_argument("--no-quality", action="store_true", help="skip the scoring")
    parser.add_argument("--no-append", action="store_true", help="do not write the docs")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qualifica-import-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"

    import make_dirty_accounts

    data = work / "accounts.csv"
    print(f"writing {args.rows:,} dirty rows (seed {args.seed}) ...")
    truth = make_dirty_accounts.write(data, args.rows, args.seed)
    print("preparing the database ...")
    prepare(url)
    print("importing ...")
    context = multiprocessing.get_context("spawn")
    result = context.Queue()
    child = context.Process(target=run_import, args=(url, str(data), result))
    child.start()
    while True:  # the child may die (say, out of memory) without a word
        try:
            batch_id, seconds, peak_kib, worker_kib, report = result.get(timeout=5)
            break
        except queue.Empty:
            if not child.is_alive():
                raise SystemExit(f"the import process ended with code {child.exitcode}") from None
    child.join()
    lines = [
        f"- {args.rows:,} rows in {seconds:,.1f} s: {args.rows / seconds:,.0f} rows/s; "
        f"peak memory of the import process {peak_kib / 1024:,.0f} MiB, of the cleaning "
        f"process {worker_kib / 1024:,.0f} MiB (none when the file is cleaned in one process)",
        f"- accounts created {report['accounts_created']:,}, duplicates merged "
        f"{report['duplicates_merged']:,}, pairs for review {report['duplicates_to_review']:,}"
        f", fields corrected {report['fields_corrected']:,}, values flagged "
        f"{report['flags_raised']:,}, rows rejected {report['rows_rejected']:,}; "
        f"duplicate weights: {report.get('duplicate_weights', '-')}",
    ]
    if not args.no_quality:
        print("scoring against the truth ...")
        q = quality(url, batch_id, truth)
        lines += [
            f"- de-duplication over {q['pairs_true']:,} true pairs: precision "
            f"{q['precision']:.4f}, recall {q['recall']:.4f}, F1 {q['f1']:.4f} "
            f"({q['pairs_pending_review']:,} pairs left for review count as not merged)",
            f"- ISTAT code right for {q['istat_right']:.2%} of rows, wrong for "
            f"{q['istat_wrong']:.2%} (silent errors), none for {q['istat_none']:.2%} (flagged)",
            f"- true phone on the account for {q['phone_right']:.2%} of rows; true VAT number "
            f"for {q['vat_right']:.2%}",
        ]
    print("\n".join(lines))
    if not args.no_append:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        kind = "PostgreSQL" if args.database_url else "SQLite"
        with BENCHMARKS_MD.open("a") as handle:
            handle.write(
                f"\n## Import pipeline ({kind}), {stamp}\n\n`scripts/bench/import_pipeline.py "
                f"--rows {args.rows} --seed {args.seed}`: generated dirty file (CP1252, `;`), "
                f"imported in one transaction by `import_now` (as `flask accounts import`)."
                f"\n\nMachine: {machine(url)}.\n\n" + "\n".join(lines) + "\n"
            )
        print(f"appended to {BENCHMARKS_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
