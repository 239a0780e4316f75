"""Soak and stress the agent desk over HTTP: gunicorn + PostgreSQL + Redis + an RQ worker.

It starts a private PostgreSQL and Redis in a temp dir (as ``scripts/test`` does; or uses
``--database-url``/``--redis-url``, then no Redis restart), migrates, seeds ``--agents``
agents and one practice campaign of ``--accounts`` queued practice accounts (20,000) with
the shipped call script (practice is served at any hour of any day, Sundays and holidays
included, so the run never waits for Monday; docs/campaigns.md), starts gunicorn on loopback
(``--workers`` x ``--threads``, gthread) and one RQ worker (``flask jobs worker``). Each
simulated agent is a thread with its own cookie session that does what the desk's page and
``static/js/desk.js`` do: sign in, "next account" (claim), open the call page, autosave the
draft (JSON + X-CSRFToken), renew the lease every 30 s, then post the outcome form with the
page's ``client_token``, retrying a failed post with the same token (as a resubmitted form
does), and open the next call the answer redirects to. Every request is a new connection
(``Connection: close``), as the slowest browser behaves.

``--mode soak`` (paced like a person): the call's moments as the desk posts them (dial,
answered unless no answer or busy, hang up, then a few seconds of wrap-up), a draft every
3-6 s, an outcome after 60-180 s (about 60 % qualified, the rest callback, no answer,
busy, not interested, wrong number, closed), now and then a pause after the call (the
home's heartbeat while paused, then resume), a sign-out at the end; a few supervisors poll
``/board/data.json`` and ``/floor/data.json`` every 5 s (the board's cache lives in
Redis). Mid-run chaos: at 1/3 one gunicorn worker is SIGKILLed (the
arbiter starts another), at 1/2 Redis is stopped for 5 s and started again, and 30 s
later the RQ worker is SIGKILLed and a new one started, with an import job running on it.
``--mode stress``: no pauses (claim, open, one draft, outcome), adding agents step by
step (``--steps``) until the p95 of the desk's requests passes 1 s or errors pass 1 %.

It reports requests per kind, errors (by status or exception), p50/p95/p99 over the run
and in the 30 s after each chaos event, and a recount: every outcome the clients saw
saved is in call_attempts exactly once (by client_token), no token twice, outcomes that
failed every retry, no agent holding two entries, no entry held by two agents at once
(from the clients' own timelines), no account both waiting and final; and the agents'
state log: every second of every agent from sign-in to sign-out in exactly one state, every
moment a client saw accepted in the log (``desk_states``). It prints a table
and appends a section to docs/benchmarks.md unless ``--no-append``.

    .venv/bin/python scripts/bench/desk_soak.py --mode soak --agents 200 --minutes 10
    .venv/bin/python scripts/bench/desk_soak.py --mode stress --steps 10 20 40 80 160
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import board_load as bl
import desk_states as ds
import distribution_export as de
import proc_cpu
import queue_claim as qc  # also keeps the generated secret key out of the tree
import sqlalchemy as sa
from redis import Redis

from config import normalise_database_url

ROOT = qc.ROOT
CLIENT_TOKEN = re.compile(r'name="client_token"[^>]*value="([^"]+)"')
TEXT_FIELD = re.compile(r'name="(a\.[\w.]+)" value="([^"]*)"')
CALL_PATH = re.compile(r"/desk/calls/(\d+)$")
TIMEOUT = 30.0
CHAOS_WINDOW = 30.0  # seconds after a chaos event whose requests are reported apart
DESK_KINDS = ("claim", "call page", "draft", "lease", "outcome", "dial", "answer", "hang-up",
              "heartbeat", "resume")  # fmt: skip
OUTCOME_MIX = (
    ("qualified", 60),
    ("callback", 8),
    ("no_answer", 12),
    ("busy", 6),
    ("not_interested", 10),
    ("wrong_number", 2),
    ("company_closed", 2),
)
# What the agent types for a qualified call, beyond the prefilled company data.
ANSWERS = dict(
    urllib.parse.parse_qsl(
        "a.is_decision_maker=true&a.has_trucks=true&a.fleet_lines.0.brand=renault_trucks&"
        "a.fleet_lines.0.vehicle_count=12&a.fleet_lines.0.tonnage_class=gt_16&"
        "a.contact_name=Giulia+Bianchi&a.contact_role=Responsabile+acquisti&"
        "a.contact_is_purchasing_manager=true&a.contact_phone=333+123+4567&"
        "a.purchase_horizon=6&a.vehicle_kind=tractor_unit&a.vehicle_quantity=2"
    )
)


# ------------------------------------------------------------------------ measurements ---
@dataclass
class Stats:
    """Every request: when it started, its kind, how long it took, its error if any."""

    samples: list[tuple[float, str, float, str | None]] = field(default_factory=list)
    saved: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # token: code, entry
    failed: dict[str, str] = field(default_factory=dict)  # token: last error
    holds: list[tuple[int, str, float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, start: float, seconds: float, error: str | None) -> None:
        with self.lock:
            self.samples.append((start, kind, seconds, error))

    def select(self, begin: float = 0.0, end: float = float("inf"), kinds=None) -> list:
        return [s for s in self.samples if begin <= s[0] < end and (not kinds or s[1] in kinds)]


def summarise(samples: list) -> tuple[int, int, float, float, float]:
    """count, errors, p50, p95, p99 (ms, over the requests that succeeded)."""
    good = [s[2] for s in samples if s[3] is None]
    return (
        len(samples),
        len(samples) - len(good),
        *(qc.percentile(good, q) * 1000 for q in (0.5, 0.95, 0.99)),
    )


@dataclass
class Reply:
    status: int
    location: str
    text: str
    ok: bool


class Browser:
    """One person's browser: a cookie jar and a new loopback connection per request."""

    def __init__(self, port: int, stats: Stats) -> None:
        self.port, self.stats, self.cookies, self.csrf = port, stats, {}, ""

    def send(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        form=None,
        data=None,
        expect: tuple[int, ...] = (200,),
    ) -> Reply | None:
        headers = {"Connection": "close", "Accept-Language": "it"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if data is not None:
            body = json.dumps(data)
            headers |= {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": self.csrf,
            }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        start = time.time()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            self.stats.add(kind, start, time.time() - start, type(exc).__name__)
            return None
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value and "expires=thu, 01 jan 1970" not in cookie.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        ok = response.status in expect
        self.stats.add(kind, start, time.time() - start, None if ok else f"HTTP {response.status}")
        return Reply(response.status, response.getheader("Location") or "", text, ok)

    def sign_in(self, username: str, home: str) -> bool:
        page = self.send("sign-in", "GET", "/login")
        token = page and bl.CSRF.search(page.text)
        if not token:
            return False
        form = {"username": username, "password": bl.PASSWORD, "csrf_token": token.group(1)}
        done = self.send("sign-in", "POST", "/login", form=form, expect=(302,))
        if not done or not done.ok or "/login" in done.location:
            return False
        page = self.send("home", "GET", home)
        token = page and page.ok and bl.CSRF.search(page.text)
        if token:
            self.csrf = token.group(1)
        return bool(token)


# ------------------------------------------------------------------------------ agents ---
@dataclass
class Pace:
    draft: tuple[float, float]  # seconds between two autosaves
    talk: tuple[float, float]  # seconds from opening a call to its outcome
    wrap_up: tuple[float, float] = (0.0, 0.0)  # seconds from the hang-up to the outcome
    pauses: float = 0.0  # the share of outcomes followed by a pause
    pause: tuple[float, float] = (0.0, 0.0)  # seconds a pause lasts


SOAK_PACE = Pace(draft=(3.0, 6.0), talk=(60.0, 180.0), wrap_up=(3.0, 12.0), pauses=0.08,
                 pause=(20.0, 75.0))  # fmt: skip
STRESS_PACE = Pace(draft=(0.0, 0.0), talk=(0.0, 0.0))
HEARTBEAT = 30.0  # seconds between two heartbeats of the desk's home (desk_home.js)


class Agent:
    """A simulated agent at the desk until ``stop`` is set (or the deadline passes): the
    call's moments (dial, answered, hang up), the outcome, now and then a pause after it
    (the home's heartbeat while paused, then resume), and a sign-out at the end."""

    def __init__(self, port, stats, username, campaign_id, pace, seed, stop,
                 moments: ds.Moments, reason_id: int | None = None) -> None:  # fmt: skip
        self.browser = Browser(port, stats)
        self.stats, self.username, self.campaign_id = stats, username, campaign_id
        self.pace, self.rng, self.stop = pace, random.Random(seed), stop  # noqa: S311
        self.moments, self.reason_id, self.paused = moments, reason_id, False

    def run(self, deadline: float) -> None:
        if not self.browser.sign_in(self.username, "/desk/"):
            return
        self.moments.saw(self.username, "sign_in")
        entry = None
        while not self.done(deadline):
            if self.paused:
                self.rest(deadline)
                continue
            entry = entry or self.claim()
            if entry is None:
                self.stop.wait(2.0)
                continue
            opened = time.time()
            call = self.open(entry)
            if call is None:
                entry = None  # claim again: the desk gives back a lease still held
                self.stop.wait(1.0)
                continue
            token, fields = call
            held, entry = entry, self.talk(entry, token, fields, deadline)
            with self.stats.lock:  # when this agent held the call, for the 'held by two' check
                self.stats.holds.append((held, self.username, opened, time.time()))
        form = {"csrf_token": self.browser.csrf}
        if self.browser.send("sign-out", "POST", "/logout", form=form, expect=(302,)):
            self.moments.saw(self.username, "sign_out")

    def moment(self, entry: int, name: str) -> None:
        """A call's moment, as desk.js posts it (JSON); counted when the server took it."""
        reply = self.browser.send(name, "POST", f"/desk/calls/{entry}/{name}", data={})
        if reply is not None and reply.ok:
            self.moments.saw(self.username, name.replace("-", "_"))

    def rest(self, deadline: float) -> None:
        """A pause after a call: the home's heartbeat every 30 s, then resume."""
        until = time.time() + self.rng.uniform(*self.pace.pause)
        while time.time() < until and not self.done(deadline):
            self.browser.send("heartbeat", "POST", "/desk/heartbeat", data={})
            self.stop.wait(max(0.0, min(HEARTBEAT, until - time.time())))
        form = {"csrf_token": self.browser.csrf}
        reply = self.browser.send("resume", "POST", "/desk/resume", form=form, expect=(302,))
        if reply is not None and reply.ok:
            self.moments.saw(self.username, "resume")
        self.paused = False

    def done(self, deadline: float) -> bool:
        return self.stop.is_set() or time.time() >= deadline

    def claim(self) -> int | None:
        form = {"csrf_token": self.browser.csrf}
        path = f"/desk/campaigns/{self.campaign_id}/next"
        reply = self.browser.send("claim", "POST", path, form=form, expect=(302,))
        found = reply and reply.ok and CALL_PATH.search(reply.location)
        return int(found.group(1)) if found else None

    def open(self, entry: int) -> tuple[str, dict] | None:
        page = self.browser.send("call page", "GET", f"/desk/calls/{entry}")
        token = page and page.ok and CLIENT_TOKEN.search(page.text)
        if not token:
            return None
        csrf = bl.CSRF.search(page.text)
        self.browser.csrf = csrf.group(1) if csrf else self.browser.csrf
        fields = {k: html.unescape(v) for k, v in TEXT_FIELD.findall(page.text)}
        return token.group(1), fields

    def talk(self, entry: int, token: str, fields: dict, deadline: float) -> int | None:
        """Autosave and keep the lease until the outcome; the next entry, if one came."""
        talk_until = time.time() + self.rng.uniform(*self.pace.talk)
        last_lease = time.time()
        code = self.pick()
        typed = dict(fields, **(ANSWERS if code == "qualified" else {}))
        drafted = False
        self.moment(entry, "dial")  # the phone link clicked
        if code not in ("no_answer", "busy"):
            self.moment(entry, "answer")
        while not drafted or time.time() < talk_until:
            if self.done(deadline):
                return entry  # the call stays in hand at the end of the run
            self.stop.wait(
                max(0.0, min(self.rng.uniform(*self.pace.draft), talk_until - time.time()))
            )
            body = {"fields": typed, "notes": "Sentito il titolare."}
            self.browser.send("draft", "POST", f"/desk/calls/{entry}/draft", data=body)
            drafted = True
            if time.time() - last_lease >= 30.0:
                self.browser.send("lease", "POST", f"/desk/calls/{entry}/lease", data={})
                last_lease = time.time()
        self.moment(entry, "hang-up")  # Alt+F: the wrap-up until the outcome
        self.stop.wait(self.rng.uniform(*self.pace.wrap_up))
        return self.outcome(entry, token, code, typed)

    def pick(self) -> str:
        codes, weights = zip(*OUTCOME_MIX, strict=True)
        return self.rng.choices(codes, weights)[0]

    def outcome(self, entry: int, token: str, code: str, typed: dict) -> int | None:
        """Post the outcome form, retrying with the same token; the next entry offered."""
        form = {
            **typed,
            "csrf_token": self.browser.csrf,
            "client_token": token,
            "outcome": code,
            "notes": "Sentito il titolare.",
        }
        if code == "callback":  # tomorrow: a practice campaign takes any future time
            when = datetime.now(UTC).astimezone(qc.ZoneInfo("Europe/Rome")) + timedelta(days=1)
            form["callback_at"] = when.strftime("%Y-%m-%dT%H:%M")
        pause = self.reason_id is not None and self.rng.random() < self.pace.pauses
        if pause:  # "pause after this call": no next account, home, paused
            form["pause_reason"] = str(self.reason_id)
        error = "no answer"
        for wait in (1, 2, 4, 8, 8, 0):
            reply = self.browser.send(
                "outcome", "POST", f"/desk/calls/{entry}/outcome", form=form, expect=(302,)
            )
            if reply is not None and reply.ok:
                nxt = CALL_PATH.search(reply.location)
                if nxt and int(nxt.group(1)) != entry:
                    self.saved(token, code, entry)
                    return int(nxt.group(1))
                if not nxt:  # back home: saved with an empty queue, or refused (flashed)
                    home = self.browser.send("home", "GET", "/desk/")
                    if home and home.ok and "flash-error" not in home.text:
                        self.saved(token, code, entry)
                        if pause:
                            self.moments.saw(self.username, "pause_after_call")
                            self.paused = True
                        return None
                    error = "refused (flash-error on the desk home)"
                    break
                error = "form refused (back to the same call)"
            elif reply is not None and reply.status < 500:
                error = f"HTTP {reply.status}"
                break  # refused, not failed: a retry would be refused too
            else:
                error = f"HTTP {reply.status}" if reply else "connection"
            time.sleep(wait)  # even after the stop: an outcome in flight is seen through
        with self.stats.lock:
            self.stats.failed[token] = error
        return None

    def saved(self, token: str, code: str, entry: int) -> None:
        with self.stats.lock:
            self.stats.saved[token] = (code, entry, self.username)


def supervisor(port: int, stats: Stats, username: str, deadline: float, stop) -> None:
    """A board and the floor left open: their data every 5 s, as static/js/board.js polls
    it (floor.js polls every 3 s)."""
    browser = Browser(port, stats)
    if not browser.sign_in(username, "/board/"):
        return
    while not stop.is_set() and time.time() < deadline:
        tick = time.time()
        browser.send("board data", "GET", "/board/data.json")
        browser.send("floor data", "GET", "/floor/data.json")  # the live floor, open too
        stop.wait(max(0.0, tick + bl.REFRESH - time.time()))


# ---------------------------------------------------------------------------- services ---
class Services:
    """Private PostgreSQL and Redis in one temp dir, started as scripts/test starts them,
    and the RQ worker; all stopped and removed by ``close``."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="qualifica-soak-", dir="/tmp"))
        self.pgbin: Path | None = None
        self.redis_port = 0
        self.workers: list[subprocess.Popen] = []

    def as_pg(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(  # noqa: S603 - initdb and pg_ctl, fixed arguments
            [*prefix, *command],
            cwd=self.dir,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def start_postgres(self) -> str:
        initdb = (
            shutil.which("initdb") or sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1]
        )
        self.pgbin = Path(initdb).resolve().parent
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        data, port = self.dir / "pgdata", bl.free_port()
        self.as_pg(
            str(self.pgbin / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "qualifica",
            "--encoding=UTF8",
            "--no-locale",
        )
        # Durability off, as the test cluster: a throwaway database (see the notes).
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {self.dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self.as_pg(
            str(self.pgbin / "pg_ctl"),
            "start",
            "-s",
            "-w",
            "-t",
            "60",
            "-D",
            str(data),
            "-l",
            str(self.dir / "postgres.log"),
            "-o",
            options,
        )
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={port} user=qualifica dbname=postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE soak")
        return f"postgresql+psycopg://qualifica@127.0.0.1:{port}/soak"

    def start_redis(self) -> str:
        self.redis_port = self.redis_port or bl.free_port()
        fixed = ["--bind", "127.0.0.1", "--appendonly", "no", "--daemonize", "yes"]
        files = ["--pidfile", str(self.dir / "redis.pid"), "--dir", str(self.dir)]
        files += ["--logfile", str(self.dir / "redis.log")]
        command = ["redis-server", "--port", str(self.redis_port), "--save", "", *fixed, *files]
        subprocess.run(command, check=True)  # noqa: S603 - our own redis-server
        url = f"redis://127.0.0.1:{self.redis_port}/0"
        for _ in range(100):
            try:
                Redis.from_url(url).ping()
                return url
            except OSError:
                time.sleep(0.1)
            except Exception:  # redis' own ConnectionError while it starts
                time.sleep(0.1)
        raise SystemExit("the private redis-server did not answer PING")

    def stop_redis(self) -> None:
        pidfile = self.dir / "redis.pid"
        if not pidfile.exists():
            return
        pid = int(pidfile.read_text())
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def start_worker(self, env: dict[str, str]) -> None:
        self.workers += de.start_workers(1, env, self.dir)

    def close(self) -> None:
        de.stop_workers(self.workers)
        self.stop_redis()
        if self.pgbin and (self.dir / "pgdata" / "postmaster.pid").exists():
            self.as_pg(
                str(self.pgbin / "pg_ctl"),
                "stop",
                "-s",
                "-w",
                "-m",
                "immediate",
                "-D",
                str(self.dir / "pgdata"),
            )
        shutil.rmtree(self.dir, ignore_errors=True)


# -------------------------------------------------------------------------------- seed ---
def seed(url: str, accounts: int, agents: int) -> qc.Fixture:
    """Migrate; the agents (who can sign in), a supervisor, and a practice campaign of
    queued practice accounts with a phone each and the shipped call script: served at any
    hour of any day, whenever the run starts."""
    import flask_migrate

    from app import create_app
    from app.demo.services import DEMO_SCRIPT
    from app.extensions import db
    from app.scripting.services import load_script
    from app.security import Role
    from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
    from app.territory.services import load_municipalities
    from app.users.models import User
    from app.users.services import hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    os.chdir(ROOT)
    with app.app_context():
        flask_migrate.upgrade()
        fixture = qc.fill_queue(db.engine, accounts, agents)
        # The municipality reference, which the import job run in the chaos needs.
        load_municipalities(db.session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
        script_id = load_script(db.session, DEMO_SCRIPT).id
        db.session.commit()
        params = {
            "c": fixture.campaign_id,
            "p": f"B{fixture.tag}%",
            "u": f"bench-{fixture.tag}-%",
            "h": hash_password(bl.PASSWORD),
            "s": script_id,
        }
        with db.engine.begin() as conn:
            # The fixture's VAT numbers are placeholders that fail the script's check.
            conn.execute(
                sa.text("UPDATE accounts SET vat_number = NULL, practice = true WHERE key LIKE :p"),
                params,
            )
            conn.execute(
                sa.text(
                    "INSERT INTO account_phones (account_id, position, raw, e164, kind) "
                    "SELECT id, 0, '051 ' || (1000000 + id), '+39051' || (1000000 + id), 'fixed' "
                    "FROM accounts WHERE key LIKE :p"
                ),
                params,
            )
            conn.execute(
                sa.text("UPDATE users SET password_hash = :h WHERE username LIKE :u"), params
            )
            conn.execute(
                sa.text("UPDATE campaigns SET call_script_id = :s, practice = true WHERE id = :c"),
                params,
            )
            conn.execute(
                sa.insert(User).values(
                    username=f"bench-{fixture.tag}-sup",
                    full_name="Supervisore",
                    role=Role.SUPERVISOR,
                    password_hash=params["h"],
                )
            )
            conn.exec_driver_sql("ANALYZE")
    return fixture


# ---------------------------------------------------------------------- an import job ---
def start_import(app, rows: int, seed_value: int) -> str:
    """An import of ``rows`` generated companies, started as the import page starts one
    (stored file, suggested mapping, RQ job): work for the RQ worker we kill."""
    import csv

    from app.demo.generator import bundled_places, generate_rows
    from app.extensions import db
    from app.imports import services as imports
    from app.imports.models import SourceKind

    path = Path(tempfile.mkdtemp(prefix="qualifica-soak-import-")) / f"soak-{seed_value}.csv"
    generated = generate_rows(random.Random(seed_value), bundled_places(), rows)  # noqa: S311
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(generated[0].as_source()), delimiter=";")
        writer.writeheader()
        writer.writerows(row.as_source() for row in generated)
    try:
        with app.app_context():
            batch = imports.receive_file(
                db.session, path, path.name, SourceKind.CUSTOMER_BASE, user_id=None
            )
            # The columns the suggestion leaves out, chosen as a person does on the page.
            chosen = {"RAGIONE_SOCIALE": "company_name", "PARTITA_IVA": "vat_number"}
            mapping = imports.suggested_mapping(db.session, batch) | chosen
            run = imports.start_import(db.session, batch.id, mapping, user_id=None)
            db.session.commit()
            return run.id
    finally:  # receive_file kept its own copy
        shutil.rmtree(path.parent, ignore_errors=True)


def job_states(app, run_ids: list[str]) -> list[str]:
    """Each job's state as its page shows it (a dead job shows failed)."""
    from app.extensions import db
    from app.jobs.models import JobRun
    from app.jobs.runner import state_of

    states = []
    with app.app_context():
        for run_id in run_ids:
            run = state_of(db.session.get_one(JobRun, run_id))
            db.session.rollback()  # read fresh rows at the next poll
            states.append(run.status.value + (f" ({run.message})" if run.message else ""))
    return states


def settle_jobs(app, chaos: Chaos, wait: float = 180.0) -> list[str]:
    """The import jobs' states once the one started after the restart has ended (or
    ``wait`` seconds): the killed one's state says what its page shows."""
    from app.jobs.models import JobStatus

    active = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)
    until = time.time() + wait
    while True:
        states = job_states(app, [run_id for _, run_id in chaos.jobs])
        if not states or not states[-1].startswith(active) or time.time() > until:
            break
        time.sleep(5)
    return [
        f"import job {when}: {state}" for (when, _), state in zip(chaos.jobs, states, strict=True)
    ]


