"""Export runs: a wave's files, written in parts by background jobs, then published whole.

Each part job writes some salespeople's folders into the run's private staging folder;
the part that finishes last starts the assembly job, which adds the ZIPs and the manifest
and renames the staging folder into place. Until then nothing is visible: a job that fails
or is killed leaves a staging folder that is never served (and is swept at the next
export), and the run can simply be started again. The files depend only on the wave, so
exporting a confirmed wave again gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from app.accounts.models import Account
from app.audit.services import record
from app.distribution.assignment import HORIZON_ORDER
from app.distribution.loading import salespeople_of
from app.distribution.models import ExportRun, ExportStatus, Wave, WaveAccount, WaveStatus
from app.distribution.services import DistributionError, exports_under_way
from app.distribution.sheets import Pack, Recipient, WaveInfo
from app.distribution.writers.crm_mapping import CrmMapping
from app.distribution.writers.crm_rows import crm_files
from app.distribution.writers.pdf import render_pdf
from app.distribution.writers.tables import pack_csv, pack_xlsx
from app.jobs.models import JobRun, JobStatus, percent
from app.jobs.runner import JobState, start_job, state_of

META = ".meta"
MANIFEST = "manifest.json"
LOCALES = ("it", "en")


def export_root() -> Path:
    return Path(current_app.config["EXPORT_DIR"])


def staging_dir(run: ExportRun) -> Path:
    return export_root() / f".staging-{run.id}"


def published_dir(run: ExportRun) -> Path | None:
    return export_root() / run.folder if run.folder else None


def slug(text: str, fallback: str) -> str:
    """A file-name-safe form of ``text`` (accents folded, no path parts), else ``fallback``."""
    return secure_filename(text)[:60] or fallback


def folder_name(recipient: Recipient) -> str:
    """Unique per salesperson: two codes or names that fold to the same text (``AB/1``
    and ``AB 1``) still get folders of their own, thanks to the id."""
    base = secure_filename(f"{recipient.code} {recipient.full_name}")[:50] or "salesperson"
    return f"{base}-{recipient.id}"


def file_stem(wave: WaveInfo, recipient: Recipient) -> str:
    return slug(f"{wave.label} {recipient.code}", f"wave-{wave.id}-{recipient.id}")


def batch_number(wave: WaveInfo, recipient: Recipient) -> int:
    """The CRM batch of one salesperson's load files: stable for the wave, and distinct
    between salespeople so their files can be loaded side by side."""
    return wave.id * 100_000 + recipient.id


def start_export(
    session: Session,
    wave: Wave,
    *,
    locale: str = "it",
    pdf: bool = True,
    parts: int | None = None,
    by: int | None,
) -> ExportRun:
    """Record an export run of ``wave`` and start its part jobs (after the commit).
    ``pdf=False`` leaves out the PDF account sheets, the slow part of an export."""
    check_exportable(wave)
    if locale not in LOCALES:
        raise DistributionError(_l("The files can be written in Italian or English."))
    people = salespeople_of(session, wave)
    if not people:
        raise DistributionError(_l("This wave hands out no account: there is nothing to export."))
    if exports_under_way(session, wave):
        raise DistributionError(
            _l("An export of this wave is already under way: wait for it to end.")
        )
    _sweep(session)
    count = max(1, min(parts or current_app.config["EXPORT_PARTS"], len(people)))
    if session.get_bind().dialect.name == "sqlite":
        count = 1  # one writer at a time: parallel parts would only wait for each other
    chunks = [people[n::count] for n in range(count)]
    run = ExportRun(wave=wave, locale=locale, parts_total=count, created_by_id=by, job_ids=[])
    session.add(run)
    session.flush()
    run.job_ids = [
        start_job(
            session,
            "distribution.export_part",
            {"export_run_id": run.id, "salesperson_ids": chunk, "pdf": pdf},
            user_id=by,
            key=f"distribution.export_part:run={run.id}:part={n}",
        ).id
        for n, chunk in enumerate(chunks)
    ]
    keys = session.scalars(
        sa.select(Account.key)
        .join(WaveAccount, WaveAccount.account_id == Account.id)
        .where(WaveAccount.wave_id == wave.id)
        .order_by(Account.key)
    ).all()
    record(session, "distribution.export_started", user_id=by, obj=run, wave=wave.id, accounts=keys)
    return run


def _sweep(session: Session) -> None:
    """Remove what failed runs left behind: their staging folders, and a folder renamed
    into place by an assembly that died before its commit (never served: the run failed)."""
    root = export_root()
    if not root.is_dir():
        return
    failed = set(
        session.scalars(sa.select(ExportRun.id).where(ExportRun.status == ExportStatus.FAILED))
    )
    for pattern, prefix in ((".staging-*", ".staging-"), ("run-*", "run-")):
        for path in root.glob(pattern):
            run_id = path.name.removeprefix(prefix)
            if run_id.isdigit() and int(run_id) in failed:
                shutil.rmtree(path, ignore_errors=True)


def check_exportable(wave: Wave) -> None:
    """Jobs check again when they run: the wave may have changed since the export began."""
    if wave.status not in (WaveStatus.CONFIRMED, WaveStatus.SENT):
        raise DistributionError(_l("Confirm the wave before exporting its files."))


def write_pack(
    pack: Pack, staging: Path, mapping: CrmMapping, locale: str, *, pdf: bool = True
) -> None:
    """One salesperson's folder, written aside then renamed, so a part run twice (a retry)
    replaces it whole."""
    name = folder_name(pack.recipient)
    stem = file_stem(pack.wave, pack.recipient)
    partial = staging / f"{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "crm").mkdir(parents=True)
    (partial / f"{stem}.xlsx").write_bytes(pack_xlsx(pack))
    (partial / f"{stem}.csv").write_bytes(pack_csv(pack))
    if pdf:
        (partial / f"{stem}.pdf").write_bytes(render_pdf(pack, locale=locale))
    for filename, body in crm_files(mapping, pack, batch_number(pack.wave, pack.recipient)).items():
        (partial / "crm" / filename).write_bytes(body)
    meta = staging / META
    meta.mkdir(exist_ok=True)
    by_horizon = dict.fromkeys(HORIZON_ORDER, 0)
    for sheet in pack.sheets:
        by_horizon[sheet.horizon] = by_horizon.get(sheet.horizon, 0) + 1
    (meta / f"{name}.json").write_text(
        json.dumps(
            {
                "code": pack.recipient.code,
                "name": pack.recipient.full_name,
                "salesperson_id": pack.recipient.id,
                "dealer": pack.recipient.dealer_code,
                "zone": pack.recipient.zone_code,
                "folder": name,
                "accounts": len(pack.sheets),
                "by_horizon": by_horizon,
                "account_keys": [sheet.key for sheet in pack.sheets],
            },
            ensure_ascii=False,
            sort_keys=True,
        ),
        encoding="utf-8",
    )
    final = staging / name
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)


def _files(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.rglob("*") if p.is_file())


def _entry(name: str, wave: WaveInfo) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(*wave.confirmed_on.timetuple()[:3], 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _digest(body: bytes) -> dict[str, Any]:
    return {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def assemble(
    staging: Path, wave: WaveInfo, zip_name: str, progress=None, *, pdf: bool = True
) -> dict[str, Any]:
    """Add the ZIPs and the manifest to a complete staging folder; returns the manifest."""
    people = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((staging / META).glob("*.json"))
    ]
    people.sort(key=lambda p: p["code"])
    (staging / "salespeople").mkdir(exist_ok=True)
    for n, person in enumerate(people, start=1):
        folder = staging / person["folder"]
        files = []
        archive = staging / "salespeople" / f"{person['folder']}.zip"
        with zipfile.ZipFile(archive, "w") as bundle:
            for path in _files(folder):
                body = path.read_bytes()
                inner = f"{person['folder']}/{path.relative_to(folder).as_posix()}"
                bundle.writestr(_entry(inner, wave), body)
                files.append({"path": inner, **_digest(body)})
        person["files"] = files
        person["zip"] = {"name": archive.name, **_digest(archive.read_bytes())}
        if progress:
            progress(n, len(people), "zips")
    by_horizon = dict.fromkeys(HORIZON_ORDER, 0)
    for person in people:
        for horizon, count in person["by_horizon"].items():
            by_horizon[horizon] = by_horizon.get(horizon, 0) + count
    manifest = {
        "format": 1,
        "wave": {"id": wave.id, "label": wave.label, "date": wave.confirmed_on.isoformat()},
        "pdf": pdf,
        "totals": {
            "salespeople": len(people),
            "accounts": sum(p["accounts"] for p in people),
            "by_horizon": by_horizon,
        },
        "salespeople": people,
        "zip": {"name": zip_name},  # its size and checksum are in the run's record
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    (staging / MANIFEST).write_bytes(text)
    with zipfile.ZipFile(staging / zip_name, "w") as bundle:
        bundle.writestr(_entry(MANIFEST, wave), text)
        for person in people:
            for entry in person["files"]:
                bundle.writestr(_entry(entry["path"], wave), (staging / entry["path"]).read_bytes())
    manifest["zip"].update(_digest((staging / zip_name).read_bytes()))
    return manifest


def publish(staging: Path, run: ExportRun) -> str:
    """Rename the complete staging folder into place; returns the published name."""
    name = f"run-{run.id}"
    final = export_root() / name
    shutil.rmtree(final, ignore_errors=True)  # a half-finished earlier attempt of this run
    staging.rename(final)
    return name


def all_zip_name(wave: Wave | WaveInfo) -> str:
    return f"{slug(wave.label, f'wave-{wave.id}')}.zip"


@dataclass(frozen=True)
class RunProgress:
    status: str  # queued, running, done, failed
    done: int
    total: int
    message: str | None

    @property
    def percent(self) -> int:
        state = JobStatus.FINISHED if self.status == "done" else JobStatus.RUNNING
        return percent(state, self.done, self.total)


def refresh(session: Session, run: ExportRun) -> RunProgress:
    """The run's state, fresh from its jobs: failed as soon as one of them failed or can no
    longer finish. Writes nothing (pages poll it); the failure is recorded by the job
    machinery (``jobs.export_failed``) or by the next write on the wave."""
    jobs = [state_of(job) for job in _jobs(session, run)]
    if run.status == ExportStatus.DONE:
        return RunProgress("done", 1, 1, None)
    failed = next((job for job in jobs if job.status == JobStatus.FAILED), None)
    if run.status == ExportStatus.FAILED or failed is not None:
        return RunProgress("failed", 0, 1, run.message or (failed and failed.message))
    return _running(jobs)


def _running(jobs: list[JobState]) -> RunProgress:
    # Each salesperson counts once for the files, and once more for the ZIPs.
    total = done = 0
    for job in jobs:
        if job.kind == "distribution.export_part":
            people = len(job.params.get("salesperson_ids", []))
            total += people
            done += people if job.status == JobStatus.FINISHED else min(job.progress, people)
        else:
            done += job.progress if job.status != JobStatus.FINISHED else job.total or 0
    total *= 2 if total else 1
    started = any(j.status != JobStatus.QUEUED for j in jobs)
    step = "zips" if any(j.kind == "distribution.export_assemble" for j in jobs) else "packs"
    return RunProgress("running" if started else "queued", done, total, step)


def includes_pdf(session: Session, run: ExportRun) -> bool:
    """Whether ``run`` was asked with the PDF account sheets (its parts carry the flag)."""
    jobs = _jobs(session, run)
    return bool(jobs[0].params.get("pdf", True)) if jobs else True


def _jobs(session: Session, run: ExportRun) -> list[JobRun]:
    if not run.job_ids:
        return []
    found = {j.id: j for j in session.scalars(sa.select(JobRun).where(JobRun.id.in_(run.job_ids)))}
    return [found[i] for i in run.job_ids if i in found]
