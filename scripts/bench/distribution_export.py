"""Benchmark a wave's export: the files of every salesperson, written by two RQ workers.

The product's goal (12,000 qualified accounts for 120 salespeople, two RQ workers on one
machine): XLSX + CSV + CRM load files + ZIPs for all 120 in under 60 s; one
salesperson's 100-page PDF in under 5 s; all 120 PDFs in under 5 minutes; and the peak
memory of each worker.

On a scratch PostgreSQL database it inserts, in bulk and under a run tag, 12 zones with a
dealer each, ``--salespeople`` salespeople (120) shared among the dealers, a territory
rule per dealer for its own province, one campaign, one agent, and ``--accounts``
qualified accounts (12,000) with what a qualifying call captures (address, VAT number,
phones, fleet lines, contacts, an opportunity over 3/6/12 months, the final call with its
notes). It builds and confirms a wave through ``create_wave`` and ``confirm_wave``, starts
``--workers`` RQ workers (2: ``flask jobs worker``) on a queue of the run's own, and
measures, each from the commit of ``start_export`` to the run being done:

  (a) the export without PDFs (XLSX, CSV, CRM files, ZIPs), for each ``--parts`` setting;
  (b) one salesperson's PDF rendered in this process (``load_packs`` + ``render_pdf``),
      median of 3 after a warm-up, with its pages per second;
  (c) the full export with the PDFs, for each ``--parts`` setting;
  (d) while (a) and (c) run, the peak memory of each worker: the worker process, sampled
      every 0.2 s, and the work horses RQ forks for each job (their VmHWM).

Every export is checked: run done, manifest totals, every account of the wave exactly
once across the salespeople, the all-in-one ZIP complete. It prints a table and appends a
dated section, with the machine, to docs/benchmarks.md unless ``--no-append``. The
workers are stopped, the fixture deleted, the run's Redis keys and files removed, even on
error. The database must hold no other qualified account waiting for a wave (a wave deals
all of them) and no rule for the fixture's provinces: use a database of its own.

    createdb -h 127.0.0.1 -p 55440 -U qualifica qdist
    .venv/bin/python scripts/bench/distribution_export.py \\
        --database-url postgresql://qualifica@127.0.0.1:55440/qdist \\
        --redis-url redis://127.0.0.1:6390/0 --parts 4 8
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import flask_migrate
import queue_claim as qc  # also keeps the generated secret key out of the tree
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue, Worker
from sqlalchemy.orm import Session

from app import create_app
from app.accounts.models import (
    Account,
    AccountPhone,
    Contact,
    FleetLine,
    Horizon,
    Opportunity,
    PhoneKind,
    TonnageClass,
)
from app.accounts.status import AccountStatus
from app.campaigns.models import Campaign, CampaignStatus
from app.desk.models import CallAttempt
from app.distribution.exporting import start_export
from app.distribution.loading import load_packs, salespeople_of
from app.distribution.models import ExportRun, ExportStatus, Wave, WaveAccount
from app.distribution.services import confirm_wave, create_wave
from app.distribution.writers.pdf import render_pdf
from app.extensions import db
from app.jobs.models import JobRun, JobStatus
from app.security import Role
from app.territory.models import Dealer, Salesperson, TerritoryRule, Zone
from app.users.models import User
from app.users.services import hash_password
from config import normalise_database_url

ROOT = qc.ROOT
GOALS = {"files": 60.0, "pdf": 5.0, "pdfs": 300.0}  # seconds
POLL = 0.2  # seconds between two looks at the run, and between two memory samples
MIB = 1024 * 1024

# Province, chief town, postcode, ISTAT code, telephone prefix.
PLACES = (
    ("MI", "Milano", "20121", "015146", "02"),
    ("TO", "Torino", "10121", "001272", "011"),
    ("BO", "Bologna", "40121", "037006", "051"),
    ("VR", "Verona", "37121", "023091", "045"),
    ("BS", "Brescia", "25121", "017029", "030"),
    ("BG", "Bergamo", "24121", "016024", "035"),
    ("PD", "Padova", "35121", "028060", "049"),
    ("VI", "Vicenza", "36100", "024116", "0444"),
    ("TV", "Treviso", "31100", "026086", "0422"),
    ("MO", "Modena", "41121", "036023", "059"),
    ("RE", "Reggio nell'Emilia", "42121", "035033", "0522"),
    ("PR", "Parma", "43121", "034027", "0521"),
)
SURNAMES = ("Rossi", "Bianchi", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino",
            "Greco", "Bruno", "Gallo", "Conti", "Russo", "Mancini", "Costa", "Giordano",
            "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro")  # fmt: skip
NAMES = ("Marco", "Giulia", "Luca", "Francesca", "Andrea", "Chiara", "Paolo", "Elena", "Matteo",
         "Sara", "Davide", "Laura", "Stefano", "Valentina", "Roberto", "Anna")  # fmt: skip
COMPANY = ("Autotrasporti {s}", "{s} Logistica", "Trasporti {s} & {t}", "{s} Spedizioni",
           "Fratelli {s}", "Movimento Terra {s}", "{s} Distribuzione Alimentare")  # fmt: skip
LEGAL = ("SRL", "SRL", "SPA", "SNC", "SAS")
STREETS = ("Via Roma", "Via Giuseppe Garibaldi", "Viale dell'Industria", "Via dell'Artigianato",
           "Via Emilia Ponente", "Via dei Trasportatori", "Strada Provinciale 12")  # fmt: skip
BRANDS = ("Iveco", "Mercedes-Benz", "Volvo", "Scania", "DAF", "MAN", "Renault Trucks")
KINDS = ("Trattore stradale 4x2", "Autocarro 18 t con cassone", "Autotelaio 26 t 6x2",
         "Furgone 3,5 t", "Trattore stradale 6x2 per cisterne")  # fmt: skip
CALL_NOTES = (
    "Parlato con il responsabile acquisti: la flotta ha in media otto anni e due mezzi "
    "superano il milione di chilometri.",
    "Interessati a un'offerta di noleggio a lungo termine con manutenzione inclusa; "
    "preferiscono essere richiamati al mattino.",
    "Hanno appena perso una commessa in regione, valutano di sostituire i mezzi Euro 5 "
    "entro l'anno per le zone a basse emissioni.",
    "Il titolare chiede una prova su strada e un confronto dei consumi con l'attuale "
    "fornitore; decide il consiglio di fine trimestre.",
)
HORIZONS = (Horizon.M3, Horizon.M6, Horizon.M12)


@dataclass(frozen=True)
class Fixture:
    tag: str
    campaign_id: int
    agent_id: int
    salesperson_ids: list[int]
    per_salesperson: int


@dataclass
class Memory:
    """Peaks of one worker during one export, in bytes."""

    parent: int = 0  # the worker process, sampled
    horse: int = 0  # the largest work horse (its VmHWM)
    together: int = 0  # the worker and its horse at the same sample
    horses: set[int] = field(default_factory=set)


@dataclass
class Export:
    """One measured export."""

    parts: int
    pdf: bool
    seconds: float = 0.0
    part_seconds: list[float] = field(default_factory=list)
    parts_done_at: float = 0.0  # commit -> last part finished
    assembly: float = 0.0
    zip_bytes: int = 0
    folder_bytes: int = 0
    problems: list[str] = field(default_factory=list)
    memory: list[Memory] = field(default_factory=list)
    others: float = 0.0  # share of the machine's CPU other processes used meanwhile
    salespeople: int = 0


def vat_number(n: int) -> str:
    """An 11-digit Italian VAT number with a valid check digit (serial, office, check)."""
    body = f"{n % 10_000_000:07d}{(n // 10_000_000) % 100 + 1:03d}"
    total = 0
    for i, digit in enumerate(map(int, body)):
        if i % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return body + str((10 - total % 10) % 10)


def mobile(rng: random.Random) -> tuple[str, str]:
    number = f"3{rng.randint(20, 99)}{rng.randint(1_000_000, 9_999_999)}"
    return f"{number[:3]} {number[3:]}", f"+39{number}"


def fake_account(rng: random.Random, tag: str, index: int, place: tuple, now: datetime) -> dict:
    """One qualified account's row and what its qualifying call captured (no ids yet)."""
    province, town, postcode, istat, prefix = place
    surname, other = rng.sample(SURNAMES, 2)
    vat = vat_number(index * 7919 + int(tag, 16) % 9_999)
    account = dict(
        key=f"D{tag}{index:06d}", company_name=rng.choice(COMPANY).format(s=surname, t=other),
        legal_form=rng.choice(LEGAL), street=rng.choice(STREETS),
        house_number=str(rng.randint(1, 240)), postcode=postcode, municipality=town,
        province=province, istat_code=istat, vat_number=vat, tax_code=vat,
        email=f"info@{surname.lower().replace(' ', '')}{index}.example.it",
        tonnage_class=rng.choice((TonnageClass.HEAVY, TonnageClass.EXTRA_HEAVY)),
        status=AccountStatus.QUALIFIED,
        notes="Cliente storico della concessionaria." if rng.random() < 0.2 else None,
    )  # fmt: skip
    fixed = str(rng.randint(100_000, 9_999_999))
    phones = [dict(position=0, raw=f"{prefix} {fixed}", e164=f"+39{prefix}{fixed}",
                   kind=PhoneKind.FIXED)]  # fmt: skip
    if rng.random() < 0.5:
        raw, e164 = mobile(rng)
        phones.append(dict(position=1, raw=raw, e164=e164, kind=PhoneKind.MOBILE))
    fleet = [dict(brand=brand, vehicle_count=rng.randint(1, 25),
                  tonnage_class=rng.choice(list(TonnageClass)))
             for brand in rng.sample(BRANDS, rng.randint(2, 3))]  # fmt: skip
    contacts = []
    for title, manager in (("Responsabile acquisti", True), ("Responsabile flotta", False)):
        if manager or rng.random() < 0.35:
            first, last = rng.choice(NAMES), rng.choice(SURNAMES)
            email = f"{first}.{last}@example.it".lower().replace(" ", "")
            contacts.append(dict(full_name=f"{first} {last}", job_title=title,
                                 phone=mobile(rng)[1], email=email,
                                 is_purchasing_manager=manager))  # fmt: skip
    horizon = rng.choices(HORIZONS, weights=(3, 4, 3))[0]
    trade_in = "Permuta di due mezzi usati." if rng.random() < 0.3 else None
    opportunity = dict(horizon=horizon, vehicle_kind=rng.choice(KINDS),
                       quantity=rng.randint(1, 6), notes=trade_in)  # fmt: skip
    ended = now - timedelta(days=rng.uniform(1, 28))
    call = dict(final=True, outcome="qualified", ended_at=ended, answers={},
                started_at=ended - timedelta(minutes=rng.uniform(3, 12)),
                horizon_months=int(horizon.value),
                notes=" ".join(rng.sample(CALL_NOTES, 2)))  # fmt: skip
    return dict(account=account, call=call, phones=phones, fleet=fleet, contacts=contacts,
                opportunity=opportunity)  # fmt: skip


