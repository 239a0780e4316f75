"""Where a desk request spends its time, kind by kind (issue 26, "Profile each kind").

It seeds what ``desk_costs.py`` seeds (a private PostgreSQL and Redis, a practice campaign
served at any hour of any day), serves the application from a single-threaded WSGI server in
this process, drives it with the same desk clients, and profiles with pyinstrument only the
server thread, only while it answers a request of the kind being measured. Each sampled
moment is put in the box of the innermost library on its stack (psycopg = PostgreSQL round
trips, SQLAlchemy, Jinja templates, ...; the standard library counts for its caller), so the
table says what share of a request goes to queries, templates, sessions and the rest.

    .venv/bin/python scripts/bench/desk_profile.py --label before

Milliseconds are wall time in the server thread, sampled (pyinstrument adds a little) and
include waiting for PostgreSQL. The full call trees go to ``--trees`` (one text file per
kind). The table is appended to docs/benchmarks.md unless ``--no-append``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import board_load as bl
import desk_costs as costs
import desk_soak as soak
import queue_claim as qc
import sqlalchemy as sa
from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer
from werkzeug.serving import make_server

# Innermost match wins; a frame matching none (the standard library) counts for its caller.
BOXES: list[tuple[str, tuple[str, ...]]] = [
    ("PostgreSQL round trips (psycopg)", ("/psycopg/", "/psycopg_binary/", "/psycopg2/")),
    ("SQLAlchemy (ORM and Core)", ("/sqlalchemy/",)),
    ("Redis client", ("/redis/",)),
    ("templates (Jinja)", ("/jinja2/", "/templates/")),
    ("forms and CSRF (WTForms)", ("/wtforms/", "/flask_wtf/")),
    ("session and user (Flask-Login)", ("/flask_login/", "/itsdangerous/", "flask/sessions.py")),
    ("translations (Babel)", ("/babel/", "/flask_babel/")),
    ("call script (app/scripting)", ("/app/scripting/",)),
    ("Flask and Werkzeug", ("/flask/", "/werkzeug/")),
    ("Qualifica code (app/)", ("/app/",)),
]
OTHER = "other (standard library, server loop)"


def box_of(path: str) -> str | None:
    for name, marks in BOXES:
        if any(mark in path for mark in marks):
            return name
    return None


def boxes(frame, inherited: str = OTHER, into: dict | None = None) -> dict[str, float]:
    """Seconds per box over the tree under ``frame``."""
    into = defaultdict(float) if into is None else into
    here = box_of(frame.file_path or "") or inherited
    into[here] += frame.time - sum(child.time for child in frame.children)
    for child in frame.children:
        boxes(child, here, into)
    return into


class Profiled:
    """WSGI middleware: profiles the requests whose path holds ``mark`` while ``profiler``
    is set (one server thread, so start and stop are on the same thread)."""

    def __init__(self, app) -> None:
        self.app, self.profiler, self.mark, self.method, self.count = app, None, "", "", 0

    def __call__(self, environ, start_response):
        profiler = self.profiler
        wanted = (profiler is not None and self.mark in environ.get("PATH_INFO", "")
                  and environ.get("REQUEST_METHOD") == self.method)  # fmt: skip
        if not wanted:
            return self.app(environ, start_response)
        profiler.start()
        try:
            return list(self.app(environ, start_response))
        finally:
            profiler.stop()
            self.count += 1


KINDS = {  # kind -> (path mark, method) of the requests profiled
    "sign-in page": ("/login", "GET"),
    "claim": ("/next", "POST"),
    "call page": ("/desk/calls/", "GET"),
    "draft": ("/draft", "POST"),
    "lease": ("/lease", "POST"),
    "check": ("/check", "POST"),
    "qualified": ("/outcome", "POST"),
    "no_answer": ("/outcome", "POST"),
    "board data": ("/board/data.json", "GET"),
    "floor data": ("/floor/data.json", "GET"),
}


def jobs_of(args, fixture, port: int, stats, desks, supervisor):
    n, half = args.requests, len(desks) // 2
    cycle = [desks[i % len(desks)] for i in range(n)]
    body = lambda d: {"fields": d.typed("qualified"), "notes": "Sentito il titolare."}  # noqa: E731
    return {
        "sign-in page": [lambda: soak.Browser(port, stats).send("sign-in page", "GET", "/login")
                         for _ in range(n)],
        "claim": [lambda d=d: d.claim(fixture.campaign_id) for d in desks],
        "call page": [d.page for d in cycle],
        "draft": [lambda d=d: d.post("draft", body(d)) for d in cycle],
        "lease": [lambda d=d: d.post("lease") for d in cycle],
        "check": [lambda d=d: d.post("check", costs.CHECK) for d in cycle],
        "qualified": [lambda d=d: d.outcome("qualified") for d in desks[:half]],
        "no_answer": [lambda d=d: d.outcome("no_answer") for d in desks[half:]],
        "board data": [lambda: supervisor.send("board data", "GET", "/board/data.json")
                       for _ in range(n)],
        "floor data": [lambda: supervisor.send("floor data", "GET", "/floor/data.json")
                       for _ in range(n)],
    }  # fmt: skip


def profile(args, fixture, port: int, wrapped: Profiled, trees: Path) -> dict[str, dict]:
    stats = soak.Stats()
    prefix = f"bench-{fixture.tag}-"
    names = [f"{prefix}{n}" for n in range(len(fixture.agent_ids))]
    browsers = costs.sign_in_all(port, stats, names, "/desk/", 1)
    supervisor = costs.sign_in_all(port, stats, [prefix + "sup"], "/board/", 1)[0]
    warm = [costs.Desk(b) for b in browsers[: args.warm_agents]]
    desks = [costs.Desk(b) for b in browsers[args.warm_agents :]]
    costs.warm_up(warm, supervisor, fixture.campaign_id)
    found: dict[str, dict] = {}
    for kind, jobs in jobs_of(args, fixture, port, stats, desks, supervisor).items():
        wrapped.mark, wrapped.method = KINDS[kind]
        wrapped.profiler, wrapped.count = Profiler(interval=0.0002), 0
        for job in jobs:
            job()
        session, count = wrapped.profiler.last_session, wrapped.count
        wrapped.profiler = None
        if session is None or not count:
            raise SystemExit(f"no {kind} request was profiled")
        root = session.root_frame()
        found[kind] = {"count": count, "ms": session.duration / count * 1000,
                       "boxes": {k: v / count * 1000 for k, v in boxes(root).items()}}  # fmt: skip
        name = kind.replace(" ", "-")
        (trees / f"{name}.txt").write_text(
            ConsoleRenderer(unicode=True, color=False, time="percent_of_total").render(session)
        )
        print(f"  {kind}: {count} requests, {found[kind]['ms']:.1f} ms each", flush=True)
    return found


def table(found: dict[str, dict]) -> tuple[list[str], list[list[str]]]:
    names = [name for name, _ in BOXES] + [OTHER]
    kinds = list(found)
    head = ["where (ms per request)", *[costs.LABELS.get(k, k) for k in kinds]]
    body = [[name, *[f"{found[k]['boxes'].get(name, 0.0):.1f}" for k in kinds]] for name in names]
    body.append(["**all (wall, profiled)**", *[f"{found[k]['ms']:.1f}" for k in kinds]])
    return head, body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--warm-agents", type=int, default=4)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=5_000)
    default_trees = Path(tempfile.gettempdir()) / "desk-profile"
    parser.add_argument("--trees", type=Path, default=default_trees, help="call trees, per kind")
    parser.add_argument("--label", default="")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args(argv)
    args.trees.mkdir(parents=True, exist_ok=True)
    load_before = costs.uptime()
    print(f"uptime: {load_before}", flush=True)
    services = soak.Services()
    server = None
    try:
        url = services.start_postgres()
        redis_url = services.start_redis()
        fixture = soak.seed(url, args.accounts, args.agents + args.warm_agents)
        os.environ.update(DATABASE_URL=url, REDIS_URL=redis_url,
                          SECRET_KEY="bench-" + os.urandom(8).hex())  # fmt: skip
        from app import create_app

        app = create_app()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        wrapped = Profiled(app.wsgi_app)
        app.wsgi_app = wrapped
        port = bl.free_port()
        server = make_server("127.0.0.1", port, app, threaded=False)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        engine = sa.create_engine(url)
        machine = qc.machine(engine)
        engine.dispose()
        found = profile(args, fixture, port, wrapped, args.trees)
    finally:
        if server is not None:
            server.shutdown()
        services.close()
    head, body = table(found)
    print(qc.plain_table(head, body))
    if args.no_append:
        return 0
    label = f": {args.label}" if args.label else ""
    invoked = " ".join(["scripts/bench/desk_profile.py", *sys.argv[1:]])
    qc.append_section(
        f"Desk: where a request spends its time{label}",
        f"`{invoked}` (pyinstrument, server thread only; docstring of the script). "
        f"Machine: {machine}. Commit {qc.commit()}; uptime before: `{load_before}`.\n\n"
        f"{qc.markdown_table(head, body)}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
