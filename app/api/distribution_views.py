"""``distribution:read``: waves, their accounts per salesperson, the export files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import send_file, url_for
from werkzeug.security import safe_join

from app.api import reads
from app.api.auth import current_key, scope
from app.api.blueprint import bp
from app.api.pagination import Page
from app.api.problems import Problem
from app.api.schemas import (
    ChangedQuery,
    ExportPageSchema,
    ListQuery,
    WaveAccountPageSchema,
    WaveAccountQuery,
    WavePageSchema,
    WaveSchema,
)
from app.audit.services import record
from app.distribution.exporting import published_dir
from app.distribution.models import ExportRun, ExportStatus, WaveStatus
from app.extensions import db

ZIP = {200: {"description": "A ZIP file", "content": {"application/zip": {"schema": {}}}}}


@bp.route("/waves")
@bp.arguments(ChangedQuery, location="query", as_kwargs=True)
@bp.response(200, WavePageSchema)
@scope("distribution:read")
def waves(limit: int, cursor: str | None = None, changed_since: datetime | None = None) -> Page:
    return reads.waves(db.session, changed_since=changed_since, cursor=cursor, limit=limit)


@bp.route("/waves/<int:wave_id>")
@bp.response(200, WaveSchema)
@scope("distribution:read")
def wave(wave_id: int) -> Any:
    found = reads.wave(db.session, wave_id)
    if found is None:
        raise Problem(404)
    return found


@bp.route("/waves/<int:wave_id>/accounts")
@bp.arguments(WaveAccountQuery, location="query", as_kwargs=True)
@bp.response(200, WaveAccountPageSchema)
@scope("distribution:read")
def wave_accounts(
    wave_id: int, limit: int, cursor: str | None = None, salesperson: str | None = None
) -> Page:
    """The wave's accounts with the salesperson each went to, in their files' order."""
    if reads.wave(db.session, wave_id) is None:
        raise Problem(404)
    return reads.wave_accounts(db.session, wave_id, salesperson=salesperson, cursor=cursor,
                               limit=limit)  # fmt: skip


@bp.route("/waves/<int:wave_id>/exports")
@bp.arguments(ListQuery, location="query", as_kwargs=True)
@bp.response(200, ExportPageSchema)
@scope("distribution:read")
def exports(wave_id: int, limit: int, cursor: str | None = None) -> Page:
    """The wave's export runs; a finished one lists its files to download."""
    if reads.wave(db.session, wave_id) is None:
        raise Problem(404)
    found = reads.exports(db.session, wave_id, cursor=cursor, limit=limit)
    found.items = [_export_row(run) for run in found.items]
    return found


def _export_row(run: ExportRun) -> dict[str, Any]:
    files = []
    if _downloadable(run):
        zipped = run.manifest["zip"]  # type: ignore[index]
        files.append({"name": zipped["name"], "salesperson": None,
                      "url": url_for("api.export_download", run_id=run.id),
                      "bytes": zipped.get("bytes"), "sha256": zipped.get("sha256")})  # fmt: skip
        for person in run.manifest["salespeople"]:  # type: ignore[index]
            url = url_for("api.export_salesperson_download", run_id=run.id,
                          salesperson_id=person["salesperson_id"])  # fmt: skip
            files.append({"name": person["zip"]["name"], "salesperson": person["code"],
                          "url": url, "bytes": person["zip"].get("bytes"),
                          "sha256": person["zip"].get("sha256")})  # fmt: skip
    return {"id": run.id, "wave_id": run.wave_id, "status": run.status.value,
            "locale": run.locale, "finished_at": run.finished_at,
            "updated_at": run.updated_at, "files": files}  # fmt: skip


def _downloadable(run: ExportRun) -> bool:
    return (
        run.status == ExportStatus.DONE
        and published_dir(run) is not None
        and bool(run.manifest)
        and run.wave.status != WaveStatus.CANCELLED
    )


def _send(run_id: int, pick) -> Any:
    run = db.session.get(ExportRun, run_id) if run_id <= reads.MAX_ID else None
    if run is None or not _downloadable(run):
        raise Problem(404)
    relative, name, accounts, details = pick(run)
    path = safe_join(str(published_dir(run)), relative)
    if path is None:
        raise Problem(404)
    key = current_key()
    # Handing out personal data is recorded, as for a download from the browser.
    record(db.session, "distribution.download", obj=run, file=name, accounts=accounts,
           api_key=key.prefix, **details)  # fmt: skip
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=name, max_age=0)


@bp.route("/exports/<int:run_id>/download")
@bp.doc(responses=ZIP)
@scope("distribution:read")
def export_download(run_id: int) -> Any:
    """The whole export as one ZIP."""

    def whole(run: ExportRun):
        keys = [k for p in run.manifest["salespeople"] for k in p["account_keys"]]
        name = run.manifest["zip"]["name"]
        return name, name, keys, {"wave": run.wave_id}

    return _send(run_id, whole)


@bp.route("/exports/<int:run_id>/salespeople/<int:salesperson_id>.zip")
@bp.doc(responses=ZIP)
@scope("distribution:read")
def export_salesperson_download(run_id: int, salesperson_id: int) -> Any:
    """One salesperson's ZIP of the export."""

    def one(run: ExportRun):
        people = run.manifest["salespeople"]
        person = next((p for p in people if p["salesperson_id"] == salesperson_id), None)
        if person is None:
            raise Problem(404)
        name = person["zip"]["name"]
        return f"salespeople/{name}", name, person["account_keys"], {"salesperson": person["code"]}

    return _send(run_id, one)