def build_fixture(engine: sa.Engine, accounts: int, salespeople: int, seed: int) -> Fixture:
    """Zones, dealers, salespeople, rules, a campaign, an agent and the qualified accounts,
    in bulk (Core inserts), all keyed with the run's tag."""
    tag = uuid.uuid4().hex[:6]
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    dealers = min(len(PLACES), salespeople)
    per_salesperson = accounts // salespeople
    now = datetime.now(UTC)

    def new(conn: sa.Connection, model: type, **values: object) -> int:
        return conn.execute(sa.insert(model).values(**values).returning(model.id)).scalar_one()

    with engine.begin() as conn:
        agent_id = new(conn, User, username=f"bench-{tag}-agent", full_name="Agente Bench",
                       role=Role.AGENT, password_hash=hash_password(uuid.uuid4().hex))  # fmt: skip
        campaign_id = new(conn, Campaign, code=f"BENCH-DIST-{tag}", name="Flotte pesanti Nord",
                          status=CampaignStatus.ACTIVE)  # fmt: skip
        salesperson_ids, index = [], 0
        for n, place in enumerate(PLACES[:dealers]):
            zone_id = new(conn, Zone, code=f"Z{tag}{n:02d}", name=f"Zona {place[1]}",
                          manager_name=f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}")  # fmt: skip
            dealer_id = new(conn, Dealer, code=f"C{tag}{n:02d}", zone_id=zone_id,
                            name=f"Veicoli Industriali {place[1]}",
                            municipality_name=place[1], province=place[0])  # fmt: skip
            new(conn, TerritoryRule, province=place[0], zone_id=zone_id, dealer_id=dealer_id)
            people = [
                dict(code=f"S{tag}{m:03d}", email=f"venditore{m}@example.it",
                     full_name=f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}",
                     dealer_id=dealer_id, monthly_quota=per_salesperson)
                for m in range(salespeople) if m % dealers == n
            ]  # fmt: skip
            insert = sa.insert(Salesperson).returning(Salesperson.id, sort_by_parameter_order=True)
            salesperson_ids += conn.execute(insert, people).scalars().all()
            count = len(people) * per_salesperson
            for first in range(0, count, 2_000):
                fakes = [fake_account(rng, tag, index + i, place, now)
                         for i in range(first, min(first + 2_000, count))]  # fmt: skip
                insert_accounts(conn, fakes, zone_id, dealer_id, campaign_id, agent_id)
            index += count
    return Fixture(tag, campaign_id, agent_id, salesperson_ids, per_salesperson)


