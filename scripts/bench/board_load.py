"""Benchmark the supervisor board under load: open boards while agents save outcomes.

On a scratch PostgreSQL database it builds a campaign of ``--accounts`` queued accounts
(200,000) with ``--calls`` recorded calls (1,000,000) spread over the last 30 days by
``--agents`` agents (100), their accounts worked to a final outcome marked done; then it
starts the application under gunicorn (2 workers x 16 threads) on loopback, with Redis
when ``--redis-url`` is given, and for ``--seconds`` (60):

  - ``--boards`` supervisors (50) each keep a board open, over their own signed-in HTTP
    session: half the home page, polling ``/board/data.json`` every 5 seconds as
    ``static/js/board.js`` does, half the campaign's page, polling its ``parts.json`` as
    ``static/js/board_campaign.js`` does; each loads its page afresh once a minute;
  - the agents, in two processes of their own, save outcomes and claim their next
    account through the queue's own functions (``scripts/bench/queue_claim.py``'s
    claimers: one transaction each, as the desk's outcome request does, each call
    counted on the board's tallies), at ``--agent-rate`` outcomes per second in all
    (open loop).

The server is warmed up first (each page a few times). It reports the latency of the
boards' data requests (goal: p95 under 100 ms) and of page loads, the errors,
the outcomes saved and their p95, and whether the board's figures after the run equal a
direct recount (``app.board.counts.gather``). It appends a dated section to
docs/benchmarks.md unless ``--no-append``. Everything it inserts is deleted at the end.

    .venv/bin/python scripts/bench/board_load.py \\
        --database-url postgresql://qualifica@127.0.0.1:55440/qbench \\
        --redis-url redis://127.0.0.1:6390/0
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import queue_claim as qc
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.board import tally_writes
from app.security import Role
from app.users.models import User
from app.users.services import hash_password

ROOT = qc.ROOT
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PASSWORD = "bench-board-password"  # noqa: S105 - a throwaway user of a scratch database
GOAL_P95_MS = 100.0
REFRESH = 5.0  # seconds between two refreshes of an open board, as static/js/board.js


@dataclass
class Requests:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"data": [], "page": []})
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float | None, error: str | None = None) -> None:
        with self.lock:
            if error is not None:
                self.errors.append(error)
            else:
                self.latencies[kind].append(seconds or 0.0)


def add_history(engine: sa.Engine, fixture: qc.Fixture, calls: int) -> None:
    """``calls`` past calls on the fixture's accounts by its agents, over 30 days; the
    accounts whose last call was final are done."""
    params = {"c": fixture.campaign_id, "p": f"B{fixture.tag}%", "u": f"bench-{fixture.tag}-%",
              "n": calls}  # fmt: skip
    with engine.begin() as conn:
        # The fixture's accounts and agents were inserted in one transaction each: their
        # ids are consecutive, so a random id is a random number in their range (an
        # array lookup per row was quadratic).
        accounts = conn.execute(
            sa.text("SELECT min(id), max(id), count(*) FROM accounts WHERE key LIKE :p"), params
        ).one()
        agents = conn.execute(
            sa.text("SELECT min(id), max(id), count(*) FROM users WHERE username LIKE :u"),
            params,
        ).one()
        for low, high, n in (accounts, agents):
            if high - low + 1 != n:
                raise SystemExit("the fixture's ids are not consecutive: cannot draw from them")
        conn.execute(
            sa.text(
                """
                INSERT INTO call_attempts
                    (campaign_id, account_id, agent_id, started_at, ended_at, outcome, answers)
                SELECT :c, :a0 + floor(random() * :na)::int, :g0 + floor(random() * :ng)::int,
                       s.t, s.t + random() * interval '10 minutes',
                       CASE WHEN s.r < 0.12 THEN 'qualified'
                            WHEN s.r < 0.22 THEN 'not_interested'
                            WHEN s.r < 0.62 THEN 'no_answer'
                            WHEN s.r < 0.80 THEN 'busy'
                            WHEN s.r < 0.92 THEN 'callback'
                            ELSE 'wrong_number' END,
                       '{}'
                FROM (SELECT now() - random() * interval '30 days' AS t, random() AS r
                      FROM generate_series(1, :n)) s
                """
            ),
            {**params, "a0": accounts[0], "na": accounts[2], "g0": agents[0], "ng": agents[2]},
        )
        # Fresh statistics for the updates below: left stale (say, after an earlier run's
        # clean-up), the planner takes a million rows for a few and joins them row by row.
        conn.exec_driver_sql("ANALYZE call_attempts")
        conn.exec_driver_sql("ANALYZE queue_entries")
        conn.execute(
            sa.text(
                """
                UPDATE queue_entries q SET state = 'done'
                FROM (SELECT DISTINCT ON (account_id) account_id, outcome FROM call_attempts
                      WHERE campaign_id = :c ORDER BY account_id, id DESC) last
                WHERE q.campaign_id = :c AND q.account_id = last.account_id
                  AND last.outcome IN ('qualified', 'not_interested', 'wrong_number')
                """
            ),
            params,
        )
        # What the desk fixes on each call as it records it (app.board.tallies): the
        # account's zone and dealer, the final flag on the call that ended the account's
        # work, the agent's time from their previous call.
        conn.execute(
            sa.text(
                """
                UPDATE call_attempts c SET final = true
                FROM queue_entries q,
                     (SELECT DISTINCT ON (account_id) id FROM call_attempts
                      WHERE campaign_id = :c ORDER BY account_id, id DESC) last
                WHERE c.id = last.id AND q.campaign_id = :c AND q.account_id = c.account_id
                  AND q.state = 'done'
                """
            ),
            params,
        )
        conn.execute(
            sa.text(
                """
                UPDATE call_attempts c SET zone_id = a.zone_id, dealer_id = a.dealer_id,
                    agent_seconds = EXTRACT(EPOCH FROM c.ended_at - CASE
                        WHEN w.previous BETWEEN c.started_at - interval '10 minutes'
                             AND c.ended_at THEN w.previous ELSE c.started_at END)
                FROM accounts a,
                     (SELECT id, lag(ended_at) OVER (PARTITION BY agent_id
                                                     ORDER BY ended_at, id) AS previous
                      FROM call_attempts WHERE campaign_id = :c) w
                WHERE c.id = w.id AND a.id = c.account_id
                """
            ),
            params,
        )
        conn.execute(
            sa.insert(User).values(username=f"bench-{fixture.tag}-sup", full_name="Supervisor",
                                   role=Role.SUPERVISOR, password_hash=hash_password(PASSWORD))
        )  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    # The board's tallies, recounted from those calls as after an upgrade.
    started = time.time()
    with Session(engine) as session, session.begin():
        tally_writes.rebuild(session, fixture.campaign_id)
    print(f"  tallies rebuilt from {calls:,} calls in {time.time() - started:.0f} s", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    url: str, redis_url: str | None, port: int, workers: int = 2, threads: int = 16
) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-" + os.urandom(8).hex()}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer on /login")


def stop_server(server: subprocess.Popen | None) -> None:
    """Stop gunicorn: TERM, then KILL if requests are still stuck after 30 s."""
    if server is None:
        return
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def signed_in(base: str, username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                   "csrf_token": token}).encode()  # fmt: skip
    opener.open(base + "/login", data=form, timeout=30).read()
    return opener


def warm_up(base: str, username: str, campaign_id: int) -> None:
    """Each page once per worker thread, before the clock starts: a server that has run
    a while has its templates compiled and its figures cached."""
    opener = signed_in(base, username)
    for _ in range(8):
        for path in ("/board/", "/board/data.json", f"/board/campaigns/{campaign_id}",
                     f"/board/campaigns/{campaign_id}/parts.json"):  # fmt: skip
            opener.open(base + path, timeout=120).read()


def board(base: str, username: str, campaign_id: int, deadline: float, out: Requests,
          on_campaign: bool) -> None:  # fmt: skip
    """One supervisor with a board open until ``deadline``: the home page (``on_campaign``
    False) or a campaign's page, polling its data every 5 s as the page's script does,
    and loading the page afresh once a minute."""
    opener = signed_in(base, username)
    time.sleep(random.uniform(0, REFRESH))  # noqa: S311 - boards opened at different moments
    if on_campaign:
        page, data = f"/board/campaigns/{campaign_id}", f"/board/campaigns/{campaign_id}/parts.json"
    else:
        page, data = "/board/", "/board/data.json"
    n = 0
    while time.time() < deadline:
        tick = time.time()
        kind, path = ("page", page) if n % 12 == 0 else ("data", data)
        try:
            with opener.open(base + path, timeout=30) as response:
                response.read()
                if response.status != 200 or "/login" in response.url:
                    raise OSError(f"{response.status} {response.url}")
            out.add(kind, time.time() - tick)
        except OSError as exc:
            out.add(kind, None, f"{path}: {exc}")
        n += 1
        time.sleep(max(0.0, tick + REFRESH - time.time()))


def recount_matches(engine: sa.Engine, fixture: qc.Fixture, base: str, username: str) -> bool:
    """After the run: the board's figures, once computed after the last outcome was
    saved, equal a direct count."""
    import json

    from app import create_app
    from app.board.counts import Slice, gather
    from app.extensions import db

    ended = datetime.now(UTC).isoformat(timespec="seconds")
    opener = signed_in(base, username)
    for _ in range(60):  # an expired copy is served once more, then recomputed
        shown = json.loads(opener.open(base + "/board/data.json").read())
        if shown["as_of"] > ended:
            break
        time.sleep(1)
    else:
        return False
    mine = next(c for c in shown["campaigns"] if c["id"] == fixture.campaign_id)
    app = create_app({"SQLALCHEMY_DATABASE_URI": engine.url.render_as_string(hide_password=False)})
    with app.app_context():
        counted = gather(db.session, Slice(campaign_id=fixture.campaign_id))[None]
    return (mine["base"], mine["final"], mine["qualified"], mine["attempts"]) == (
        counted.base, counted.final, counted.qualified, counted.attempts)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a scratch PostgreSQL database")
    parser.add_argument("--redis-url", help="Redis for the shared board cache")
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--agent-rate", type=float, default=30.0, help="outcomes/s in all")
    parser.add_argument("--no-append", action="store_true", help="do not write the docs")
    args = parser.parse_args(argv)
    # The agents run in two processes of their own, as they would in their browsers: in
    # this one they would hold the interpreter the supervisors' clients need to measure.
    args.sqlite, args.pool, args.processes = False, qc.MAX_POOL, 2
    os.environ["QUALIFICA_BENCH_COUNT_ON_BOARD"] = "1"  # their calls count on the board
    qc.Claimer.count_on_board = True
    engine = qc.open_database(args)
    url = engine.url.render_as_string(hide_password=False)
    print(f"filling {args.accounts:,} accounts and {args.calls:,} calls ...", flush=True)
    started = time.time()
    fixture = qc.fill_queue(engine, args.accounts, args.agents)
    server = None
    try:
        add_history(engine, fixture, args.calls)
        print(f"  done in {time.time() - started:.0f} s; starting gunicorn ...", flush=True)
        port = free_port()
        server = start_server(url, args.redis_url, port)
        base = f"http://127.0.0.1:{port}"
        username = f"bench-{fixture.tag}-sup"
        out = Requests()
        warm_up(base, username, fixture.campaign_id)
        deadline = time.time() + 2.0 + args.seconds
        boards = [
            threading.Thread(
                target=board,
                args=(base, username, fixture.campaign_id, deadline, out, n % 2 == 1),
            )
            for n in range(args.boards)
        ]
        for thread in boards:
            thread.start()
        print(f"{args.boards} boards open, {args.agents} agents at {args.agent_rate:g} "
              f"outcomes/s for {args.seconds:g} s ...", flush=True)  # fmt: skip
        phase = qc.Phase("agents", args.agents, args.seconds, rate=args.agent_rate)
        agents = qc.run_phase(args, engine, fixture, phase)
        for thread in boards:
            thread.join()
        same = recount_matches(engine, fixture, base, username)
        machine = qc.machine(engine)
    finally:
        stop_server(server)
        with engine.begin() as conn:  # the supervisors' sign-ins are in the audit log
            conn.execute(
                sa.text("DELETE FROM audit_log WHERE user_id IN "
                        "(SELECT id FROM users WHERE username LIKE :u)"),
                {"u": f"bench-{fixture.tag}-%"},
            )  # fmt: skip
        qc.remove_fixture(engine, fixture)

    all_requests = out.latencies["data"] + out.latencies["page"]
    rows = []
    for name, values in (("data (data.json, parts.json)", out.latencies["data"]),
                         ("page loads", out.latencies["page"]),
                         ("all board requests", all_requests)):  # fmt: skip
        rows.append([name, f"{len(values):,}", *(f"{qc.percentile(values, q) * 1000:.1f}"
                                                  for q in (0.5, 0.95, 0.99))])  # fmt: skip
    header = ["requests", "count", "p50 ms", "p95 ms", "p99 ms"]
    p95 = qc.percentile(out.latencies["data"], 0.95) * 1000
    lines = [
        f"- the boards' data requests: p95 {p95:.1f} ms (goal < {GOAL_P95_MS:.0f} ms: "
        f"{'met' if p95 < GOAL_P95_MS and not out.errors else 'MISSED'}); page loads p95 "
        f"{qc.percentile(out.latencies['page'], 0.95) * 1000:.1f} ms; errors {len(out.errors)}",
        f"- outcomes saved by the agents: {agents.cycles:,} in {agents.seconds:.0f} s "
        f"({agents.cycles / agents.seconds:.1f}/s), p95 "
        f"{qc.percentile(agents.latencies, 0.95) * 1000:.1f} ms, errors {len(agents.errors)}",
        f"- the board's figures after the run equal a direct recount: {'yes' if same else 'NO'}",
        f"- cache: {'Redis' if args.redis_url else 'each gunicorn worker in its memory'}",
    ]
    print(qc.plain_table(header, rows))
    print("\n".join(lines))
    for error in out.errors[:5] + agents.errors[:5]:
        print("  error:", error)
    if not args.no_append:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with qc.BENCHMARKS_MD.open("a") as handle:
            handle.write(
                f"\n## Supervisor board under load (PostgreSQL), {stamp}\n\n"
                f"`scripts/bench/board_load.py --accounts {args.accounts} --calls {args.calls}"
                f" --agents {args.agents} --boards {args.boards} --seconds {args.seconds:g} "
                f"--agent-rate {args.agent_rate:g}`: gunicorn (2 workers x 16 threads) on "
                "loopback, warmed up (each page a few times) before the clock starts; half "
                "the boards show the home page and poll `/board/data.json` every 5 s, half a "
                "campaign's page and poll its `parts.json`, as the pages' scripts do, and "
                "each loads its page afresh once a minute, over its own signed-in session; "
                "the agents, in two processes of their own, save outcomes and claim "
                "through the queue's functions (open loop), their calls counted on the "
                "board as the desk does."
                f"\n\nMachine: {machine}.\n\n"
                + qc.markdown_table(header, rows)
                + "\n\n"
                + "\n".join(lines)
                + "\n"
            )
        print("appended to docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
