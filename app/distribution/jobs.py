"""The export's background jobs: parts that write salespeople's folders, then assembly.
A failed part or assembly fails its run (``export_failed``)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from app.audit.services import record
from app.columns import utcnow
from app.distribution.exporting import (
    all_zip_name,
    assemble,
    check_exportable,
    publish,
    staging_dir,
    write_pack,
)
from app.distribution.loading import load_packs, wave_info
from app.distribution.models import ExportRun, ExportStatus
from app.distribution.pack_mail import notify_salespeople
from app.distribution.services import fail_export
from app.distribution.writers.crm_mapping import load_mapping
from app.jobs.registry import FailureHandler, Handler
from app.jobs.runner import Progress, start_job
from app.webhooks.events import emit


def export_part(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Write the folders of some salespeople; the last part to finish starts assembly."""
    run = session.get_one(ExportRun, params["export_run_id"])
    if run.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return {"skipped": run.status.value}  # the run already failed: write nothing
    check_exportable(run.wave)
    mapping = load_mapping(Path(current_app.config["CRM_MAPPING"]))
    staging = staging_dir(run)
    staging.mkdir(parents=True, exist_ok=True)
    people = params["salesperson_ids"]
    progress(0, len(people), "packs")
    with force_locale(run.locale):
        for n, person_id in enumerate(people, start=1):
            for pack in load_packs(session, run.wave, [person_id]):
                write_pack(pack, staging, mapping, run.locale, pdf=params.get("pdf", True))
            progress(n, len(people), "packs")
    # The row lock taken here makes concurrent parts count one after the other.
    finished = session.execute(
        sa.update(ExportRun)
        .where(ExportRun.id == run.id)
        .values(
            parts_done=ExportRun.parts_done + 1,
            # A run already failed (another part died) stays failed.
            status=sa.case(
                (ExportRun.status == ExportStatus.FAILED, ExportStatus.FAILED),
                else_=ExportStatus.RUNNING,
            ),
        )
        .returning(ExportRun.parts_done)
    ).scalar_one()
    session.refresh(run)
    if finished == run.parts_total:
        final = start_job(
            session,
            "distribution.export_assemble",
            {"export_run_id": run.id, "pdf": params.get("pdf", True)},
            user_id=run.created_by_id,
            key=f"distribution.export_assemble:run={run.id}",
        )
        run.job_ids = [*run.job_ids, final.id]
    return {"salespeople": len(people)}


def export_assemble(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """ZIPs and manifest, then publish the folder and mark the run done."""
    run = session.get_one(ExportRun, params["export_run_id"])
    if run.status != ExportStatus.RUNNING:
        return {"skipped": run.status.value}
    check_exportable(run.wave)
    info = wave_info(run.wave)
    manifest = assemble(
        staging_dir(run), info, all_zip_name(info), progress, pdf=params.get("pdf", True)
    )
    run.folder = publish(staging_dir(run), run)
    run.manifest = manifest
    run.status, run.finished_at = ExportStatus.DONE, utcnow()
    record(
        session,
        "distribution.export_done",
        user_id=run.created_by_id,
        obj=run,
        wave=run.wave_id,
        salespeople=manifest["totals"]["salespeople"],
        accounts=manifest["totals"]["accounts"],
    )
    emit(session, "export.finished", {
        "export_run_id": run.id, "wave_id": run.wave_id, "locale": run.locale,
        "salespeople": manifest["totals"]["salespeople"],
        "accounts": manifest["totals"]["accounts"], "finished_at": run.finished_at.isoformat(),
    })  # fmt: skip
    # Sent by their own jobs once this one commits: a run that fails sends nothing.
    mailed = notify_salespeople(session, run)
    return {"salespeople": manifest["totals"]["salespeople"], "mailed": mailed}


def export_failed(session: Session, params: dict[str, Any], message: str) -> None:
    """A part or the assembly failed, or died: its run fails with it, in the same
    transaction, and what it staged is removed (it is never served)."""
    run = session.get(ExportRun, params["export_run_id"])
    if run is None:
        return
    fail_export(run, message)
    shutil.rmtree(staging_dir(run), ignore_errors=True)


JOBS: dict[str, Handler] = {
    "distribution.export_part": export_part,
    "distribution.export_assemble": export_assemble,
}
ON_FAILURE: dict[str, FailureHandler] = dict.fromkeys(JOBS, export_failed)
