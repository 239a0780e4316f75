"""Import pages: upload, map the columns, follow the job, read the report. Reviewing the
pairs and doubts an import leaves is the workspace's (``app.workspace``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.imports import services
from app.imports.forms import (
    RetryForm,
    UploadForm,
    mapping_form,
)
from app.imports.labels import rejection_label
from app.imports.models import BatchStatus, ImportBatch, SourceKind
from app.jobs.models import JobRun, JobStatus
from app.jobs.runner import JOBS_UNAVAILABLE, JobAlreadyRunning, JobState, JobsUnavailable, state_of
from app.security import Role, guard, load_or_404
from app.spreadsheets.downloads import csv_download
from app.spreadsheets.reading import FileRefused

bp = Blueprint("imports", __name__, url_prefix="/imports")
guard(bp, Role.STAFF, Role.ADMIN)


@bp.route("/", methods=["GET", "POST"])
def index():
    """Upload a file; the batches so far."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        folder = Path(current_app.config["IMPORT_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".upload") as temporary:
            upload.save(temporary)
            temporary.flush()
            try:
                batch = services.receive_file(
                    db.session,
                    Path(temporary.name),
                    upload.filename or "upload",
                    SourceKind(form.source_kind.data),
                    user_id=current_user.id,
                )
            except FileRefused as exc:
                db.session.rollback()
                form.file.errors = [str(exc)]
            else:
                db.session.commit()
                return redirect(url_for(".mapping", batch_id=batch.id))
    return render_template(
        "imports/index.html",
        form=form,
        batches=services.recent_batches(db.session),
        pending=services.pairs_waiting(db.session),
    )


@bp.route("/<int:batch_id>/mapping", methods=["GET", "POST"])
def mapping(batch_id: int):
    """The file's first rows and, for each column, the field it holds."""
    batch = load_or_404(ImportBatch, batch_id)
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.MAPPED):
        return redirect(url_for(".batch", batch_id=batch.id))
    try:
        headers = services.mapping_headers(batch)
    except FileRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for(".batch", batch_id=batch.id))
    form = mapping_form(headers, services.suggested_mapping(db.session, batch))
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            services.start_import(
                db.session,
                batch.id,
                form.mapping(headers),
                user_id=current_user.id,
                qualified_within_months=form.qualified_within_months.data,
            )
        except services.MappingError as exc:
            db.session.rollback()
            errors = exc.errors
        except JobsUnavailable:
            db.session.rollback()
            errors = [str(JOBS_UNAVAILABLE)]
        except (services.ImportRefused, JobAlreadyRunning) as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".batch", batch_id=batch.id))
        else:
            db.session.commit()
            return redirect(url_for(".batch", batch_id=batch.id))
    preview = (batch.report or {}).get("preview") or [[]]
    return render_template(
        "imports/mapping.html",
        batch=batch,
        form=form,
        headers=headers,
        rows=preview[1:],
        errors=errors,
        fields=[form[f"col_{i}"] for i in range(len(headers))],
    )


def _job(batch: ImportBatch) -> JobState | None:
    """The batch's job as it is now, a dead one shown failed (recorded on the next start)."""
    if batch.job_run_id is None:
        return None
    return state_of(db.session.get_one(JobRun, batch.job_run_id))


@bp.route("/<int:batch_id>")
def batch(batch_id: int):
    """Progress while the job runs; the report when it is done."""
    batch = load_or_404(ImportBatch, batch_id)
    job = _job(batch)
    return render_template(
        "imports/batch.html",
        batch=batch,
        job=job,
        report=batch.report or {},
        rejections=services.rejections(db.session, batch, limit=20),
        retry_form=RetryForm(),
        failed=job is not None and job.status == JobStatus.FAILED,
    )


@bp.route("/<int:batch_id>/retry", methods=["POST"])
def retry(batch_id: int):
    """Run a failed import again (its failed run wrote nothing)."""
    batch = load_or_404(ImportBatch, batch_id)
    if RetryForm().validate_on_submit():
        try:
            services.start_import(db.session, batch.id, user_id=current_user.id)
        except (services.ImportRefused, JobAlreadyRunning, JobsUnavailable) as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
    return redirect(url_for(".batch", batch_id=batch.id))


@bp.route("/<int:batch_id>/rejected.csv")
def rejected_csv(batch_id: int):
    """The rejected rows with their reason, as Italian Excel opens them (BOM, ``;``)."""
    batch = load_or_404(ImportBatch, batch_id)
    headers = services.headers_of(batch)
    table = [[_("Row"), _("Reason"), *headers]]
    for row in services.rejections(db.session, batch):
        table.append([row.row_number, rejection_label(row.reason),
                      *(row.data.get(h, "") for h in headers)])  # fmt: skip
    return csv_download(f"rejected-{batch.id}.csv", table)
