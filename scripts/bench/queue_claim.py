"""Benchmark the campaign queue: claim, save an outcome, claim again.

Fills a campaign with queued accounts (50,000 by default, with addresses and VAT numbers)
and runs claimers over a pool of at most 16 connections. A claimer works as the desk does:
one cycle is one transaction that saves the outcome of the call in hand (``end_call``: the
call's row, its queue entry, its account's status) and leases the next account
(``claim``). It reports:

  (a) throughput in cycles/s with 16 and with 50 claimers (closed loop);
  (b) p50/p99 cycle latency at a fixed offered load (500 cycles/s, open loop: latency is
      measured from the scheduled start, so a backlog shows up instead of hiding);
  (c) accounts served twice (must be 0), from the claims and from the call_attempts table;
  (d) the machine's ceiling: ``pgbench`` built-in simple-update on the same database, in the
      same run, with as many clients as our pool, and our best throughput as a ratio of it.

It prints a table and appends a dated section, with the machine, to docs/benchmarks.md.

Run it against a scratch PostgreSQL database; it never starts one. The schema is brought to
the migrations' head; everything the benchmark inserts is deleted at the end. Unless
``--no-tuning`` is given it also creates the claim index proposed in docs/queue.md (dropped
at the end if it created it) and sets autovacuum options on queue_entries (reset at the end).

    # A local PostgreSQL (as a user who may create databases):
    createdb qualifica_bench
    .venv/bin/python scripts/bench/queue_claim.py \\
        --database-url postgresql://localhost/qualifica_bench

    # The private throwaway PostgreSQL that scripts/test starts: its URL is in
    # $TEST_DATABASE_URL while the suite runs, so run the script from a shell that has it,
    # or start one by hand (as root, through `runuser -u postgres --`):
    initdb -D /tmp/qb -A trust -U qualifica && pg_ctl start -D /tmp/qb -o "-p 55432"
    createdb -h 127.0.0.1 -p 55432 -U qualifica qbench
    .venv/bin/python scripts/bench/queue_claim.py \\
        --database-url postgresql://qualifica@127.0.0.1:55432/qbench

    # SQLite (fewer claimers, a throwaway file): proves 0 served twice.
    .venv/bin/python scripts/bench/queue_claim.py --sqlite
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# Keep the generated secret key out of the tree, as the tests do.
os.environ.setdefault("QUALIFICA_INSTANCE_PATH", tempfile.mkdtemp(prefix="qualifica-bench-"))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

import app.models  # noqa: E402, F401 - every model mapped, also in worker processes
from app import create_app  # noqa: E402
from app.accounts.models import Account  # noqa: E402
from app.accounts.status import AccountStatus  # noqa: E402
from app.board import tally_writes  # noqa: E402
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState  # noqa: E402
from app.desk.models import CallAttempt  # noqa: E402
from app.desk.queue import (  # noqa: E402
    Claimed,
    claim,
    end_call,
)
from app.extensions import begin_write, db  # noqa: E402
from app.security import Role  # noqa: E402
from app.users.models import User  # noqa: E402

MAX_POOL = 16
BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"
# Claims are stamped with a clock that starts on a Tuesday morning in Rome, so the run is
# inside calling hours whatever the real day and hour.
CLOCK_BASE = datetime(2025, 4, 22, 10, 0, tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)
CLAIM_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_queue_entries_claim ON queue_entries "
    "(campaign_id, state, is_callback, priority DESC, next_call_at NULLS FIRST, created_at, id)"
)
AUTOVACUUM = (
    "autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, "
    "autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0"
)
AUTOVACUUM_KEYS = (
    "autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
    "autovacuum_analyze_scale_factor, autovacuum_vacuum_cost_delay"
)
CLEANUP_INDEX = "ix_bench_cleanup_accounts_merged_into"
GOALS = {"throughput": 1000.0, "p99_ms": 50.0, "ratio": 0.35}


@dataclass(frozen=True)
class Phase:
    name: str
    claimers: int
    seconds: float
    rate: float | None = None  # offered cycles/s (open loop); None = as fast as possible


@dataclass
class Outcome:
    """What one phase (or one process's share of it) measured."""

    cycles: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    served: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ran_dry: bool = False

    def merge(self, other: Outcome) -> None:
        self.cycles += other.cycles
        self.seconds = max(self.seconds, other.seconds)
        self.latencies += other.latencies
        self.served += other.served
        self.errors += other.errors
        self.ran_dry = self.ran_dry or other.ran_dry


@dataclass(frozen=True)
class Fixture:
    campaign_id: int
    agent_ids: list[int]
    tag: str


def clock(origin: float) -> datetime:
    return CLOCK_BASE + timedelta(seconds=time.time() - origin)


class Claimer:
    """One agent at the desk: each cycle records the outcome of the call in hand and leases
    the next account in one transaction, through the queue's own functions, as the desk's
    outcome request does (``end_call`` with the call's row, then ``claim``)."""

    # The board's benchmark counts each call on the board's tallies, as the desk does
    # (set in the environment, so that spawned agent processes do it too).
    count_on_board = os.environ.get("QUALIFICA_BENCH_COUNT_ON_BOARD") == "1"

    def __init__(self, factory: sessionmaker, campaign_id: int, agent_id: int, origin: float):
        self.session = factory()
        self.campaign = self.session.get_one(Campaign, campaign_id)
        self.agent_id = agent_id
        self.origin = origin
        self.held: Claimed | None = None
        self.session.commit()

    def cycle(self, claim_next: bool = True) -> int | None:
        """Save the held call's outcome (if any) and claim again; the account served."""
        session, now = self.session, clock(self.origin)
        begin_write(session)  # as the desk does before its first statement
        if self.held is not None:
            ended = end_call(
                session,
                self.held.entry_id,
                now=now,
                campaign=self.campaign,
                retry_after_minutes=None,
                final=True,
                final_status=AccountStatus.QUALIFIED,
                callback_at=None,
                callback_agent_id=None,
                holder_id=self.agent_id,
                attempt={
                    "campaign_id": self.campaign.id,
                    "agent_id": self.agent_id,
                    "started_at": now,
                    "ended_at": now,
                    "outcome": "qualified",
                    "answers": {},
                    "client_token": uuid.uuid4().hex,
                },
            )
            if self.count_on_board:
                call = session.get_one(CallAttempt, ended.attempt_id)
                tally_writes.record_call(session, call, final=True)
        self.held = claim(session, self.campaign, self.agent_id, now=now) if claim_next else None
        session.commit()
        return None if self.held is None else self.held.account_id

    def close(self) -> None:
        self.session.close()


def claimer(factory, fixture, agent_id, phase, start, slots, result, lock) -> None:
    """One agent's loop until the phase ends; open loop when the phase has a rate."""
    deadline = start + phase.seconds
    local = Outcome()
    desk = Claimer(factory, fixture.campaign_id, agent_id, start)
    while True:
        if phase.rate is None:
            begin = time.time()
            if begin >= deadline:
                break
        else:
            with lock:
                slot = next(slots)
            begin = start + slot / phase.rate
            if begin >= deadline:
                break
            time.sleep(max(0.0, begin - time.time()))
        try:
            served = desk.cycle()
        except Exception as exc:  # counted and shown, never hidden
            desk.session.rollback()
            local.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if served is None:
            local.ran_dry = True
            break
        local.latencies.append(time.time() - begin)
        local.served.append(served)
        local.cycles += 1
    # The call in hand when the phase ends is saved too (served once, recorded once).
    try:
        desk.cycle(claim_next=False)
    except Exception as exc:
        local.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        desk.close()
    with lock:
        result.merge(local)


def run_share(engine: sa.Engine, fixture: Fixture, phase: Phase, agents: list[int], start: float):
    """Run some claimers of a phase as threads over ``engine``'s pool."""
    # The campaign stays loaded between cycles, as it would in one desk request.
    factory = sessionmaker(engine, expire_on_commit=False)
    result, lock = Outcome(), threading.Lock()
    slots = iter(range(sys.maxsize))
    threads = [
        threading.Thread(
            target=claimer, args=(factory, fixture, agent, phase, start, slots, result, lock)
        )
        for agent in agents
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.time() - start
    return result


def run_process_share(url: str, pool: int, fixture: Fixture, phase: Phase, agents, start):
    """Entry point of a worker process: its own engine, its share of the pool."""
    engine = sa.create_engine(url, pool_size=pool, max_overflow=0, pool_timeout=60)
    try:
        return run_share(engine, fixture, phase, agents, start)
    finally:
        engine.dispose()


def run_phase(args, engine: sa.Engine, fixture: Fixture, phase: Phase) -> Outcome:
    """Split the claimers (and the pool, and the offered rate) over ``args.processes``."""
    agents = fixture.agent_ids[: phase.claimers]
    processes = min(args.processes, phase.claimers)
    # Every process starts on the same tick; spawned ones need time to import first (an
    # open-loop agent that started late would count its lateness as latency).
    start = time.time() + (1.0 if processes == 1 else 20.0)
    if processes == 1:
        return run_share(engine, fixture, phase, agents, start)
    shares = [agents[i::processes] for i in range(processes)]
    pools = [len(p) for p in split_evenly(args.pool, processes)]
    sub = Phase(phase.name, phase.claimers, phase.seconds, phase.rate and phase.rate / processes)
    url = engine.url.render_as_string(hide_password=False)
    with multiprocessing.get_context("spawn").Pool(processes) as workers:
        parts = workers.starmap(
            run_process_share,
            [(url, pools[i], fixture, sub, shares[i], start) for i in range(processes)],
        )
    total = Outcome()
    for part in parts:
        total.merge(part)
    return total


def split_evenly(total: int, parts: int) -> list[range]:
    return [range(total // parts + (1 if i < total % parts else 0)) for i in range(parts)]


def fill_queue(engine: sa.Engine, accounts: int, agents: int) -> Fixture:
    """Insert the agents, the accounts (QUEUED) and their queue entries, in bulk."""
    tag = uuid.uuid4().hex[:8]
    with engine.begin() as conn:
        campaign_id = conn.execute(
            sa.insert(Campaign)
            .values(code=f"BENCH-{tag}", name="Benchmark", status=CampaignStatus.ACTIVE)
            .returning(Campaign.id)
        ).scalar_one()
        agent_ids = [
            conn.execute(
                sa.insert(User)
                .values(
                    username=f"bench-{tag}-{i}",
                    full_name="Agent",
                    role=Role.AGENT,
                    password_hash="!",  # noqa: S106 - not a hash: these agents cannot sign in
                )
                .returning(User.id)
            ).scalar_one()
            for i in range(agents)
        ]
        for first in range(0, accounts, 10_000):
            conn.execute(
                sa.insert(Account),
                [
                    {
                        "key": f"B{tag}{i:07d}",
                        "company_name": f"Autotrasporti Bench {i} di Rossi Mario",
                        "legal_form": "SRL",
                        "street": "Via Emilia Ponente",
                        "house_number": str(i % 300),
                        "postcode": f"{40100 + i % 90:05d}",
                        "municipality": "Bologna",
                        "province": "BO",
                        "istat_code": "037006",
                        "vat_number": f"{i:011d}",
                        "email": f"info{i}@example.it",
                        "status": AccountStatus.QUEUED,
                    }
                    for i in range(first, min(first + 10_000, accounts))
                ],
            )
        queued = sa.select(
            sa.literal(campaign_id),
            Account.id,
            sa.literal(QueueState.WAITING.value),
            Account.id % 3,
            sa.literal(0),
            sa.false(),
            Account.created_at,
            Account.created_at,
        ).where(Account.key.like(f"B{tag}%"))
        columns = [
            "campaign_id",
            "account_id",
            "state",
            "priority",
            "attempts",
            "is_callback",
            "created_at",
            "updated_at",
        ]
        conn.execute(sa.insert(QueueEntry).from_select(columns, queued))
    return Fixture(campaign_id, agent_ids, tag)


def remove_fixture(engine: sa.Engine, fixture: Fixture) -> None:
    """Delete what ``fill_queue`` and the run created.

    accounts.merged_into_id has no index, so each deleted account would scan the whole table
    for accounts merged into it; a temporary index keeps the clean-up linear.
    """
    params = {"c": fixture.campaign_id, "p": f"B{fixture.tag}%", "u": f"bench-{fixture.tag}-%"}
    with engine.begin() as conn:
        for table in (
            "board_tallies",
            "board_outcome_tallies",
            "board_tally_deltas",
            "call_attempts",
        ):
            conn.execute(sa.text(f"DELETE FROM {table} WHERE campaign_id = :c"), params)  # noqa: S608
        conn.execute(sa.text("DELETE FROM queue_entries WHERE campaign_id = :c"), params)
        conn.execute(sa.text("DELETE FROM campaigns WHERE id = :c"), params)
        conn.execute(sa.text(f"CREATE INDEX {CLEANUP_INDEX} ON accounts (merged_into_id)"))
        conn.execute(sa.text("DELETE FROM accounts WHERE key LIKE :p"), params)
        conn.execute(sa.text(f"DROP INDEX {CLEANUP_INDEX}"))
        conn.execute(sa.text("DELETE FROM users WHERE username LIKE :u"), params)


def attempts_twice(engine: sa.Engine, fixture: Fixture) -> int:
    """Accounts with more than one recorded call: the database's view of 'served twice'."""
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT account_id FROM call_attempts WHERE campaign_id = :c "
                "GROUP BY account_id HAVING count(*) > 1) AS twice"
            ),
            {"c": fixture.campaign_id},
        ).scalar_one()


def apply_tuning(engine: sa.Engine) -> bool:
    """Create the proposed claim index and autovacuum options; True if the index is new."""
    with engine.begin() as conn:
        existed = conn.execute(sa.text("SELECT to_regclass('ix_queue_entries_claim')")).scalar()
        conn.execute(sa.text(CLAIM_INDEX))
        conn.execute(sa.text(f"ALTER TABLE queue_entries SET ({AUTOVACUUM})"))
    return existed is None


def undo_tuning(engine: sa.Engine, created_index: bool) -> None:
    with engine.begin() as conn:
        if created_index:
            conn.execute(sa.text("DROP INDEX IF EXISTS ix_queue_entries_claim"))
        conn.execute(sa.text(f"ALTER TABLE queue_entries RESET ({AUTOVACUUM_KEYS})"))


def find_pgbench(given: str | None) -> str:
    candidates = [given, shutil.which("pgbench")]
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True)
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise SystemExit("pgbench not found: install PostgreSQL's client tools or pass --pgbench")


def pgbench_ceiling(url: sa.URL, binary: str, clients: int, seconds: int) -> float:
    """TPS of pgbench's built-in simple-update on the same database (tables dropped after)."""
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    conn = ["-h", url.host or "localhost", "-p", str(url.port or 5432)]
    conn += ["-U", url.username or os.environ.get("USER", "postgres"), url.database or ""]
    quiet = {"env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([binary, "-i", "-q", "-s", str(clients), *conn], **quiet)  # noqa: S603
    try:
        run = subprocess.run(  # noqa: S603
            [
                binary,
                "-n",
                "-b",
                "simple-update",
                "-M",
                "prepared",
                "-c",
                str(clients),
                "-j",
                str(min(clients, os.cpu_count() or 1)),
                "-T",
                str(seconds),
                *conn,
            ],
            **quiet,
        )
    finally:
        subprocess.run([binary, "-i", "-I", "d", *conn], **quiet)  # noqa: S603
    for line in run.stdout.splitlines():
        if line.startswith("tps = "):
            return float(line.split()[2])
    raise SystemExit(f"could not read pgbench's tps from:\n{run.stdout}")


def commit() -> str:
    """The short hash of the checked-out commit, for a benchmark's heading."""
    command = ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    return done.stdout.strip()


def append_section(title: str, body: str) -> None:
    """Append ``## <title>, <UTC time>`` and ``body`` to docs/benchmarks.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with BENCHMARKS_MD.open("a") as handle:
        handle.write(f"\n## {title}, {stamp}\n\n{body.rstrip()}\n")
    print(f"appended to {BENCHMARKS_MD.relative_to(ROOT)}")


def machine(engine: sa.Engine) -> str:
    cpu = "unknown CPU"
    ram = "unknown"
    info = Path("/proc/cpuinfo")
    if info.exists():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    with engine.connect() as conn:
        postgres = engine.dialect.name == "postgresql"
        query = "SELECT version()" if postgres else "SELECT 'SQLite ' || sqlite_version()"
        version = conn.exec_driver_sql(query).scalar_one()
    return (
        f"nproc {os.cpu_count()}, {cpu}, RAM {ram}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; database: {str(version).split(',')[0]}"
    )


def percentile(values: list[float], fraction: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def phase_row(phase: Phase, result: Outcome) -> list[str]:
    rate = result.cycles / result.seconds if result.seconds else 0.0
    return [
        phase.name,
        str(phase.claimers),
        "-" if phase.rate is None else f"{phase.rate:.0f}",
        str(result.cycles),
        f"{rate:,.0f}",
        f"{percentile(result.latencies, 0.50) * 1000:.1f}",
        f"{percentile(result.latencies, 0.99) * 1000:.1f}",
        str(len(result.errors)),
    ]


HEADER = ["phase", "claimers", "offered/s", "cycles", "cycles/s", "p50 ms", "p99 ms", "errors"]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def plain_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--database-url", help="a scratch PostgreSQL database")
    target.add_argument("--sqlite", action="store_true", help="a throwaway SQLite file")
    parser.add_argument("--accounts", type=int, help="queued accounts (50,000; SQLite 5,000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--rate", type=float, default=500.0, help="offered cycles/s")
    parser.add_argument("--pool", type=int, default=MAX_POOL, help="connections (max 16)")
    parser.add_argument(
        "--processes",
        type=int,
        default=min(os.cpu_count() or 1, 4),
        help="claimer processes sharing the pool (default: one per CPU, up to 4)",
    )
    parser.add_argument("--pgbench", help="path of pgbench (found on PATH or in PostgreSQL's)")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--no-tuning", action="store_true", help="the schema as migrated")
    parser.add_argument("--no-append", action="store_true", help="do not write the docs")
    args = parser.parse_args(argv)
    args.pool = min(args.pool, MAX_POOL)
    if args.sqlite:
        args.accounts = args.accounts or 5_000
        args.processes = 1
    args.accounts = args.accounts or 50_000
    return args


def open_database(args: argparse.Namespace) -> sa.Engine:
    """Bring the schema to head and return the application's engine (SQLite set up as the
    application sets it up: WAL, busy timeout, BEGIN IMMEDIATE for WRITE_LOCK)."""
    if args.sqlite:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='qualifica-bench-')}/bench.db"
    else:
        url = args.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url[len(prefix) :]
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_size": args.pool,
                "max_overflow": 0,
                "pool_timeout": 60,
            },
        }
    )
    os.chdir(ROOT)
    with app.app_context():
        flask_migrate.upgrade()
        return db.engine


def phases(args: argparse.Namespace) -> list[Phase]:
    if args.sqlite:
        return [Phase("throughput", 4, args.seconds), Phase("throughput", 8, args.seconds)]
    return [
        Phase("throughput", 16, args.seconds),
        Phase("throughput", 50, args.seconds),
        Phase("fixed load", 50, args.seconds, rate=args.rate),
    ]


def summary(args, rows, results, twice_claims, twice_db, ceiling) -> list[str]:
    """The goals, each with the figure that meets or misses it."""
    best = max(r.cycles / r.seconds for p, r in results if p.rate is None)
    lines = [
        f"- accounts served twice: {twice_claims} by the claims, {twice_db} in call_attempts"
        f" (goal 0: {'met' if twice_claims == twice_db == 0 else 'MISSED'})"
    ]
    if args.sqlite:
        return lines
    fixed = next(r for p, r in results if p.rate is not None)
    p99 = percentile(fixed.latencies, 0.99) * 1000
    ratio = best / ceiling
    met = {True: "met", False: "MISSED"}
    lines += [
        f"- best throughput: {best:,.0f} cycles/s (goal >= 1,000: {met[best >= 1000]})",
        f"- p99 at {args.rate:.0f}/s offered: {p99:.1f} ms (goal < 50 ms: {met[p99 < 50]})",
        f"- pgbench simple-update ({args.pool} clients): {ceiling:,.0f} tps; ours is "
        f"{ratio:.0%} of it (goal >= 35 %: {met[ratio >= GOALS['ratio']]})",
    ]
    return lines


def append_docs(args, engine, table: str, lines: list[str]) -> None:
    if not BENCHMARKS_MD.exists():
        BENCHMARKS_MD.write_text(
            "# Benchmarks\n\nResults appended by the scripts in `scripts/bench/`, newest last. "
            "Each section names the machine it ran on; compare runs on the same machine only.\n"
        )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = "SQLite" if args.sqlite else "PostgreSQL"
    settings = (
        f"{args.accounts:,} queued accounts, pool {args.pool}, {args.processes} claimer "
        f"process(es), {args.seconds:g} s per phase, claim index and autovacuum tuning "
        f"{'off' if args.no_tuning or args.sqlite else 'on'}"
    )
    with BENCHMARKS_MD.open("a") as handle:
        handle.write(
            f"\n## Queue claim ({mode}), {stamp}\n\n`scripts/bench/queue_claim.py`: "
            f"{settings}.\n\nMachine: {machine(engine)}.\n\n{table}\n\n" + "\n".join(lines) + "\n"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engine = open_database(args)
    postgres = engine.dialect.name == "postgresql"
    created_index = postgres and not args.no_tuning and apply_tuning(engine)
    ceiling = 0.0
    if postgres:
        print(f"pgbench simple-update, {args.pool} clients, {args.pgbench_seconds} s ...")
        binary = find_pgbench(args.pgbench)
        ceiling = pgbench_ceiling(engine.url, binary, args.pool, args.pgbench_seconds)
    print(f"filling the queue with {args.accounts:,} accounts ...")
    fixture = fill_queue(engine, args.accounts, max(p.claimers for p in phases(args)))
    try:
        if postgres:
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE queue_entries")
                conn.exec_driver_sql("ANALYZE accounts")
                conn.commit()
        results = []
        for phase in phases(args):
            print(f"{phase.name}: {phase.claimers} claimers for {phase.seconds:g} s ...")
            results.append((phase, run_phase(args, engine, fixture, phase)))
        served = Counter(a for _, r in results for a in r.served)
        twice_claims = sum(1 for n in served.values() if n > 1)
        twice_db = attempts_twice(engine, fixture)
    finally:
        remove_fixture(engine, fixture)
        if postgres and not args.no_tuning:
            undo_tuning(engine, created_index)
    rows = [phase_row(p, r) for p, r in results]
    if postgres:
        rows.append(
            ["pgbench simple-update", str(args.pool), "-", "-", f"{ceiling:,.0f}", "-", "-", "-"]
        )
    lines = summary(args, rows, results, twice_claims, twice_db, ceiling)
    if any(r.ran_dry for _, r in results):
        lines.append("- NOTE: the queue ran dry during a phase; use more --accounts.")
    for phase, result in results:
        for error in sorted(set(result.errors))[:5]:
            lines.append(f"- error in {phase.name} ({phase.claimers}): {error}")
    print(plain_table(HEADER, rows))
    print("\n".join(lines))
    if not args.no_append:
        append_docs(args, engine, markdown_table(HEADER, rows), lines)
        print(f"appended to {BENCHMARKS_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
