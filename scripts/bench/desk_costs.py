"""Server CPU per desk request, kind by kind: what each request costs gunicorn and
PostgreSQL, apart from what the load generator costs (issue 26, "Measure first").

It starts what ``desk_soak.py`` starts (a private PostgreSQL and Redis, gunicorn on
loopback, the same seed: a practice campaign, served at any hour of any day, Sundays and
holidays included), signs in ``--agents`` agents and a supervisor, warms every worker on
every kind, then runs each kind alone, one after the other: the rendered sign-in page (the
yardstick), the claim (*Next account*), the call page, the draft, the lease, the check as
typed, the outcome (a third *qualified* with the answers, a third *no answer*, each also
leasing the next account as on the desk; a third *qualified* with "pause after this call",
which leases nothing: the outcome alone), the supervisor's board and floor data, and the
sign-in page again (the yardstick is the mean of its two readings: a shared machine's
speed drifts over the minutes of a run). Around each kind it reads from /proc the CPU
time of the gunicorn tree (arbiter and workers), of the PostgreSQL tree (postmaster and
backends) and of Redis, and the load generator's own (``proc_cpu``), and divides by the
requests. Every request is a new connection
(``Connection: close``), as in the soak.

    .venv/bin/python scripts/bench/desk_costs.py --label before

It prints a table and appends it to docs/benchmarks.md unless ``--no-append``. The load
average before and after is recorded beside the figures: on a shared machine other
processes do not enter the figures (only these trees are read) but slow the run and warm or
cool the caches."""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import board_load as bl
import desk_soak as soak
import proc_cpu
import queue_claim as qc
import sqlalchemy as sa

CHECK = {"question": "contact_phone", "value": "333 123 4567"}
PAUSE_REASON = re.compile(r'<select id="pause_reason"[^>]*>\s*<option value="">[^<]*</option>'
                          r'\s*<option value="(\d+)"')  # fmt: skip


@dataclass
class Desk:
    """One agent's browser and the call it holds."""

    browser: soak.Browser
    entry: int | None = None
    token: str = ""
    fields: dict | None = None
    pause_reason: str = ""  # the first reason the call screen offers

    def claim(self, campaign_id: int) -> None:
        form = {"csrf_token": self.browser.csrf}
        path = f"/desk/campaigns/{campaign_id}/next"
        reply = self.browser.send("claim", "POST", path, form=form, expect=(302,))
        found = reply and reply.ok and soak.CALL_PATH.search(reply.location)
        self.entry = int(found.group(1)) if found else None

    def page(self) -> None:
        page = self.browser.send("call page", "GET", f"/desk/calls/{self.entry}")
        token = page and page.ok and soak.CLIENT_TOKEN.search(page.text)
        if token:
            self.token = token.group(1)
            self.fields = {k: html.unescape(v) for k, v in soak.TEXT_FIELD.findall(page.text)}
            reason = PAUSE_REASON.search(page.text)
            self.pause_reason = reason.group(1) if reason else ""

    def typed(self, code: str) -> dict:
        return dict(self.fields or {}, **(soak.ANSWERS if code == "qualified" else {}))

    def post(self, kind: str, data: dict | None = None) -> None:
        path = f"/desk/calls/{self.entry}/{kind}"
        self.browser.send(kind, "POST", path, data=data if data is not None else {})

    def outcome(self, code: str, kind: str = "", pause: bool = False) -> None:
        """Record ``code``; the reply leases the next account, unless ``pause`` (the call
        screen's "pause after this call": the outcome alone, no claim)."""
        form = {**self.typed(code), "csrf_token": self.browser.csrf, "client_token": self.token,
                "outcome": code, "notes": "Sentito il titolare."}  # fmt: skip
        if pause:
            form["pause_reason"] = self.pause_reason
        path = f"/desk/calls/{self.entry}/outcome"
        reply = self.browser.send(kind or code, "POST", path, form=form, expect=(302,))
        found = reply and reply.ok and soak.CALL_PATH.search(reply.location)
        self.entry = int(found.group(1)) if found else None  # the next account, leased


class Meter:
    """CPU seconds so far of the servers' trees and of this process."""

    def __init__(self, gunicorn: int, postgres: int | None, redis: int | None) -> None:
        self.roots = (gunicorn, postgres, redis)

    def read(self) -> tuple[float, ...]:
        trees = tuple(proc_cpu.tree_seconds(pid) if pid else 0.0 for pid in self.roots)
        return (*trees, proc_cpu.own_seconds())


@dataclass
class Row:
    kind: str
    requests: int
    errors: int
    seconds: float
    cpu: tuple[float, ...]  # gunicorn, PostgreSQL, Redis, load generator: seconds in all
    p50: float

    def per_request(self, index: int) -> float:
        return self.cpu[index] / max(self.requests, 1) * 1000

    @property
    def server(self) -> float:
        return self.per_request(0) + self.per_request(1) + self.per_request(2)