# ------------------------------------------------------------------------------- chaos ---
@dataclass
class Chaos:
    events: list[tuple[float, str]] = field(default_factory=list)
    jobs: list[tuple[str, str]] = field(default_factory=list)  # (when, run id)
    notes: list[str] = field(default_factory=list)


def run_chaos(ctx: dict, start: float, seconds: float, stop: threading.Event, out: Chaos) -> None:
    """SIGKILL a gunicorn worker at 1/3, restart Redis at 1/2, SIGKILL the RQ worker 30 s
    later (an import job on it) and start a new one, then give the new one a job."""
    services, server, env, app = ctx["services"], ctx["server"], ctx["env"], ctx["app"]

    def at(fraction: float, extra: float = 0.0) -> bool:
        return not stop.wait(max(0.0, start + seconds * fraction + extra - time.time()))

    if at(1 / 3):
        victim = de.children(server.pid)[0]
        os.kill(victim, signal.SIGKILL)
        out.events.append((time.time(), f"gunicorn worker {victim} SIGKILLed"))
    if at(1 / 2) and services.redis_port:
        out.events.append((time.time(), "Redis stopped (5 s), then started again"))
        services.stop_redis()
        time.sleep(5)
        services.start_redis()
    if at(1 / 2, 20.0):
        try:
            out.jobs.append(("before the RQ worker kill", start_import(app, 10_000, 1)))
        except Exception as exc:  # reported, the run goes on
            out.notes.append(f"import job not started: {type(exc).__name__}: {exc}")
    if at(1 / 2, 30.0):
        worker = services.workers[-1]
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        out.events.append((time.time(), "RQ worker SIGKILLed, a new one started"))
        services.start_worker(env)
    if at(1 / 2, 45.0):
        try:
            out.jobs.append(("after the new RQ worker started", start_import(app, 3000, 2)))
        except Exception as exc:
            out.notes.append(f"import job not started: {type(exc).__name__}: {exc}")
    alive = len(de.children(server.pid))
    out.notes.append(f"gunicorn workers alive after the chaos: {alive} of {ctx['workers']}")


