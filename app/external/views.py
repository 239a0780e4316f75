"""The external data company's page: a segment's file out, its corrections back, the
report. Staff and administrators; a zoned staff member exports and corrects only the
accounts of their zone."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.accounts.segments import count
from app.extensions import db
from app.external import services
from app.external.exporting import export_segment
from app.external.forms import ExportForm, ReturnForm
from app.external.refusals import ReturnRefused, sentence
from app.external.returning import receive_return
from app.imports.labels import import_field_label
from app.imports.models import ImportBatch, SourceKind
from app.jobs.models import JobRun
from app.jobs.runner import JOBS_UNAVAILABLE, JobsUnavailable, state_of
from app.security import Role, guard, load_or_404, zone_scope
from app.spreadsheets.reading import FileRefused
from app.workspace.forms import SegmentForm

bp = Blueprint("external", __name__, url_prefix="/external")
guard(bp, Role.STAFF, Role.ADMIN)


def _segment_form() -> SegmentForm:
    form = SegmentForm(request.args or None)
    form.load_choices(db.session)
    return form


def _page(return_form: ReturnForm, errors: list[str] | None = None, status: int = 200):
    form = _segment_form()
    segment = form.segment()
    segment.scope_zone_id = zone_scope(current_user)
    matching = count(db.session, segment) if form.validate() else 0
    body = render_template(
        "external/index.html",
        form=form,
        matching=matching,
        export_form=ExportForm(),
        return_form=return_form,
        errors=errors or [],
        batches=services.recent_returns(db.session),
        query=request.query_string.decode(),
    )
    return body, status


@bp.route("/")
def index():
    """Choose the segment and the format; send the company's file back; earlier returns."""
    return _page(ReturnForm())


@bp.route("/export", methods=["POST"])
def export():
    """The segment's file, audited (what left, and who) before it is sent."""
    form = _segment_form()
    export_form = ExportForm()
    if not (form.validate() and export_form.validate_on_submit()):
        return redirect(url_for(".index") + "?" + request.query_string.decode())
    segment = form.segment()
    segment.scope_zone_id = zone_scope(current_user)
    made = export_segment(db.session, segment, export_form.file_format.data or "xlsx",
                          user_id=current_user.id)  # fmt: skip
    db.session.commit()
    disposition = f'attachment; filename="{made.filename}"'
    return Response(made.body, mimetype=made.mimetype,
                    headers={"Content-Disposition": disposition})  # fmt: skip


@bp.route("/return", methods=["POST"])
def send_back():
    """The company's file: refused at once when its columns are wrong, else kept and
    applied by a job (whole, or refused whole); its page follows the job."""
    form = ReturnForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    upload = form.file.data
    folder = Path(current_app.config["IMPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".upload") as temporary:
        upload.save(temporary)
        temporary.flush()
        try:
            batch = receive_return(db.session, Path(temporary.name), upload.filename or "upload",
                                   user_id=current_user.id,
                                   zone_id=zone_scope(current_user))  # fmt: skip
        except ReturnRefused as exc:
            db.session.rollback()
            return _page(form, exc.errors, status=400)
        except FileRefused as exc:
            db.session.rollback()
            return _page(form, [str(exc)], status=400)
        except JobsUnavailable:
            db.session.rollback()
            return _page(form, [str(JOBS_UNAVAILABLE)], status=503)
    db.session.commit()
    return redirect(url_for(".report", batch_id=batch.id))


@bp.route("/<int:batch_id>")
def report(batch_id: int):
    """The job's progress while it runs; then what the company's file changed, per field,
    and what was refused and why; or why the whole file was refused, or that it failed."""
    batch = load_or_404(ImportBatch, batch_id)
    if batch.source_kind != SourceKind.EXTERNAL:  # another file's report is the import's
        return redirect(url_for("imports.batch", batch_id=batch.id))
    run = db.session.get(JobRun, batch.job_run_id) if batch.job_run_id else None
    imported = batch.report or {}
    return render_template("external/report.html", batch=batch,
                           job=state_of(run) if run is not None else None,
                           report=imported.get("external", {}), imported=imported,
                           refusals=[sentence(r) for r in imported.get("refused", [])],
                           field_label=import_field_label)  # fmt: skip
