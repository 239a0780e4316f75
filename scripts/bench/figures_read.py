"""Benchmark the working-day figures read from the state log (docs/metrics.md, "The
working day"): what a timesheet, an agent's page, the desk's home and the board's calls
per signed-in hour cost over a month of a call centre's log.

On a scratch PostgreSQL database it builds a campaign worked by ``--agents`` agents (100,
in four teams) for ``--days`` days (30, 09:00-18:00 Rome time, a 176-second cycle of
preview, dial, talk and wrap-up: about 740 periods and 184 calls per agent and day), with
the board's tallies recounted from the calls; then it times each read ``--repeat`` times
(5) and reports the median and the worst, in milliseconds. It appends a dated section to
docs/benchmarks.md unless ``--no-append``. Everything it inserts is deleted at the end.

    .venv/bin/python scripts/bench/figures_read.py \\
        --database-url postgresql://qualifica@127.0.0.1:55440/qbench
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import queue_claim as qc
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import create_app
from app.board import cache, tally_writes
from app.board.signed_in import campaign_paces
from app.columns import ROME
from app.desk.day_figures import my_day
from app.timesheets.scope import Agent
from app.timesheets.services import agent_figures, timesheet

CYCLE = 176  # seconds: preview 20, dial 6, talk 120, wrap-up 30
CALLS_PER_DAY = 184  # 09:00-18:00


def seed(engine: sa.Engine, fixture: qc.Fixture, days: int, first: date) -> None:
    """The log and the calls of ``days`` working days from ``first``, in bulk."""
    params = {"c": fixture.campaign_id, "first": first, "days": days, "n": CALLS_PER_DAY,
              "cycle": CYCLE, "ids": fixture.agent_ids}  # fmt: skip
    with engine.begin() as conn:
        account = conn.execute(sa.text("SELECT min(account_id) FROM queue_entries "
                                       "WHERE campaign_id = :c"), params).scalar_one()  # fmt: skip
        conn.execute(
            sa.text("""
            INSERT INTO agent_states (agent_id, state, moment, campaign_id, account_id,
                                      started_at, ended_at, seen_at, untimed)
            SELECT a.id, st.state, st.moment, :c, :acc + k,
                   d.start + (k * :cycle + st.off) * interval '1 second',
                   d.start + (k * :cycle + st.off + st.len) * interval '1 second',
                   d.start + (k * :cycle + st.off + st.len) * interval '1 second', false
            FROM unnest(CAST(:ids AS int[])) a(id) CROSS JOIN (
                SELECT ((CAST(:first AS date) + g) + time '09:00') AT TIME ZONE 'Europe/Rome'
                       AS start FROM generate_series(0, :days - 1) g) d
            CROSS JOIN generate_series(0, :n - 1) k
            CROSS JOIN (VALUES ('ready', 'take', 0, 20), ('dialling', 'dial', 20, 6),
                               ('in_call', 'answer', 26, 120), ('wrap_up', 'hang_up', 146, 30)
                       ) st(state, moment, off, len)
        """),
            {**params, "acc": account},
        )
        # Signed out from each day's end to the next day's start.
        conn.execute(
            sa.text("""
            INSERT INTO agent_states (agent_id, state, moment, started_at, ended_at, seen_at,
                                      untimed)
            SELECT a.id, 'signed_out', 'sign_out', d.start + :n * :cycle * interval '1 second',
                   d.start + interval '1 day', d.start + interval '1 day', false
            FROM unnest(CAST(:ids AS int[])) a(id) CROSS JOIN (
                SELECT ((CAST(:first AS date) + g) + time '09:00') AT TIME ZONE 'Europe/Rome'
                       AS start FROM generate_series(0, :days - 1) g) d
        """),
            params,
        )
        conn.execute(
            sa.text("""
            INSERT INTO call_attempts (campaign_id, account_id, agent_id, started_at, ended_at,
                                       outcome, answers, final)
            SELECT :c, :acc + k, a.id, d.start + k * :cycle * interval '1 second',
                   d.start + (k + 1) * :cycle * interval '1 second',
                   CASE k % 10 WHEN 0 THEN 'qualified' WHEN 1 THEN 'not_interested'
                               WHEN 2 THEN 'busy' ELSE 'no_answer' END, '{}', k % 10 < 2
            FROM unnest(CAST(:ids AS int[])) a(id) CROSS JOIN (
                SELECT ((CAST(:first AS date) + g) + time '09:00') AT TIME ZONE 'Europe/Rome'
                       AS start FROM generate_series(0, :days - 1) g) d
            CROSS JOIN generate_series(0, :n - 1) k
        """),
            {**params, "acc": account},
        )
        for table in ("agent_states", "call_attempts"):
            conn.exec_driver_sql(f"ANALYZE {table}")
    with Session(engine) as session:
        tally_writes.rebuild(session, fixture.campaign_id)
        session.commit()


def timed(read: Callable[[], object], repeat: int) -> tuple[float, float]:
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        read()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds) * 1000, max(seconds) * 1000


def measure(engine: sa.Engine, fixture: qc.Fixture, args, first: date) -> list[list[str]]:
    last = first + timedelta(days=args.days - 1)
    now = datetime.combine(last, datetime.min.time(), ROME).astimezone(UTC) + timedelta(hours=20)
    agents = [Agent(a, f"Agent {a}", None) for a in fixture.agent_ids]
    team = agents[: len(agents) // 4]
    one = fixture.agent_ids[0]
    reads = [
        (f"timesheet, {len(agents)} agents x {args.days} days",
         lambda s: timesheet(s, agents, first, last, now)),
        (f"timesheet, a team of {len(team)}, one day",
         lambda s: timesheet(s, team, last, last, now)),
        (f"one agent's page, {args.days} days",
         lambda s: agent_figures(s, one, first, last, "it", now)),
        ("the desk's home: the agent's day", lambda s: my_day(s, one, now)),
        ("board: calls per signed-in hour, one day",
         lambda s: campaign_paces(s, fixture.campaign_id, last, last, now)),
        (f"board: calls per signed-in hour, whole campaign ({args.days} days), past days "
         "computed (once every 10 minutes)",
         lambda s: (cache.forget(), campaign_paces(s, fixture.campaign_id, None, None, now))),
        (f"board: calls per signed-in hour, whole campaign ({args.days} days), past days "
         "kept (every 5 s)", lambda s: campaign_paces(s, fixture.campaign_id, None, None, now)),
    ]  # fmt: skip
    rows = []
    app = create_app({"SQLALCHEMY_DATABASE_URI": engine.url.render_as_string(False)})
    with app.app_context(), Session(engine) as session:
        for name, read in reads:
            median, worst = timed(lambda read=read: read(session), args.repeat)
            rows.append([name, f"{median:,.1f}", f"{worst:,.1f}"])
            print(f"{name}: {median:,.1f} ms (worst {worst:,.1f})", flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args(argv)
    args.sqlite, args.pool = False, 4
    engine = qc.open_database(args)
    fixture = qc.fill_queue(engine, args.agents * CALLS_PER_DAY, args.agents)
    first = date(2026, 3, 2)
    try:
        began = time.perf_counter()
        seed(engine, fixture, args.days, first)
        with engine.connect() as conn:
            count = sa.text("SELECT count(*) FROM agent_states WHERE agent_id = ANY(:ids)")
            periods = conn.execute(count, {"ids": fixture.agent_ids}).scalar_one()
        print(f"seeded {periods:,} periods in {time.perf_counter() - began:,.0f} s", flush=True)
        rows = measure(engine, fixture, args, first)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM agent_states WHERE agent_id = ANY(:ids)"),
                         {"ids": fixture.agent_ids})  # fmt: skip
        qc.remove_fixture(engine, fixture)
    header = ["read", "median ms", "worst ms"]
    print(qc.plain_table(header, rows))
    if not args.no_append:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        section = (
            f"\n## Working-day figures from the state log (PostgreSQL), {stamp}\n\n"
            f"`scripts/bench/figures_read.py`: {args.agents} agents, {args.days} days, "
            f"{periods:,} state periods, {args.agents * args.days * CALLS_PER_DAY:,} calls; "
            f"each read {args.repeat} times, one process. Machine: {qc.machine(engine)}.\n\n"
            f"{qc.markdown_table(header, rows)}\n"
        )
        with (qc.ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as out:
            out.write(section)


if __name__ == "__main__":
    main()