# ----------------------------------------------------------------------------- recount ---
def recount(engine: sa.Engine, fixture: qc.Fixture, stats: Stats) -> list[str]:
    """The database against what the clients saw: lines for the report."""
    params = {"c": fixture.campaign_id}
    with engine.connect() as conn:
        recorded = {
            t: (n, code)
            for t, n, code in conn.execute(
                sa.text(
                    "SELECT client_token, count(*), min(outcome) FROM call_attempts "
                    "WHERE campaign_id = :c GROUP BY client_token"
                ),
                params,
            )
        }
        two_leases = conn.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT lease_holder_id FROM queue_entries WHERE "
                "campaign_id = :c AND state = 'leased' GROUP BY 1 HAVING count(*) > 1) x"
            ),
            params,
        ).scalar_one()
        waiting_final = conn.execute(
            sa.text(
                "SELECT count(*) FROM queue_entries q JOIN accounts a ON a.id = q.account_id "
                "WHERE q.campaign_id = :c AND q.state <> 'done' AND a.status IN "
                "('qualified', 'not_interested', 'unreachable', 'invalid', 'do_not_call')"
            ),
            params,
        ).scalar_one()
        final_twice = conn.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT account_id FROM call_attempts WHERE campaign_id = :c "
                "AND outcome IN ('qualified', 'not_interested', 'wrong_number', 'company_closed') "
                "GROUP BY 1 HAVING count(*) > 1) x"
            ),
            params,
        ).scalar_one()
    saved, failed = stats.saved, stats.failed
    lost = [t for t in saved if t not in recorded]
    twice = [t for t, (n, _) in recorded.items() if n > 1]
    wrong = [t for t, (code, *_) in saved.items() if t in recorded and recorded[t][1] != code]
    unseen = [t for t in recorded if t not in saved and t not in failed]
    failed_kept = [t for t in failed if t in recorded]
    by_entry = defaultdict(list)
    for entry, agent, begin, end in stats.holds:
        by_entry[entry].append((begin, end, agent))
    overlaps = sum(
        1
        for spans in by_entry.values()
        for a, b in zip(sorted(spans), sorted(spans)[1:], strict=False)
        if b[2] != a[2] and b[0] < a[1]
    )
    ok = not (
        lost or twice or wrong or unseen or two_leases or waiting_final or final_twice or overlaps
    )
    reasons = Counter(failed.values())
    return [
        f"- recount ({'consistent' if ok else 'INCONSISTENT'}): {len(saved):,} outcomes seen "
        f"saved by the clients, {len(recorded):,} calls in call_attempts; seen saved but "
        f"missing: {len(lost)}; recorded twice (one client_token): {len(twice)}; recorded "
        f"with another outcome: {len(wrong)}; recorded but never sent: {len(unseen)}",
        f"- outcomes that failed every retry: {len(failed)} ({dict(reasons) or 'none'}); of "
        f"them recorded all the same (the answer was lost, not the call): {len(failed_kept)}",
        f"- queue: agents holding two entries {two_leases}; entries held by two agents at "
        f"once (clients' timelines) {overlaps}; accounts final but still queued "
        f"{waiting_final}; accounts with two final calls {final_twice}",
    ]


