"""Benchmark the review queues' pace: a reviewer's keyboard flow, driven in headless
Chromium against a running application, timed per item.

It seeds ``--doubts`` doubts (as an import leaves them, the place cleaned by
``clean_location``: a third with a suggested postcode, a third with the account's province
as the fix, a third of two-Castros doubts with none) and ``--pairs`` duplicate pairs, signs
in as a staff member of its own, and clears both queues with keys only, as a person would
with ``static/js/review.js``: A on a suggestion, otherwise E and a correction typed for
one doubt in four ("Castro (LE)", Enter) or K; M for a pair in three, D for the others.
After each key it waits until the next item is on the page (the count of what is left has
moved). It then seeds ``--bulk`` doubts of one reason and accepts them a page (500) at a
time, timing the page and the acceptance.

Reported per kind of decision: items, the machine time per item (key to next item shown,
p50/p95), the server time per item (time to first byte of the decision and of the next
item, from the browser's own timing of each request), and items per hour of machine time
(items / the loop's wall time). A person's goal is 300 items an hour, 12 s each: the
machine's part must stay well under a second. It prints a table and appends a dated
section, with the machine and ``uptime``, to docs/benchmarks.md unless ``--no-append``.

By default it starts a private PostgreSQL (fsync off, as the test cluster) and gunicorn
(``--workers`` x ``--threads``) on loopback, and removes them after. ``--url`` with
``--database-url`` drives an application already running on that database instead: it
decides every item of the queues, so it refuses a database whose queues hold anything
but its own (use a scratch database; its accounts, named BENCH-<tag>, are left there).

    .venv/bin/python scripts/bench/review_pace.py --doubts 300 --pairs 100 --bulk 1000
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import board_load as bl
import desk_soak as soak
import queue_claim as qc  # also keeps the generated secret key out of the tree
import sqlalchemy as sa

from config import normalise_database_url

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "bench-review-" + uuid.uuid4().hex[:8]
PLACE_FIELDS = ("municipality", "province", "postcode", "istat_code")
PLACES = [
    ("Cernusco sul Naviglio", "MI", "20100"),  # suggestion: Cernusco's one CAP (A)
    ("Monza", "XX", "20900"),  # suggestion: Monza's province, on the account already (A)
    ("Castro", None, None),  # two Castros in Italy: corrected (E) or kept (K)
]


# ------------------------------------------------------------------------------ seed ---
def _app(url: str):
    from app import create_app

    os.chdir(qc.ROOT)
    return create_app({"SQLALCHEMY_DATABASE_URI": url})


def prepare(url: str, tag: str, private: bool) -> str:
    """Schema at head (private database), the municipality reference, a staff user of the
    run's own; refuses a given database whose queues are not empty."""
    import flask_migrate

    from app.accounts.models import AccountFlag, FlagStatus
    from app.extensions import db
    from app.imports.models import DuplicatePair, PairStatus
    from app.security import Role
    from app.territory.models import Municipality
    from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
    from app.territory.services import load_municipalities
    from app.users.services import create_user

    app = _app(url)
    with app.app_context():
        if private:
            flask_migrate.upgrade()
        session = db.session
        waiting = session.scalar(
            sa.select(sa.func.count(AccountFlag.id)).where(AccountFlag.status == FlagStatus.OPEN)
        ) + session.scalar(
            sa.select(sa.func.count(DuplicatePair.id)).where(
                DuplicatePair.status == PairStatus.PENDING
            )
        )
        if waiting:
            raise SystemExit(
                f"{waiting} doubts and pairs already wait on this database: the benchmark "
                "decides every item of the queues, so give it a scratch database"
            )
        if session.scalar(sa.select(sa.func.count(Municipality.belfiore))) == 0:
            load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
        username = f"bench-review-{tag}"
        create_user(session, username=username, password=PASSWORD, role=Role.STAFF)
        session.commit()
    return username


def seed_doubts(url: str, tag: str, places: list[tuple], first: int = 0) -> None:
    """One account per place, with the doubts its cleaning raised."""
    from app.accounts.keys import new_account_key
    from app.accounts.models import Account, AccountFlag
    from app.accounts.normalise.location import clean_location
    from app.accounts.status import AccountStatus
    from app.extensions import db
    from app.imports.pipeline import load_reference

    app = _app(url)
    with app.app_context():
        session = db.session
        ref = load_reference(session)
        for n, place in enumerate(places, start=first):
            cleaned = clean_location(ref.index, ref.provinces, *place)
            place_values = {k: cleaned.values.get(k) for k in PLACE_FIELDS}
            account = Account(key=new_account_key(), company_name=f"BENCH-{tag} DUBBIO {n}",
                              status=AccountStatus.TO_REVIEW, **place_values)  # fmt: skip
            session.add(account)
            session.flush()
            session.add_all(AccountFlag(account_id=account.id, field=f.field, value=f.value,
                                        reason=f.reason) for f in cleaned.flags)  # fmt: skip
        session.commit()