def run_kind(meter: Meter, stats: soak.Stats, kind: str, jobs: list[Callable[[], None]],
             clients: int) -> Row:  # fmt: skip
    """Run ``jobs`` (each one request of ``kind``) on ``clients`` threads, measured."""
    time.sleep(1.0)  # what the previous kind left behind (a board recomputed) settles
    before, start = meter.read(), time.time()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda job: job(), jobs))
    seconds, after = time.time() - start, meter.read()
    samples = stats.select(start, kinds=[kind])
    count, errors, p50, _, _ = soak.summarise(samples)
    cpu = tuple(a - b for a, b in zip(after, before, strict=True))
    print(f"  {kind}: {count} requests, {errors} errors, {seconds:.1f} s", flush=True)
    return Row(kind, count, errors, seconds, cpu, p50)


def sign_in_all(port: int, stats: soak.Stats, usernames: list[str], home: str, clients: int):
    browsers = [soak.Browser(port, stats) for _ in usernames]
    with ThreadPoolExecutor(clients) as pool:
        done = list(pool.map(lambda b, u: b.sign_in(u, home), browsers, usernames))
    if not all(done):
        raise SystemExit(f"{done.count(False)} of {len(done)} sign-ins failed")
    return browsers


def warm_up(desks: list[Desk], supervisor: soak.Browser, campaign_id: int) -> None:
    """Every kind a few times on every worker: compiled templates, loaded modules and
    cached scripts, as on a server that has run a while."""
    for _ in range(2):
        for desk in desks:
            desk.claim(campaign_id) if desk.entry is None else None
            desk.page()
            desk.post("draft", {"fields": desk.typed("qualified"), "notes": "x"})
            desk.post("lease")
            desk.post("check", CHECK)
            desk.outcome("qualified", "warm-up")
            desk.page()
            desk.outcome("no_answer", "warm-up")
        for path in ("/board/data.json", "/floor/data.json"):
            supervisor.send("warm-up", "GET", path)
    for desk in desks:
        if desk.entry is not None:
            desk.browser.send("warm-up", "POST", f"/desk/calls/{desk.entry}/release",
                              form={"csrf_token": desk.browser.csrf}, expect=(302,))  # fmt: skip


def measure(args, ctx: dict, meter: Meter, stats: soak.Stats) -> list[Row]:
    port, fixture, clients = ctx["port"], ctx["fixture"], args.clients
    prefix = f"bench-{fixture.tag}-"
    names = [f"{prefix}{n}" for n in range(len(fixture.agent_ids))]
    print(f"signing in {len(names)} agents ...", flush=True)
    browsers = sign_in_all(port, stats, names, "/desk/", clients)
    supervisor = sign_in_all(port, stats, [prefix + "sup"], "/board/", 1)[0]
    warm = [Desk(b) for b in browsers[: args.warm_agents]]
    desks = [Desk(b) for b in browsers[args.warm_agents :]]
    warm_up(warm, supervisor, fixture.campaign_id)
    n, third = args.requests, len(desks) // 3
    cycle = [desks[i % len(desks)] for i in range(n)]
    body = lambda d: {"fields": d.typed("qualified"), "notes": "Sentito il titolare."}  # noqa: E731
    kinds: list[tuple[str, list[Callable[[], None]]]] = [
        ("sign-in page", [lambda: soak.Browser(port, stats).send("sign-in page", "GET", "/login")
                          for _ in range(n)]),
        ("claim", [lambda d=d: d.claim(fixture.campaign_id) for d in desks]),
        ("call page", [d.page for d in cycle]),
        ("draft", [lambda d=d: d.post("draft", body(d)) for d in cycle]),
        ("lease", [lambda d=d: d.post("lease") for d in cycle]),
        ("check", [lambda d=d: d.post("check", CHECK) for d in cycle]),
        ("qualified", [lambda d=d: d.outcome("qualified") for d in desks[:third]]),
        ("no_answer", [lambda d=d: d.outcome("no_answer") for d in desks[third : 2 * third]]),
        ("qualified_pause", [lambda d=d: d.outcome("qualified", "qualified_pause", pause=True)
                             for d in desks[2 * third :]]),
        ("board data", [lambda: supervisor.send("board data", "GET", "/board/data.json")
                        for _ in range(n)]),
        ("floor data", [lambda: supervisor.send("floor data", "GET", "/floor/data.json")
                        for _ in range(n)]),
        # The yardstick again: the machine's speed drifts over a run (a shared host), and
        # the outcomes ran minutes after the first reading.
        ("sign-in page, again", [lambda: soak.Browser(port, stats).send(
            "sign-in page, again", "GET", "/login") for _ in range(n)]),
    ]  # fmt: skip
    rows = [run_kind(meter, stats, kind, jobs, clients) for kind, jobs in kinds]
    time.sleep(1.0)
    before = meter.read()
    time.sleep(args.idle)
    idle = tuple(a - b for a, b in zip(meter.read(), before, strict=True))
    rows.append(Row("idle (per second)", int(args.idle), 0, args.idle, idle, float("nan")))
    return rows