# --------------------------------------------------------------------------------- run ---
def launch(agents: list[Agent], deadline: float, spread: float) -> list[threading.Thread]:
    """Start the agents' threads, their sign-ins spread over ``spread`` seconds."""
    threads = []
    for n, agent in enumerate(agents):
        thread = threading.Thread(target=agent.run, args=(deadline,), daemon=True)
        thread.start()
        threads.append(thread)
        time.sleep(spread / max(1, len(agents)) if n < len(agents) - 1 else 0)
    return threads


@dataclass
class CpuShare:
    """CPU seconds so far: the gunicorn tree, the PostgreSQL tree, this load generator, and
    the whole machine's busy and total ticks (/proc/stat), to say who used the cores."""

    gunicorn: float
    postgres: float
    generator: float
    busy: float
    total: float

    @classmethod
    def now(cls, ctx: dict) -> CpuShare:
        postmaster = proc_cpu.pid_from_file(ctx["services"].dir / "pgdata" / "postmaster.pid")
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle, iowait
        return cls(proc_cpu.tree_seconds(ctx["server"].pid),
                   proc_cpu.tree_seconds(postmaster) if postmaster else 0.0,
                   proc_cpu.own_seconds(), (sum(fields) - idle) / proc_cpu.TICK,
                   sum(fields) / proc_cpu.TICK)  # fmt: skip

    def line(self, before: CpuShare, seconds: float) -> str:
        def rate(name: str) -> float:
            return (getattr(self, name) - getattr(before, name)) / seconds

        cores = rate("total")
        return (
            f"- CPU over the run, in cores busy (this machine has {cores:.0f}): gunicorn "
            f"{rate('gunicorn'):.2f}, PostgreSQL {rate('postgres'):.2f}, load generator "
            f"{rate('generator'):.2f}; the whole machine {rate('busy'):.2f} "
            f"({rate('busy') / cores:.0%} busy)"
        )