def insert_accounts(conn: sa.Connection, fakes: list[dict], zone_id: int, dealer_id: int,
                    campaign_id: int, agent_id: int) -> None:  # fmt: skip
    """One chunk of a dealer's accounts, their final calls and what the calls captured."""
    place = {"zone_id": zone_id, "dealer_id": dealer_id}
    insert = sa.insert(Account).returning(Account.id, sort_by_parameter_order=True)
    account_ids = conn.execute(insert, [{**f["account"], **place} for f in fakes]).scalars().all()
    calls = [{**f["call"], **place, "account_id": a, "campaign_id": campaign_id,
              "agent_id": agent_id} for f, a in zip(fakes, account_ids, strict=True)]  # fmt: skip
    insert = sa.insert(CallAttempt).returning(CallAttempt.id, sort_by_parameter_order=True)
    call_ids = conn.execute(insert, calls).scalars().all()
    owned = list(zip(fakes, account_ids, call_ids, strict=True))
    for model, name, from_call in ((AccountPhone, "phones", False), (FleetLine, "fleet", True),
                                   (Contact, "contacts", True)):  # fmt: skip
        rows = [{**row, "account_id": a, **({"call_attempt_id": c} if from_call else {})}
                for f, a, c in owned for row in f[name]]  # fmt: skip
        conn.execute(sa.insert(model), rows)
    conn.execute(sa.insert(Opportunity), [{**f["opportunity"], "account_id": a,
                                           "call_attempt_id": c} for f, a, c in owned])  # fmt: skip


