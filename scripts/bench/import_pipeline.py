"""Benchmark the import: speed, memory and quality on a generated dirty file.

Writes a dirty account file with its truth (``scripts/make_dirty_accounts.py``, seeded),
imports it into a fresh database (a throwaway SQLite file, or ``--database-url``) through
the same function as ``flask accounts import``, and reports:

  - rows per second and the peak memory of the import process (its own process, so the
    file generation does not count) and of the process that cleans rows beside it for a
    large file (``app/imports/cleaning.py``); both are alive together, so their sum bounds
    the import's memory;
  - whether the suggested column mapping recognises the file's headers (``--headers
    underscore`` writes ``ragione_sociale``, ``p_iva``... as Italian exports do);
  - quality against the truth, per case kind of ``scripts/dirty_cases.py``
    (``import_scoring.py``): pairs of rows (true, predicted, precision, recall, F1; two
    rows are a predicted pair when they ended in the same account, a true pair when they
    are the same company; pairs left for a person's review count as not merged and are
    shown apart), phones right / flagged / silently wrong, ISTAT codes right / flagged /
    silently wrong, accounts held for review, and the branches' sites kept;
  - with ``--results`` (earlier qualification results on some rows, ``dirty_results.py``):
    the accounts that arrived qualified elsewhere, expected and got, and each answer
    (contact, fleet line, horizon) on the right account, a wrong one, or lost
    (``results_scoring.py``);
  - the machine's load average before and after the import (the machine may be shared).

It prints a table and appends a dated section, with the machine, to docs/benchmarks.md.

    .venv/bin/python scripts/bench/import_pipeline.py --rows 100000
    .venv/bin/python scripts/bench/import_pipeline.py --rows 1000000 --no-quality
    .venv/bin/python scripts/bench/import_pipeline.py --rows 31000 --headers underscore
    .venv/bin/python scripts/bench/import_pipeline.py --rows 20000 --results
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
from datetime import UTC, datetime
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


def run_import(url: str, path: str, result, age: int = 12) -> None:
    """In its own process: import the file and report time and peak memory (results
    within ``age`` months count as qualified)."""
    from app.extensions import db
    from app.imports.models import SourceKind
    from app.imports.services import import_now

    app = app_for(url)
    with app.app_context():
        start = time.perf_counter()
        batch, report = import_now(db.session, Path(path), SourceKind.CUSTOMER_BASE,
                                   qualified_within_months=age)  # fmt: skip
        db.session.commit()
        seconds = time.perf_counter() - start
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # The cleaning process has ended and been waited for: its peak is counted here.
        worker_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        result.put((batch.id, seconds, peak_kib, worker_kib, report.as_dict()))


def quality(url: str, batch_id: int, truth_path: Path) -> list[str]:
    """Score the import against the truth file, per case kind (``import_scoring``)."""
    from import_scoring import score
    from results_scoring import score as score_results

    from app.extensions import db

    with app_for(url).app_context():
        lines = score(db.session, batch_id, truth_path).lines()
        results = score_results(db.session, batch_id, truth_path)
    return lines if results is None else [*lines, "", *results.lines()]


def headers_recognised(path: Path) -> tuple[list[str], list[str]]:
    """The file's headers the suggested mapping leaves out, and what it says is wrong."""
    from app.imports.mapping import check, suggest

    with path.open(encoding="cp1252", newline="") as handle:
        headers = next(csv.reader(handle, delimiter=";"))
    mapping = suggest(headers)
    with app_for("sqlite://").app_context():  # the messages go through Flask-Babel
        return [h for h in headers if not mapping[h]], check(mapping, headers)


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


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (emptied!)")
    parser.add_argument("--no-quality", action="store_true", help="skip the scoring")
    parser.add_argument("--no-append", action="store_true", help="do not write the docs")
    parser.add_argument("--no-cases", action="store_true", help="ordinary rows only")
    parser.add_argument("--headers", choices=("export", "underscore"), default="export",
                        help="the file's header style (see make_dirty_accounts.py)")  # fmt: skip
    parser.add_argument(
        "--results", action="store_true", help="earlier qualification results on some rows, scored"
    )
    parser.add_argument("--results-age", type=int, default=12,
                        help="months within which a result counts as qualified")  # fmt: skip
    return parser.parse_args(argv)