def run_soak(args, ctx: dict, stats: Stats, chaos: Chaos) -> float:
    """Paced agents and a few open boards for ``--minutes``, with the chaos; seconds run."""
    fixture, stop = ctx["fixture"], threading.Event()
    seconds = args.minutes * 60
    start = time.time()
    deadline = start + seconds
    sup = f"bench-{fixture.tag}-sup"
    boards = [
        threading.Thread(
            target=supervisor, daemon=True, args=(ctx["port"], stats, sup, deadline, stop)
        )
        for _ in range(args.boards)
    ]
    for thread in boards:
        thread.start()
    pace = Pace(SOAK_PACE.draft, tuple(args.talk), SOAK_PACE.wrap_up, args.pauses,
                SOAK_PACE.pause)  # fmt: skip
    agents = [
        Agent(
            ctx["port"],
            stats,
            f"bench-{fixture.tag}-{n}",
            fixture.campaign_id,
            pace,
            n,
            stop,
            ctx["moments"],
            ctx["reason_id"],
        )
        for n in range(args.agents)
    ]
    chaos_thread = threading.Thread(target=run_chaos, args=(ctx, start, seconds, stop, chaos))
    if not args.no_chaos:
        chaos_thread.start()
    cpu_before, cpu_start = CpuShare.now(ctx), time.time()
    spread = args.sign_in_over if args.sign_in_over is not None else min(60.0, seconds / 10)
    threads = launch(agents, deadline, spread)
    for thread in threads + boards:
        thread.join(timeout=max(0.0, deadline + 120 - time.time()))
    stop.set()
    ctx["cpu"] = CpuShare.now(ctx).line(cpu_before, time.time() - cpu_start)
    if chaos_thread.is_alive() or not args.no_chaos:
        chaos_thread.join()
    return time.time() - start