def check_scratch(engine: sa.Engine, salespeople: int) -> None:
    """Refuse a database where the wave would deal someone else's accounts."""
    provinces = [p[0] for p in PLACES[: min(len(PLACES), salespeople)]]
    with engine.connect() as conn:
        waiting = conn.execute(
            sa.select(sa.func.count()).where(
                Account.status == AccountStatus.QUALIFIED,
                ~sa.select(WaveAccount.id).where(WaveAccount.account_id == Account.id).exists(),
            )
        ).scalar_one()
        rules = conn.execute(
            sa.select(sa.func.count()).where(
                TerritoryRule.province.in_(provinces),
                TerritoryRule.postcode_prefix == "",
                TerritoryRule.istat_code == "",
            )
        ).scalar_one()
    if waiting or rules:
        raise SystemExit(
            f"this database holds {waiting} qualified account(s) waiting for a wave and "
            f"{rules} rule(s) for the fixture's provinces: use a scratch database of its own"
        )


def build_wave(app: Flask, fixture: Fixture) -> tuple[int, list[str]]:
    """Deal and confirm the wave through the services; check it holds every account."""
    with app.app_context():
        session = db.session
        wave = create_wave(session, f"Ondata bench {fixture.tag}", fixture.per_salesperson)
        confirm_wave(session, wave)
        session.commit()
        counts = dict(
            session.execute(
                sa.select(WaveAccount.salesperson_id, sa.func.count())
                .where(WaveAccount.wave_id == wave.id)
                .group_by(WaveAccount.salesperson_id)
            ).all()
        )
        keys = session.scalars(
            sa.select(Account.key)
            .join(WaveAccount, WaveAccount.account_id == Account.id)
            .where(WaveAccount.wave_id == wave.id)
        ).all()
        wave_id = wave.id
        db.session.remove()
    expected = dict.fromkeys(fixture.salesperson_ids, fixture.per_salesperson)
    if counts != expected:
        raise SystemExit(f"the wave does not hold {fixture.per_salesperson} accounts each")
    return wave_id, list(keys)


