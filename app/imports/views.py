"""Import pages: upload, map the columns, follow the job, read the report. Reviewing the
pairs and doubts an import leaves is the workspace's (``app.workspace``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy as sa
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

from app.accounts.labels import reason_label
from app.extensions import db
from app.imports import services
from app.imports.forms import (
    RetryForm,
    UploadForm,
    mapping_form,
)
from app.imports.models import (
    BatchStatus,
    DuplicatePair,
    ImportBatch,
    ImportRejection,
    PairStatus,
    SourceKind,
)
from app.jobs.models import JobRun, JobStatus
from app.jobs.runner import JOBS_UNAVAILABLE, JobsUnavailable, reconcile, start_job
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
    batches = db.session.scalars(
        sa.select(ImportBatch).order_by(ImportBatch.id.desc()).limit(50)
    ).all()
    pending = db.session.scalar(
        sa.select(sa.func.count(DuplicatePair.id)).where(DuplicatePair.status == PairStatus.PENDING)
    )
    return render_template("imports/index.html", form=form, batches=batches, pending=pending)


@bp.route("/<int:batch_id>/mapping", methods=["GET", "POST"])
def mapping(batch_id: int):
    """The file's first rows and, for each column, the field it holds."""
    batch = load_or_404(ImportBatch, batch_id)
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.MAPPED):
        return redirect(url_for(".batch", batch_id=batch.id))
    headers = services.headers_of(batch)
    form = mapping_form(headers, services.suggested_mapping(db.session, batch))
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            services.start(db.session, batch, form.mapping(headers), user_id=current_user.id)
        except services.MappingError as exc:
            db.session.rollback()
            errors = exc.errors
        except JobsUnavailable:
            db.session.rollback()
            errors = [str(JOBS_UNAVAILABLE)]
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


def _job(batch: ImportBatch) -> JobRun | None:
    if batch.job_run_id is None:
        return None
    return reconcile(db.session.get_one(JobRun, batch.job_run_id))


@bp.route("/<int:batch_id>")
def batch(batch_id: int):
    """Progress while the job runs; the report when it is done."""
    batch = load_or_404(ImportBatch, batch_id)
    job = _job(batch)
    rejections = db.session.scalars(
        sa.select(ImportRejection)
        .where(ImportRejection.batch_id == batch.id)
        .order_by(ImportRejection.row_number)
        .limit(20)
    ).all()
    return render_template(
        "imports/batch.html",
        batch=batch,
        job=job,
        report=batch.report or {},
        rejections=rejections,
        retry_form=RetryForm(),
        failed=job is not None and job.status == JobStatus.FAILED,
    )


@bp.route("/<int:batch_id>/retry", methods=["POST"])
def retry(batch_id: int):
    """Run a failed import again (its failed run wrote nothing)."""
    batch = load_or_404(ImportBatch, batch_id)
    job = _job(batch)
    if RetryForm().validate_on_submit() and job is not None and job.status == JobStatus.FAILED:
        try:
            run = start_job(db.session, "imports.run", {"batch_id": batch.id},
                            user_id=current_user.id)  # fmt: skip
        except JobsUnavailable:
            db.session.rollback()
            flash(str(JOBS_UNAVAILABLE), "error")
        else:
            batch.job_run_id = run.id
            db.session.commit()
    return redirect(url_for(".batch", batch_id=batch.id))


@bp.route("/<int:batch_id>/rejected.csv")
def rejected_csv(batch_id: int):
    """The rejected rows with their reason, as Italian Excel opens them (BOM, ``;``)."""
    batch = load_or_404(ImportBatch, batch_id)
    rows = db.session.scalars(
        sa.select(ImportRejection)
        .where(ImportRejection.batch_id == batch.id)
        .order_by(ImportRejection.row_number)
    ).all()
    headers = services.headers_of(batch)
    table = [[_("Row"), _("Reason"), *headers]]
    for row in rows:
        table.append([row.row_number, reason_label(row.reason),
                      *(row.data.get(h, "") for h in headers)])  # fmt: skip
    return csv_download(f"rejected-{batch.id}.csv", table)