def run_stress(args, ctx: dict, stats: Stats) -> tuple[float, list[list[str]], str]:
    """No pauses; more agents each step until the goal breaks: the rows and the ceiling."""
    fixture, stop = ctx["fixture"], threading.Event()
    start, rows, ceiling, threads = time.time(), [], "", []
    far = start + 3600
    for step, count in enumerate(args.steps):
        begin = time.time()
        new = [
            Agent(
                ctx["port"],
                stats,
                f"bench-{fixture.tag}-{n}",
                fixture.campaign_id,
                STRESS_PACE,
                n,
                stop,
                ctx["moments"],
            )
            for n in range(len(threads), count)
        ]
        threads += launch(new, far, 5.0)
        time.sleep(max(0.0, begin + args.step_seconds - time.time()))
        # The first 10 s of a step are its newcomers signing in: left out of its figures.
        window = stats.select(begin + 10.0, time.time(), DESK_KINDS)
        n, errors, p50, p95, p99 = summarise(window)
        span = time.time() - begin - 10.0
        outcomes = sum(1 for s in window if s[1] == "outcome" and s[3] is None)
        rate = errors / n if n else 1.0
        rows.append(
            [
                str(count),
                f"{n:,}",
                f"{n / span:.1f}",
                f"{outcomes / span * 60:.0f}",
                f"{errors} ({rate:.1%})",
                f"{p50:.0f}",
                f"{p95:.0f}",
                f"{p99:.0f}",
            ]
        )
        print("  step", *rows[-1], flush=True)
        if p95 > 1000 or rate > 0.01:
            prev = rows[-2] if step else None
            ceiling = f"goal broken at {count} agents; " + (
                f"ceiling {prev[0]} agents: {prev[2]} desk requests/s, {prev[3]} outcomes/min"
                if prev
                else "the ceiling is below the first step"
            )
            break
    else:
        last = rows[-1]
        ceiling = f"goal held at every step, up to {last[0]} agents: {last[2]} desk requests/s, "
        ceiling += f"{last[3]} outcomes/min (the ceiling is higher)"
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return time.time() - start, rows, ceiling