def machine_ticks() -> tuple[int, int]:
    """CPU ticks of the whole machine since boot: busy, and in all."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def own_ticks(workers: list[int]) -> int:
    """CPU ticks used by this process, the workers and their work horses (live or
    reaped), so that what is left of the machine's busy time is other processes'."""
    ticks = sum(os.times()[:2]) * os.sysconf("SC_CLK_TCK")
    for pid in workers:
        for n, process in enumerate([pid, *children(pid)]):
            try:
                fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # utime, stime, then (the worker only) its reaped children's cutime, cstime
            ticks += sum(int(v) for v in fields[11 : 15 if n == 0 else 13])
    return round(ticks)


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes (empty once it has gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {
        line.split(":")[0]: int(line.split()[1]) * 1024
        for line in text.splitlines()
        if line.startswith(("VmRSS:", "VmHWM:"))
    }


def children(pid: int) -> list[int]:
    found = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(x) for x in path.read_text().split()]
        except OSError:
            continue
    return found


class MemoryWatch(threading.Thread):
    """Samples each worker and its work horses every 0.2 s while an export runs; with
    ``profile`` set, attaches py-spy to each new work horse (collapsed stacks)."""

    def __init__(self, pids: list[int], label: str, profile: Path | None, pyspy: str) -> None:
        super().__init__(daemon=True)
        self.pids, self.label, self.profile, self.pyspy = pids, label, profile, pyspy
        self.peaks = [Memory() for _ in pids]
        self.stopped = threading.Event()
        self.profilers: list[subprocess.Popen] = []

    def run(self) -> None:
        while not self.stopped.wait(POLL):
            self.sample()

    def sample(self) -> None:
        for n, (pid, peak) in enumerate(zip(self.pids, self.peaks, strict=True)):
            rss = proc_status(pid).get("VmRSS", 0)
            peak.parent = max(peak.parent, rss)
            for horse in children(pid):
                status = proc_status(horse)
                peak.horse = max(peak.horse, status.get("VmHWM", 0), status.get("VmRSS", 0))
                peak.together = max(peak.together, rss + status.get("VmRSS", 0))
                if horse not in peak.horses and self.profile is not None:
                    out = self.profile / f"{self.label}-worker{n + 1}-{horse}.txt"
                    self.profilers.append(
                        subprocess.Popen(  # noqa: S603 - py-spy on our own work horse
                            [self.pyspy, "record", "--pid", str(horse), "--format", "raw",
                             "--rate", "50", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        )
                    )  # fmt: skip
                peak.horses.add(horse)

    def finish(self) -> list[Memory]:
        self.stopped.set()
        self.join()
        for profiler in self.profilers:  # they end when their horse ends
            try:
                profiler.wait(timeout=30)
            except subprocess.TimeoutExpired:
                profiler.terminate()
        return self.peaks


def start_workers(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen]:
    workers = []
    for n in range(count):
        with (logs / f"worker{n + 1}.log").open("w") as log:
            workers.append(
                subprocess.Popen(  # noqa: S603 - our own flask command, fixed arguments
                    [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "jobs", "worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # their own process group, horses included
                )
            )
    return workers


def wait_registered(redis: Redis, queue: str, workers: list[subprocess.Popen]) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if any(w.poll() is not None for w in workers):
            raise SystemExit("a worker exited at start: see its log")
        if len(Worker.all(connection=redis, queue=Queue(queue, connection=redis))) == len(workers):
            return
        time.sleep(POLL)
    raise SystemExit("the workers did not register with Redis within 60 s")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    """Warm shutdown (the job in hand finishes), then cold, then kill their group."""
    for signum, wait in ((signal.SIGTERM, 15), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        alive = [w for w in workers if w.poll() is None]
        for worker in alive:
            if signum == signal.SIGKILL:
                os.killpg(worker.pid, signal.SIGKILL)
            else:
                worker.send_signal(signum)
        for worker in alive:
            try:
                worker.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue


def wait_done(engine: sa.Engine, run_id: int, started: float, timeout: float, workers) -> float:
    """Seconds from ``started`` until the run is done, polling its row in fresh sessions."""
    shown = started
    while True:
        with Session(engine) as session:
            run = session.get_one(ExportRun, run_id)
            failed = session.scalars(
                sa.select(JobRun.message).where(
                    JobRun.id.in_(run.job_ids), JobRun.status == JobStatus.FAILED
                )
            ).first()
            status, done, total = run.status, run.parts_done, run.parts_total
        now = time.perf_counter()
        if status == ExportStatus.DONE:
            return now - started
        if status == ExportStatus.FAILED or failed is not None:
            raise RuntimeError(f"export run {run_id} failed: {run.message or failed}")
        if any(w.poll() is not None for w in workers):
            raise RuntimeError("a worker died during the export: see its log")
        if now - started > timeout:
            raise RuntimeError(f"export run {run_id} not done after {timeout:.0f} s")
        if now - shown >= 15:
            print(f"    {now - started:.0f} s: {done}/{total} parts done", flush=True)
            shown = now
        time.sleep(POLL)


def run_export(app: Flask, ctx: dict, parts: int, pdf: bool) -> Export:
    """One export, from the commit of ``start_export`` to done, then checked and removed."""
    result = Export(parts=parts, pdf=pdf, salespeople=ctx["salespeople"])
    label = f"{'pdf' if pdf else 'files'}-parts{parts}"
    watch = MemoryWatch([w.pid for w in ctx["workers"]], label, ctx["profile"], ctx["pyspy"])
    with app.app_context():
        session = db.session
        run = start_export(
            session, session.get_one(Wave, ctx["wave_id"]), pdf=pdf, parts=parts, by=None
        )
        run_id = run.id
        watch.start()
        pids = [w.pid for w in ctx["workers"]]
        busy, total, ours = *machine_ticks(), own_ticks(pids)
        committed = datetime.now(UTC)
        started = time.perf_counter()
        session.commit()  # the part jobs are enqueued on this commit
        db.session.remove()
    try:
        result.seconds = wait_done(ctx["engine"], run_id, started, ctx["timeout"], ctx["workers"])
    finally:
        result.memory = watch.finish()
    busy_now, total_now = machine_ticks()
    others = (busy_now - busy) - (own_ticks(pids) - ours)
    result.others = max(0.0, others / max(1, total_now - total))
    timings(ctx["engine"], run_id, committed, result)
    verify(ctx, run_id, result)
    return result


def timings(engine: sa.Engine, run_id: int, committed: datetime, result: Export) -> None:
    """Where the time went, from the job rows: queue wait, each part, the assembly."""
    with Session(engine) as session:
        jobs = session.scalars(
            sa.select(JobRun).where(JobRun.id.in_(session.get_one(ExportRun, run_id).job_ids))
        ).all()
    parts = [j for j in jobs if j.kind == "distribution.export_part"]
    final = next(j for j in jobs if j.kind == "distribution.export_assemble")
    result.part_seconds = sorted((j.finished_at - j.started_at).total_seconds() for j in parts)
    result.parts_done_at = (max(j.finished_at for j in parts) - committed).total_seconds()
    result.assembly = (final.finished_at - final.started_at).total_seconds()


def verify(ctx: dict, run_id: int, result: Export) -> None:
    """The manifest's totals, every account exactly once, the all-in-one ZIP complete;
    then the run's files are removed (several full exports would fill a small disk)."""
    with Session(ctx["engine"]) as session:
        run = session.get_one(ExportRun, run_id)
        manifest, folder = run.manifest or {}, run.folder
    problems = result.problems
    totals = manifest.get("totals", {})
    if totals.get("salespeople") != ctx["salespeople"]:
        problems.append(f"manifest: {totals.get('salespeople')} salespeople")
    if totals.get("accounts") != len(ctx["keys"]):
        problems.append(f"manifest: {totals.get('accounts')} accounts")
    people = manifest.get("salespeople", [])
    seen = Counter(key for person in people for key in person["account_keys"])
    if seen != Counter(ctx["keys"]):
        twice = sum(1 for n in seen.values() if n > 1)
        problems.append(f"accounts: {len(set(ctx['keys']) - set(seen))} missing, {twice} twice")
    pdfs = sum(1 for p in people for f in p["files"] if f["path"].endswith(".pdf"))
    if pdfs != (len(people) if result.pdf else 0):
        problems.append(f"{pdfs} PDFs for {len(people)} salespeople")
    published = ctx["export_dir"] / (folder or "missing")
    archive = published / manifest.get("zip", {}).get("name", "missing.zip")
    if not archive.is_file():
        problems.append(f"the all-in-one ZIP {archive.name} is missing")
    else:
        result.zip_bytes = archive.stat().st_size
        with zipfile.ZipFile(archive) as bundle:
            entries = len(bundle.namelist())
        if entries != 1 + sum(len(p["files"]) for p in people):
            problems.append(f"the all-in-one ZIP holds {entries} entries")
        result.folder_bytes = sum(p.stat().st_size for p in published.rglob("*") if p.is_file())
    shutil.rmtree(published, ignore_errors=True)


