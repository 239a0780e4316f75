"""How long an integration waits for ``upsert_accounts`` (``app/imports/intake.py``).

A call runs inline, in the API request: this measures one call of N generated records
(dirty as the generator makes them: lost zeros, shortened names, duplicates) into a base
that already holds a generated file, then the same records sent again (each one received
before), then the same ids with a changed phone (each one found by its external id), and
the loading of the municipality reference alone, which every call pays.

It prints a table and appends a dated section, with the machine, to docs/benchmarks.md.

    .venv/bin/python scripts/bench/intake.py --records 5000
    .venv/bin/python scripts/bench/intake.py --records 5000 \\
        --database-url postgresql://qualifica@127.0.0.1:55432/qbench
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def records(count: int, seed: int) -> list[dict[str, str]]:
    from app.demo.generator import bundled_places, iter_rows

    rows = iter_rows(random.Random(seed), bundled_places(), count)  # noqa: S311 - test data
    return [
        {
            "external_id": f"B-{n}",
            "company_name": row.company_name,
            "street": row.street,
            "postcode": row.postcode,
            "municipality": row.municipality,
            "province": row.province,
            "vat_number": row.vat_number,
            "phone": " / ".join(row.phones),
            "email": row.email,
        }
        for n, row in enumerate(rows)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--base", type=int, default=20_000, help="accounts stored before")
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/intake.db"
    sys.argv = sys.argv[:1]
    from scripts.bench.import_pipeline import app_for, prepare

    prepare(url)
    from app.extensions import db
    from app.imports.intake import upsert_accounts
    from app.imports.pipeline import load_reference

    app = app_for(url)
    os.chdir(ROOT)
    sent = records(args.records, args.seed)
    timings: list[tuple[str, float, dict[str, int]]] = []
    with app.app_context(), app.test_request_context():
        base = records(args.base, args.seed + 1)
        for start in range(0, len(base), 5_000):  # the base, as earlier calls would send it
            upsert_accounts(db.session, base[start : start + 5_000], source="base")
        db.session.commit()
        start = time.perf_counter()
        load_reference(db.session)
        timings.append(("municipality reference loaded", time.perf_counter() - start, {}))
        changed = [{**r, "phone": "", "email": f"n{i}@example.it"} for i, r in enumerate(sent)]
        for label, batch in (("new records", sent), ("the same again", sent),
                             ("the same ids, changed", changed)):  # fmt: skip
            start = time.perf_counter()
            report = upsert_accounts(db.session, batch, source="bench")
            db.session.commit()
            timings.append((label, time.perf_counter() - start, report.totals))
        dialect = db.engine.dialect.name
    lines = [
        f"## Accounts sent by an integration (intake), {args.records:,} records a call, "
        f"{dialect}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{platform.machine()}, {os.cpu_count()} cores shared with other work: "
        "`scripts/bench/intake.py`.",
        "",
        f"Base: {args.base:,} generated accounts sent before. Seconds per call, commit included.",
        "",
        "| call | seconds | records/s | created | updated | merged | review | rejected |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, seconds, totals in timings:
        rate = f"{args.records / seconds:,.0f}" if totals else ""
        counts = [f"{totals.get(k, '')}" for k in
                  ("created", "updated", "merged", "held_for_review", "rejected")]  # fmt: skip
        lines.append(f"| {label} | {seconds:.2f} | {rate} | {' | '.join(counts)} |")
    table = "\n".join(lines)
    print(table)
    with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as handle:
        handle.write("\n" + table + "\n")


if __name__ == "__main__":
    main()