def kind_rows(samples: list) -> list[list[str]]:
    kinds = sorted({s[1] for s in samples}, key=lambda k: (k not in DESK_KINDS, k))
    rows = []
    for kind in [*kinds, "all"]:
        chosen = samples if kind == "all" else [s for s in samples if s[1] == kind]
        n, errors, p50, p95, p99 = summarise(chosen)
        rows.append(
            [
                kind,
                f"{n:,}",
                f"{errors} ({errors / max(1, n):.2%})",
                f"{p50:.0f}",
                f"{p95:.0f}",
                f"{p99:.0f}",
            ]
        )
    return rows


def chaos_lines(stats: Stats, chaos: Chaos, origin: float) -> list[str]:
    lines = []
    for when, label in chaos.events:
        window = [s for s in stats.samples if when <= s[0] + s[2] and s[0] < when + CHAOS_WINDOW]
        n, errors, _, p95, _ = summarise(window)
        kinds = Counter(f"{s[1]}: {s[3]}" for s in window if s[3])
        lines.append(
            f"- at {when - origin:.0f} s, {label}: {n:,} requests in flight or started in "
            f"the next {CHAOS_WINDOW:.0f} s, "
            f"{errors} errors ({dict(kinds) or 'none'}), p95 {p95:.0f} ms"
        )
    return lines


MINUTE_KINDS = {"draft, lease, check": ("draft", "lease", "check"),
                "call page, outcome": ("call page", "outcome")}  # fmt: skip