def seed_pairs(url: str, tag: str, pairs: int) -> None:
    from app.accounts.keys import new_account_key
    from app.accounts.models import Account
    from app.accounts.status import AccountStatus
    from app.extensions import db
    from app.imports.models import DuplicatePair

    app = _app(url)
    with app.app_context():
        session = db.session
        for n in range(pairs):
            a, b = (Account(key=new_account_key(), company_name=f"BENCH-{tag} DOPPIO {n}{bis}",
                            municipality="Milano", province="MI", status=AccountStatus.READY)
                    for bis in ("", " SRL"))  # fmt: skip
            session.add_all([a, b])
            session.flush()
            score = 0.9 - n / (10 * pairs)  # in the order they were made
            session.add(DuplicatePair(account_a_id=a.id, account_b_id=b.id, score=score,
                                      reasons=["similar_name"]))  # fmt: skip
        session.commit()


# ------------------------------------------------------------------------- drive ---
class Timings:
    """The browser's own timing of each application request answered (a decision, its
    redirect's next item): time to first byte, in ms."""

    def __init__(self) -> None:
        self.server: list[float] = []

    def finished(self, request) -> None:
        if "/static/" in request.url:  # the favicon the browser fetches again: no decision's
            return
        timing = request.timing
        if timing["responseStart"] >= 0 and timing["requestStart"] >= 0:
            self.server.append(timing["responseStart"] - timing["requestStart"])

    def take(self) -> float:
        total, self.server = sum(self.server), []
        return total


def _left(page) -> int:
    return int(page.get_by_test_id("left").get_attribute("data-left"))


def _moved(page, left: int) -> None:
    """Wait until the page shows ``left`` items left (the next item is on the page)."""
    page.wait_for_function(
        "n => document.querySelector('[data-testid=left]')?.dataset.left === n", arg=str(left)
    )


def drive_doubts(page, timings: Timings, samples: dict) -> float:
    """Clear the doubt queue with keys; returns the loop's wall time."""
    page.goto("/workspace/doubts/next")
    left, n, began = _left(page), 0, time.perf_counter()
    timings.take()
    while left:
        start = time.perf_counter()
        if page.get_by_test_id("accept").count():
            kind = "doubt: accept (A)"
            page.keyboard.press("a")
        elif n % 4 == 0:
            kind = "doubt: correct (E, typed, Enter)"
            page.keyboard.press("e")
            page.keyboard.type("Castro (LE)")
            page.keyboard.press("Enter")
        else:
            kind = "doubt: keep (K)"
            page.keyboard.press("k")
        left, n = left - 1, n + 1
        _moved(page, left)
        samples[kind].append(((time.perf_counter() - start) * 1000, timings.take()))
    return time.perf_counter() - began


def drive_pairs(page, timings: Timings, samples: dict) -> float:
    page.goto("/workspace/review/next")
    left, n, began = _left(page), 0, time.perf_counter()
    timings.take()
    while left:
        start = time.perf_counter()
        merge = n % 3 == 0
        page.keyboard.press("m" if merge else "d")
        left, n = left - 1, n + 1
        _moved(page, left)
        kind = "pair: merge (M)" if merge else "pair: two companies (D)"
        samples[kind].append(((time.perf_counter() - start) * 1000, timings.take()))
    return time.perf_counter() - began


def drive_bulk(page, reason: str) -> list[list[str]]:
    """Accept a reason's suggestions a page at a time: the page, then the acceptance."""
    rows = []
    while True:
        start = time.perf_counter()
        page.goto(f"/workspace/doubts/suggested?reason={reason}")
        shown = page.locator("input[name=offer]").count()
        loaded = time.perf_counter() - start
        if not shown:
            return rows
        start = time.perf_counter()
        with page.expect_navigation():
            page.get_by_test_id("accept-all").click()
        accepted = time.perf_counter() - start
        rows.append([f"bulk: {shown} suggestions", f"{loaded * 1000:,.0f}",
                     f"{accepted * 1000:,.0f}", f"{shown / accepted:,.0f}"])  # fmt: skip