def imported(url: str, data: Path, age: int = 12) -> tuple[int, list[str]]:
    """Import ``data`` in a process of its own: the batch and the speed and memory lines."""
    context = multiprocessing.get_context("spawn")
    result = context.Queue()
    child = context.Process(target=run_import, args=(url, str(data), result, age))
    child.start()
    while True:  # the child may die (say, out of memory) without a word
        try:
            batch_id, seconds, peak_kib, worker_kib, report = result.get(timeout=5)
            break
        except queue.Empty:
            if not child.is_alive():
                raise SystemExit(f"the import process ended with code {child.exitcode}") from None
    child.join()
    rows = report["rows_read"]
    return batch_id, [
        f"- {rows:,} rows in {seconds:,.1f} s: {rows / seconds:,.0f} rows/s; peak memory of "
        f"the import process {peak_kib / 1024:,.0f} MiB, of the cleaning process "
        f"{worker_kib / 1024:,.0f} MiB (none when the file is cleaned in one process)",
        f"- accounts created {report['accounts_created']:,}, duplicates merged "
        f"{report['duplicates_merged']:,}, pairs for review {report['duplicates_to_review']:,}"
        f", fields corrected {report['fields_corrected']:,}, values flagged "
        f"{report['flags_raised']:,}, rows rejected {report['rows_rejected']:,}; "
        f"duplicate weights: {report.get('duplicate_weights', '-')}",
    ]


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    work = Path(tempfile.mkdtemp(prefix="qualifica-import-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"

    import make_dirty_accounts

    data = work / "accounts.csv"
    print(f"writing {args.rows:,} dirty rows (seed {args.seed}) ...")
    truth = make_dirty_accounts.write(
        data, args.rows, args.seed, cases=not args.no_cases, headers=args.headers,
        results=args.results, results_age=args.results_age,
    )  # fmt: skip
    left_out, refused = headers_recognised(data)
    lines = [f"- headers ({args.headers}) the suggested mapping leaves out: "
             f"{', '.join(f'`{h}`' for h in left_out) or 'none'}"]  # fmt: skip
    if refused:
        lines.append(f"- not imported, the mapping is refused: {' '.join(refused)}")
    else:
        print("preparing the database ...")
        prepare(url)
        print("importing ...")
        before = load()
        batch_id, measured = imported(url, data, args.results_age)
        lines += [*measured, f"- {before} before the import, {load()} after it"]
        if not args.no_quality:
            print("scoring against the truth ...")
            lines += ["", *quality(url, batch_id, truth)]
    print("\n".join(lines))
    if not args.no_append:
        append(args, url, lines)
    return 0


def append(args: argparse.Namespace, url: str, lines: list[str]) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    kind = "PostgreSQL" if args.database_url else "SQLite"
    options = (
        " --no-cases" * args.no_cases
        + (f" --headers {args.headers}" if args.headers != "export" else "")
        + " --results" * args.results
    )
    with BENCHMARKS_MD.open("a") as handle:
        handle.write(
            f"\n## Import pipeline ({kind}), {stamp}\n\n`scripts/bench/import_pipeline.py "
            f"--rows {args.rows} --seed {args.seed}{options}`: generated dirty file (CP1252, "
            "`;`), imported in one transaction by `import_now` (as `flask accounts import`)."
            f"\n\nMachine: {machine(url)}.\n\n" + "\n".join(lines) + "\n"
        )
    print(f"appended to {BENCHMARKS_MD.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