def minute_rows(stats: Stats) -> list[list[str]]:
    """Minute by minute from the first request: what arrived, the sign-in requests among it
    (the page, then the form: each form an argon2 hash, ~0.2 s of CPU), and the p95 of the
    desk's kinds: what the run's overall
    percentiles hide (a backlog at the start, a chaos event)."""
    if not stats.samples:
        return []
    origin = min(s[0] for s in stats.samples)
    last = max(s[0] for s in stats.samples)
    rows = []
    for minute in range(int((last - origin) // 60) + 1):
        window = stats.select(origin + minute * 60, origin + (minute + 1) * 60)
        signins = sum(1 for s in window if s[1] == "sign-in")
        p95s = [summarise([s for s in window if s[1] in kinds])[3]
                for kinds in MINUTE_KINDS.values()]  # fmt: skip
        rows.append([str(minute + 1), f"{len(window) / 60:.1f}", str(signins),
                     *(f"{p:.0f}" if p == p else "-" for p in p95s)])  # fmt: skip
    return rows


def report(args, ctx, stats: Stats, seconds: float, extra: list[str], table_rows) -> None:
    header = ["request", "count", "errors", "p50 ms", "p95 ms", "p99 ms"]
    rows = kind_rows(stats.samples)
    errors = Counter(f"{s[1]}: {s[3]}" for s in stats.samples if s[3])
    outcomes = len(stats.saved)
    lines = [
        f"- {len(stats.samples):,} requests in {seconds:.0f} s "
        f"({len(stats.samples) / seconds:.1f}/s); {outcomes:,} outcomes saved "
        f"({outcomes / seconds * 60:.0f}/min); errors by kind: {dict(errors) or 'none'}",
        *extra,
    ]
    tables = [(header, rows)]
    if args.mode == "soak":
        head = ["minute", "req/s", "sign-in requests", *(f"p95 ms: {k}" for k in MINUTE_KINDS)]
        tables.append((head, minute_rows(stats)))
    if table_rows:
        tables.insert(
            0,
            (
                [
                    "agents",
                    "desk requests",
                    "req/s",
                    "outcomes/min",
                    "errors",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                ],
                table_rows,
            ),
        )
    for head, body in tables:
        print(qc.plain_table(head, body))
    print("\n".join(lines))
    if args.no_append:
        return
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(["scripts/bench/desk_soak.py", *sys.argv[1:]])
    with qc.BENCHMARKS_MD.open("a") as handle:
        handle.write(
            f"\n## Desk soak and stress (gunicorn, PostgreSQL, Redis), {stamp}: {args.mode}\n\n"
            "How to run: `.venv/bin/python scripts/bench/desk_soak.py --mode soak --agents 200"
            " --minutes 10` (paced agents signing in over `--sign-in-over` seconds, chaos at"
            " 1/3 and 1/2 of the run) or `--mode stress`"
            " (no pauses, agents added by `--steps` until p95 > 1 s or errors > 1 %). It "
            "starts its own PostgreSQL, Redis, gunicorn and RQ worker on loopback and removes "
            "them after; `--help` lists the settings. Each agent is a thread of the load "
            "generator with its own cookie session doing what the desk page and "
            "`static/js/desk.js` send (claim, call page, JSON drafts, lease, outcome form "
            "with its client_token, retried with the same token); latencies are of single "
            "requests, redirects followed as separate requests.\n\n"
            f"`{command}`: {ctx['settings']}.\n\nMachine: {ctx['machine']}.\n\n"
            + "\n\n".join(qc.markdown_table(h, b) for h, b in tables)
            + "\n\n"
            + "\n".join(lines)
            + "\n"
        )
    print("appended to docs/benchmarks.md")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--mode", choices=("soak", "stress"), default="soak")
    parser.add_argument("--agents", type=int, default=200, help="soak: simulated agents")
    parser.add_argument("--minutes", type=float, default=10.0, help="soak: length of the run")
    parser.add_argument(
        "--talk",
        type=float,
        nargs=2,
        default=[60.0, 180.0],
        help="soak: seconds from opening a call to its outcome (min max)",
    )
    parser.add_argument("--boards", type=int, default=4, help="soak: open supervisor boards")
    parser.add_argument(
        "--sign-in-over",
        type=float,
        help="soak: seconds over which the agents sign in (default: a tenth of the run, at "
        "most 60; a shift's agents arrive over several minutes)",
    )
    parser.add_argument(
        "--pauses",
        type=float,
        default=SOAK_PACE.pauses,
        help="soak: the share of outcomes followed by a pause (20-75 s, then resume)",
    )
    parser.add_argument(
        "--steps",
        type=int,
        nargs="+",
        default=[10, 20, 40, 80, 160],
        help="stress: agents at each step",
    )
    parser.add_argument("--step-seconds", type=float, default=60.0)
    parser.add_argument("--accounts", type=int, default=20_000)
    cores = os.cpu_count() or 1
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (default: own)")
    parser.add_argument("--redis-url", help="a Redis (default: own; then no Redis restart)")
    parser.add_argument("--no-chaos", action="store_true", help="soak without the chaos")
    parser.add_argument("--no-append", action="store_true", help="do not write the docs")
    args = parser.parse_args(argv)
    if args.mode == "stress":
        args.agents, args.boards, args.no_chaos = max(args.steps), 0, True
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()
    services, server, stats, chaos = Services(), None, Stats(), Chaos()
    try:
        url = normalise_database_url(args.database_url) if args.database_url else None
        url = url or services.start_postgres()
        redis_url = args.redis_url or services.start_redis()
        print(f"seeding {args.agents} agents and {args.accounts:,} accounts ...", flush=True)
        fixture = seed(url, args.accounts, args.agents)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "soak-" + os.urandom(8).hex(),
        }
        services.start_worker(env)
        port = bl.free_port()
        server = bl.start_server(url, redis_url, port, args.workers, args.threads)
        from app import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url})
        engine = sa.create_engine(url)
        redis_version = Redis.from_url(redis_url).info("server")["redis_version"]
        ctx = {
            "services": services,
            "server": server,
            "env": env,
            "app": app,
            "port": port,
            "fixture": fixture,
            "workers": args.workers,
            "machine": f"{qc.machine(engine)}; Redis {redis_version}",
            "moments": ds.Moments(),
            "reason_id": ds.break_reason(engine),
        }
        ctx["settings"] = (
            f"gunicorn {args.workers} workers x {args.threads} threads (gthread: 2 x cores + 1 "
            f"workers, a few threads each so a request waiting on a row lock does not hold a "
            f"whole worker), one RQ worker, {args.accounts:,} queued accounts; PostgreSQL "
            f"{'given' if args.database_url else 'private, fsync and synchronous_commit off'}"
        )
        print(f"{args.mode}: gunicorn on 127.0.0.1:{port} ...", flush=True)
        rows = None
        if args.mode == "soak":
            origin = time.time()
            seconds = run_soak(args, ctx, stats, chaos)
            extra = [ctx["cpu"], *chaos_lines(stats, chaos, origin)]
            chaos.notes += settle_jobs(app, chaos)
            extra += [f"- {note}" for note in chaos.notes]
        else:
            seconds, rows, ceiling = run_stress(args, ctx, stats)
            extra = [f"- stress: {ceiling} (goal: desk p95 <= 1 s and errors <= 1 %)"]
        extra += recount(engine, fixture, stats)
        extra += ds.state_recount(engine, f"bench-{fixture.tag}-", ctx["moments"],
                                  datetime.now(UTC))  # fmt: skip
    finally:
        bl.stop_server(server)
        services.close()
        instance = os.environ.get("QUALIFICA_INSTANCE_PATH", "")
        if Path(instance).name.startswith("qualifica-bench-"):  # queue_claim's throwaway
            shutil.rmtree(instance, ignore_errors=True)  # secret key and imported files
    load_after = os.getloadavg()
    extra.append(
        f"- load average (1, 5, 15 min) before {load_before[0]:.2f} {load_before[1]:.2f}"
        f" {load_before[2]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f} "
        f"{load_after[2]:.2f}; the load generator shares the cores with the servers"
    )
    report(args, ctx, stats, seconds, extra, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