def drive(base: str, username: str, url: str, tag: str, bulk: int):
    from playwright.sync_api import sync_playwright

    samples: dict[str, list[tuple[float, float]]] = defaultdict(list)
    timings = Timings()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        page = browser.new_context(base_url=base).new_page()
        page.set_default_timeout(30_000)
        page.goto("/login")
        page.get_by_label("Nome utente").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.keyboard.press("Enter")
        page.get_by_test_id("who").wait_for()
        page.on("requestfinished", timings.finished)
        walls = {"doubts": drive_doubts(page, timings, samples)}
        walls["pairs"] = drive_pairs(page, timings, samples)
        bulk_rows = []
        if bulk:
            seed_doubts(url, tag, [PLACES[0]] * bulk, first=10**6)
            bulk_rows = drive_bulk(page, "postcode_not_of_municipality")
        browser.close()
    return samples, walls, bulk_rows


# ------------------------------------------------------------------------ report ---
def _p(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def table(samples: dict, walls: dict) -> list[list[str]]:
    rows = []
    for kind in sorted(samples):
        machine = [m for m, _ in samples[kind]]
        server = [s for _, s in samples[kind]]
        rows.append([kind, str(len(machine)), f"{_p(machine, .5):,.0f}", f"{_p(machine, .95):,.0f}",
                     f"{_p(server, .5):,.0f}", f"{_p(server, .95):,.0f}",
                     f"{3_600_000 / statistics.mean(machine):,.0f}"])  # fmt: skip
    everything = [s for kind in samples.values() for s in kind]
    machine = [m for m, _ in everything]
    server = [s for _, s in everything]
    rows.append(["all", str(len(everything)), f"{_p(machine, .5):,.0f}",
                 f"{_p(machine, .95):,.0f}", f"{_p(server, .5):,.0f}", f"{_p(server, .95):,.0f}",
                 f"{len(everything) * 3600 / sum(walls.values()):,.0f}"])  # fmt: skip
    return rows


HEADER = ["decision", "items", "machine p50 ms", "machine p95 ms", "server p50 ms",
          "server p95 ms", "items/hour"]  # fmt: skip
BULK_HEADER = ["bulk acceptance", "page ms", "accept ms", "suggestions/s"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doubts", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--bulk", type=int, default=1000, help="doubts accepted in bulk (0: none)")
    parser.add_argument("--url", help="a running application (needs --database-url)")
    parser.add_argument("--database-url", help="the database to seed (with --url: the app's)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args(argv)
    if args.url and not args.database_url:
        parser.error("--url needs --database-url (the benchmark seeds the queues)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tag, services, server = uuid.uuid4().hex[:6], soak.Services(), None
    load_before = os.getloadavg()
    try:
        url = normalise_database_url(args.database_url) if args.database_url else None
        url = url or services.start_postgres()
        username = prepare(url, tag, private=not args.url)
        print(f"seeding {args.doubts} doubts and {args.pairs} pairs ...", flush=True)
        seed_doubts(url, tag, [PLACES[n % 3] for n in range(args.doubts)])
        seed_pairs(url, tag, args.pairs)
        base = args.url
        if not base:
            os.environ["GUNICORN_CMD_ARGS"] = "--access-logfile /dev/null"  # a quiet run
            port = bl.free_port()
            server = bl.start_server(url, None, port, args.workers, args.threads)
            base = f"http://127.0.0.1:{port}"
        print(f"driving Chromium against {base} ...", flush=True)
        samples, walls, bulk_rows = drive(base, username, url, tag, args.bulk)
        machine = qc.machine(sa.create_engine(url))
    finally:
        bl.stop_server(server)
        services.close()
    rows = table(samples, walls)
    uptime = subprocess.run(["/usr/bin/uptime"], capture_output=True, text=True, check=False).stdout
    print(qc.plain_table(HEADER, rows))
    if bulk_rows:
        print(qc.plain_table(BULK_HEADER, bulk_rows))
    print(uptime.strip())
    if not args.no_append:
        where = f"the application at {args.url}"
        if not args.url:
            where = f"gunicorn {args.workers} x {args.threads} threads, private PostgreSQL"
        section = (
            f"\n## Review queues' pace (headless Chromium, keyboard only), "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
            f"`scripts/bench/review_pace.py --doubts {args.doubts} --pairs {args.pairs} "
            f"--bulk {args.bulk}`: {where}; Debian's Chromium on the same machine. Machine time "
            "per item: from the key to the next item on the page (the fetch, the server's "
            "redirect, the next item's page, the swap); server time: time to first byte of "
            "those requests, from the browser's timing. Items per hour of machine time: items "
            "/ the loop's wall time (no human in it).\n\n"
            f"Machine: {machine}.\n\n`uptime` after the run: {uptime.strip()}; load average "
            f"before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}.\n\n"
            f"{qc.markdown_table(HEADER, rows)}\n"
        )
        if bulk_rows:
            section += f"\n{qc.markdown_table(BULK_HEADER, bulk_rows)}\n"
        with (qc.ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as out:
            out.write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