LABELS = {"qualified": "outcome: qualified (+ next claim)",
          "no_answer": "outcome: no answer (+ next claim)",
          "qualified_pause": "outcome: qualified, then a pause (no claim)"}  # fmt: skip


def table(rows: list[Row]) -> tuple[list[str], list[list[str]]]:
    """Each kind's CPU, and its multiple of the sign-in page's: the mean of the page's
    two readings, the first and the last kind measured."""
    pages = [r.server for r in rows if r.kind.startswith("sign-in page")]
    yardstick = sum(pages) / len(pages)
    head = ["request", "count", "errors", "gunicorn ms", "PostgreSQL ms", "Redis ms",
            "server ms", "x sign-in page", "generator ms", "p50 ms"]  # fmt: skip
    body = [
        [LABELS.get(r.kind, r.kind), f"{r.requests:,}", str(r.errors),
         *(f"{r.per_request(i):.2f}" for i in range(3)), f"{r.server:.2f}",
         f"{r.server / yardstick:.1f}" if yardstick else "-", f"{r.per_request(3):.2f}",
         f"{r.p50:.0f}" if r.p50 == r.p50 else "-"]
        for r in rows
    ]  # fmt: skip
    return head, body


def uptime() -> str:
    """The load average as ``uptime`` shows it (1, 5, 15 minutes, runnable/all tasks)."""
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:4])


def report(args, ctx: dict, rows: list[Row], load: tuple[str, str]) -> None:
    head, body = table(rows)
    lines = [
        f"- commit {qc.commit()}; {ctx['settings']}",
        f"- uptime before: `{load[0]}`",
        f"- uptime after: `{load[1]}`",
        "- ms are CPU milliseconds per request (user + system), from /proc; *server* is "
        "gunicorn + PostgreSQL + Redis; the last row is CPU per second with no request",
    ]
    print(qc.plain_table(head, body))
    print("\n".join(lines))
    if args.no_append:
        return
    label = f": {args.label}" if args.label else ""
    command = " ".join(["scripts/bench/desk_costs.py", *sys.argv[1:]])
    qc.append_section(
        f"Desk: server CPU per request kind{label}",
        f"`{command}`: each kind alone, after a warm-up of every kind on every worker "
        f"(docstring of the script).\n\nMachine: {ctx['machine']}.\n\n"
        f"{qc.markdown_table(head, body)}\n\n" + "\n".join(lines),
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    cores = os.cpu_count() or 1
    parser.add_argument("--agents", type=int, default=60,
                        help="agents measured: one claim and one outcome each")  # fmt: skip
    parser.add_argument("--warm-agents", type=int, default=2 * (2 * cores + 1))
    parser.add_argument("--requests", type=int, default=300, help="requests of each other kind")
    parser.add_argument("--clients", type=int, default=4, help="load generator threads")
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds measured at rest")
    parser.add_argument("--label", default="", help="e.g. before, after (in the heading)")
    parser.add_argument("--no-append", action="store_true", help="do not write the docs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = uptime()
    print(f"uptime: {load_before}", flush=True)
    services, server, stats = soak.Services(), None, soak.Stats()
    try:
        url = services.start_postgres()
        redis_url = services.start_redis()
        print(f"seeding {args.agents + args.warm_agents} agents, {args.accounts:,} accounts ...",
              flush=True)  # fmt: skip
        fixture = soak.seed(url, args.accounts, args.agents + args.warm_agents)
        port = bl.free_port()
        server = bl.start_server(url, redis_url, port, args.workers, args.threads)
        engine = sa.create_engine(url)
        ctx = {"port": port, "fixture": fixture, "machine": qc.machine(engine),
               "settings": f"gunicorn {args.workers} workers x {args.threads} threads, "
               f"{args.clients} client threads, {args.accounts:,} queued practice accounts, "
               "PostgreSQL private (fsync and synchronous_commit off), Redis private"}  # fmt: skip
        engine.dispose()
        postmaster = proc_cpu.pid_from_file(services.dir / "pgdata" / "postmaster.pid")
        meter = Meter(server.pid, postmaster, proc_cpu.pid_from_file(services.dir / "redis.pid"))
        rows = measure(args, ctx, meter, stats)
    finally:
        bl.stop_server(server)
        services.close()
    report(args, ctx, rows, (load_before, uptime()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