def count_pages(body: bytes) -> int:
    """Page objects in a PDF, also those inside compressed object streams."""
    page = re.compile(rb"/Type\s*/Page(?![s\w])")
    count = len(page.findall(body))
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", body, re.DOTALL):
        try:
            count += len(page.findall(zlib.decompress(stream.group(1))))
        except zlib.error:
            continue  # not deflated (or not an object stream): nothing to look into
    return count


def measure_pdf(app: Flask, wave_id: int, repeats: int = 3) -> dict[str, float]:
    """One salesperson's PDF in this process: median of ``repeats`` after a warm-up, each
    from a fresh session (nothing cached from the previous one)."""
    loads, renders, pages = [], [], 0
    with app.test_request_context():
        with Session(db.engine) as session:
            person = salespeople_of(session, session.get_one(Wave, wave_id))[0]
        for n in range(1 + repeats):
            with Session(db.engine) as session:
                started = time.perf_counter()
                pack = load_packs(session, session.get_one(Wave, wave_id), [person])[0]
                loaded = time.perf_counter()
                body = render_pdf(pack, locale="it")
                rendered = time.perf_counter()
            if n:
                loads.append(loaded - started)
                renders.append(rendered - loaded)
            pages = count_pages(body)
    load, render = statistics.median(loads), statistics.median(renders)
    return {
        "load": load,
        "render": render,
        "total": load + render,
        "pages": pages,
        "bytes": len(body),
        "sheets": len(pack.sheets),
    }


def remove_fixture(engine: sa.Engine, fixture: Fixture) -> list[str]:
    """Delete everything the run inserted: waves, exports, jobs, audit entries, accounts
    and what hangs off them, the sales network, the campaign and the agent. Returns the
    ids of the export jobs, whose keys are still in Redis."""
    keys = f"D{fixture.tag}%"
    accounts = sa.select(Account.id).where(Account.key.like(keys)).scalar_subquery()
    with engine.begin() as conn:
        waves = conn.scalars(
            sa.select(WaveAccount.wave_id).where(WaveAccount.account_id.in_(accounts)).distinct()
        ).all()
        runs = conn.execute(
            sa.select(ExportRun.id, ExportRun.job_ids).where(ExportRun.wave_id.in_(waves))
        ).all()
        job_ids = [job for _run, jobs in runs for job in jobs]
        conn.execute(
            sa.text(
                "DELETE FROM audit_log WHERE (object_type = 'waves' AND object_id = ANY(:w)) "
                "OR (object_type = 'export_runs' AND object_id = ANY(:r))"
            ),
            {"w": [str(w) for w in waves], "r": [str(r) for r, _jobs in runs]},
        )
        conn.execute(sa.delete(JobRun).where(JobRun.id.in_(job_ids)))
        conn.execute(sa.delete(ExportRun).where(ExportRun.wave_id.in_(waves)))
        conn.execute(sa.delete(WaveAccount).where(WaveAccount.wave_id.in_(waves)))
        conn.execute(sa.delete(Wave).where(Wave.id.in_(waves)))
        for model in (AccountPhone, Contact, FleetLine, Opportunity, CallAttempt):
            conn.execute(sa.delete(model).where(model.account_id.in_(accounts)))
        conn.execute(sa.delete(Account).where(Account.key.like(keys)))
        dealers = sa.select(Dealer.id).where(Dealer.code.like(f"C{fixture.tag}%"))
        conn.execute(sa.delete(TerritoryRule).where(TerritoryRule.dealer_id.in_(dealers)))
        conn.execute(sa.delete(Salesperson).where(Salesperson.code.like(f"S{fixture.tag}%")))
        conn.execute(sa.delete(Dealer).where(Dealer.code.like(f"C{fixture.tag}%")))
        conn.execute(sa.delete(Zone).where(Zone.code.like(f"Z{fixture.tag}%")))
        conn.execute(sa.delete(Campaign).where(Campaign.id == fixture.campaign_id))
        conn.execute(sa.delete(User).where(User.id == fixture.agent_id))
    return job_ids


def remove_redis_keys(redis: Redis, queue: str, job_ids: list[str]) -> None:
    """The run's queue, its registries, its jobs and its stopped workers' records (their
    keys carry the queue's name or the job's id, or name the queue)."""
    Queue(queue, connection=redis).delete(delete_jobs=True)
    names = list(redis.scan_iter(match=f"*{queue}*"))
    names += [f"rq:job:{j}" for j in job_ids] + [f"rq:results:{j}" for j in job_ids]
    for worker in redis.scan_iter(match="rq:worker:*"):
        if redis.type(worker) == b"hash" and redis.hget(worker, "queues") == queue.encode():
            names.append(worker)
    if names:
        redis.delete(*names)


def machine(engine: sa.Engine, redis: Redis) -> str:
    return f"{qc.machine(engine)}; Redis {redis.info('server')['redis_version']}"


def mib(value: float) -> str:
    return f"{value / MIB:,.0f}"


def report(exports: list[Export], pdf: dict[str, float]) -> tuple[list[str], str, str]:
    """The lines that say met or missed, and the tables of timings and memory (Markdown,
    plain)."""
    met = {True: "met", False: "MISSED"}
    header = ["measurement", "parts", "seconds", "goal", "result", "parts done at s",
              "each part s", "assembly s", "all-ZIP MiB", "other CPU"]  # fmt: skip
    rows = []
    for e in exports:
        goal = GOALS["pdfs" if e.pdf else "files"]
        rows.append([
            "(c) all files, with PDFs" if e.pdf else "(a) XLSX + CSV + CRM + ZIPs",
            str(e.parts), f"{e.seconds:.1f}", f"< {goal:.0f}",
            met[e.seconds < goal and not e.problems], f"{e.parts_done_at:.1f}",
            f"{e.part_seconds[0]:.1f}-{e.part_seconds[-1]:.1f}", f"{e.assembly:.1f}",
            f"{e.zip_bytes / MIB:,.1f}", f"{e.others:.0%}",
        ])  # fmt: skip
    rows.append(["(b) one salesperson's PDF", "-", f"{pdf['total']:.2f}",
                 f"< {GOALS['pdf']:.0f}", met[pdf["total"] < GOALS["pdf"]], "-", "-", "-",
                 "-", "-"])  # fmt: skip
    memory_header = ["export", "parts", "worker", "worker MiB", "horse MiB", "both MiB", "jobs"]
    memory = [
        ["with PDFs" if e.pdf else "no PDFs", str(e.parts), str(n + 1), mib(m.parent),
         mib(m.horse), mib(m.together), str(len(m.horses))]
        for e in exports for n, m in enumerate(e.memory)
    ]  # fmt: skip
    lines = []
    for pdf_flag, goal in ((False, GOALS["files"]), (True, GOALS["pdfs"])):
        chosen = [e for e in exports if e.pdf == pdf_flag]
        if not chosen:
            continue
        best = min(chosen, key=lambda e: e.seconds)
        what = "all files with the PDFs" if pdf_flag else "XLSX + CSV + CRM + ZIPs"
        lines.append(
            f"- {what}: {best.seconds:.1f} s with {best.parts} parts (goal < {goal:.0f} s: "
            f"{met[best.seconds < goal]})"
            + (
                "; " + ", ".join(f"{e.parts} parts {e.seconds:.1f} s" for e in chosen)
                if len(chosen) > 1
                else ""
            )
        )
    lines.append(
        f"- one salesperson's PDF ({pdf['sheets']} accounts, {pdf['pages']} pages, "
        f"{pdf['bytes'] / 1024:,.0f} KiB): {pdf['total']:.2f} s, median of 3 after a warm-up "
        f"(loading {pdf['load']:.2f} s, rendering {pdf['render']:.2f} s, "
        f"{pdf['pages'] / pdf['render']:.1f} pages/s; goal < {GOALS['pdf']:.0f} s: "
        f"{met[pdf['total'] < GOALS['pdf']]})"
    )
    peak_horse = max((m.horse for e in exports for m in e.memory), default=0)
    peak_both = max((m.together for e in exports for m in e.memory), default=0)
    lines.append(
        f"- peak memory per worker: work horse {mib(peak_horse)} MiB (VmHWM), worker and "
        f"horse together {mib(peak_both)} MiB (RSS, shared pages counted twice)"
    )
    for e in exports:
        if e.pdf:
            each = sum(e.part_seconds) / (e.salespeople or 1)
            lines.append(
                f"- where the time goes ({e.parts} parts, with PDFs): the part jobs "
                f"{sum(e.part_seconds):.0f} s of worker time, {each:.2f} s per salesperson "
                f"against {pdf['total']:.2f} s for one PDF alone (b); the assembly (ZIPs, "
                f"manifest) {e.assembly:.1f} s"
            )
    largest = max(exports, key=lambda e: e.folder_bytes, default=None)
    if largest is not None:
        lines.append(
            f"- sizes: all-in-one ZIP {largest.zip_bytes / MIB:,.1f} MiB, published folder "
            f"{largest.folder_bytes / MIB:,.1f} MiB ({'with' if largest.pdf else 'without'} PDFs)"
        )
    busiest = max((e.others for e in exports), default=0.0)
    lines.append(
        f"- other processes used at most {busiest:.0%} of the machine's CPU during an export "
        "(PostgreSQL included; 'other CPU' in the table)"
    )
    problems = [
        f"{e.parts} parts{' with PDFs' if e.pdf else ''}: {p}" for e in exports for p in e.problems
    ]
    lines.append(
        "- checks (run done, manifest totals, every account exactly once, all-in-one ZIP "
        f"complete): {'all passed' if not problems else 'FAILED: ' + '; '.join(problems)}"
    )
    table = qc.markdown_table(header, rows) + "\n\n" + qc.markdown_table(memory_header, memory)
    plain = qc.plain_table(header, rows) + "\n\n" + qc.plain_table(memory_header, memory)
    return lines, table, plain


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a scratch PostgreSQL database")
    parser.add_argument("--redis-url", required=True, help="Redis for the RQ workers")
    parser.add_argument("--accounts", type=int, default=12_000)
    parser.add_argument("--salespeople", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--parts",
        type=int,
        nargs="+",
        default=[8],
        help="part jobs per export; several values are measured in turn",
    )
    parser.add_argument("--no-pdf-export", action="store_true", help="skip (c)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per export")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument(
        "--profile", type=Path, help="write py-spy collapsed stacks of every work horse here"
    )
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "/tmp/pyspy/bin/py-spy")  # noqa: S108
    parser.add_argument("--no-append", action="store_true", help="do not write the docs")
    args = parser.parse_args(argv)
    if args.accounts % args.salespeople or args.accounts // args.salespeople > 1000:
        parser.error("--accounts must be a multiple of --salespeople, at most 1,000 each")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = normalise_database_url(args.database_url)
    tag = uuid.uuid4().hex[:6]
    work = Path(tempfile.mkdtemp(prefix="qualifica-export-bench-"))
    export_dir, queue = work / "exports", f"qualifica-bench-{tag}"
    export_dir.mkdir()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    settings = {
        "REDIS_URL": args.redis_url,
        "RQ_QUEUE": queue,
        "EXPORT_DIR": str(export_dir),
        "EXPORT_PARTS": args.parts[0],
    }
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **settings})
    with app.app_context():
        flask_migrate.upgrade()
        engine = db.engine
    redis = Redis.from_url(args.redis_url)
    check_scratch(engine, args.salespeople)
    load = os.getloadavg()
    print(
        f"load average {load[0]:.2f}; filling {args.accounts:,} qualified accounts for "
        f"{args.salespeople} salespeople ...",
        flush=True,
    )
    started = time.time()
    fixture = build_fixture(engine, args.accounts, args.salespeople, args.seed)
    ctx = {
        "engine": engine,
        "export_dir": export_dir,
        "timeout": args.timeout,
        "salespeople": args.salespeople,
        "profile": args.profile,
        "pyspy": args.py_spy,
        "workers": [],
    }
    exports: list[Export] = []
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"  inserted in {time.time() - started:.0f} s; dealing the wave ...", flush=True)
        started = time.time()
        ctx["wave_id"], ctx["keys"] = build_wave(app, fixture)
        print(
            f"  wave of {len(ctx['keys']):,} accounts built and confirmed in "
            f"{time.time() - started:.0f} s; starting {args.workers} workers ...",
            flush=True,
        )
        env = {
            **os.environ,
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "RQ_QUEUE": queue,
            "QUALIFICA_EXPORT_DIR": str(export_dir),
            "QUALIFICA_EXPORT_PARTS": str(args.parts[0]),
        }
        ctx["workers"] = start_workers(args.workers, env, work)
        wait_registered(redis, queue, ctx["workers"])
        for pdf in (False, True):
            if pdf:
                print("(b) one salesperson's PDF in this process ...", flush=True)
                pdf_figures = measure_pdf(app, ctx["wave_id"])
                if args.no_pdf_export:
                    break
            for parts in args.parts:
                what = "(c) with PDFs" if pdf else "(a) without PDFs"
                print(f"{what}, {parts} parts ...", flush=True)
                exports.append(run_export(app, ctx, parts, pdf))
                print(f"  {exports[-1].seconds:.1f} s", flush=True)
        described = machine(engine, redis)
    except BaseException:
        for log in sorted(work.glob("worker*.log")):
            print(f"--- {log.name} (end) ---\n" + "\n".join(log.read_text().splitlines()[-30:]))
        raise
    finally:
        stop_workers(ctx["workers"])
        remove_redis_keys(redis, queue, remove_fixture(engine, fixture))
        shutil.rmtree(work, ignore_errors=True)
        instance = Path(os.environ["QUALIFICA_INSTANCE_PATH"])
        if instance.name.startswith("qualifica-bench-"):  # queue_claim's throwaway one
            shutil.rmtree(instance, ignore_errors=True)

    lines, table, plain = report(exports, pdf_figures)
    print(plain)
    print("\n".join(lines))
    if not args.no_append:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        command = (
            f"scripts/bench/distribution_export.py --accounts {args.accounts} "
            f"--salespeople {args.salespeople} --workers {args.workers} --parts "
            + " ".join(map(str, args.parts))
        )
        with qc.BENCHMARKS_MD.open("a") as handle:
            handle.write(
                f"\n## Distribution export (PostgreSQL, RQ), {stamp}\n\n`{command}`: "
                f"{args.accounts:,} qualified accounts dealt into one confirmed wave, "
                f"{args.accounts // args.salespeople} for each of {args.salespeople} "
                f"salespeople; {args.workers} RQ workers (`flask jobs worker`) on a queue of "
                "the run's own; each export timed from the commit of `start_export` to the "
                "run's row saying done (polled every 0.2 s); the PDF (b) rendered in the "
                "benchmark's own process, workers idle. Memory sampled every 0.2 s: the "
                "worker process's RSS and each work horse's VmHWM (RQ forks one per job)."
                f"\n\nMachine: {described}; load average at start {load[0]:.2f}.\n\n"
                + table
                + "\n\n"
                + "\n".join(lines)
                + "\n"
            )
        print("appended to docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
