"""Import pages: upload, map the columns, follow the job, read the report, review pairs."""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.labels import reason_label
from app.accounts.models import Account
from app.extensions import db
from app.imports import services
from app.imports.doubts import EDITABLE, StaleAccount, open_flags, resolve
from app.imports.forms import (
    DecisionForm,
    DoubtForm,
    RetryForm,
    UndoForm,
    UploadForm,
    mapping_form,
)
from app.imports.merging import MergeError, merge_pair, reject_pair, undo_merge
from app.imports.models import (
    AccountFlag,
    AccountMerge,
    BatchStatus,
    DuplicatePair,
    FlagStatus,
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
PAIR_FIELDS = (
    "key", "company_name", "legal_form", "street", "house_number", "postcode",
    "municipality", "province", "istat_code", "vat_number", "tax_code", "email", "status",
)  # fmt: skip


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


@bp.route("/review")
def review():
    """The pairs that may be one company, best score first."""
    pairs = db.session.scalars(
        sa.select(DuplicatePair)
        .where(DuplicatePair.status == PairStatus.PENDING)
        .order_by(DuplicatePair.score.desc(), DuplicatePair.id)
        .limit(200)
    ).all()
    accounts = _accounts({i for p in pairs for i in (p.account_a_id, p.account_b_id)})
    merges = db.session.scalars(
        sa.select(AccountMerge).order_by(AccountMerge.id.desc()).limit(20)
    ).all()
    accounts |= _accounts({i for m in merges for i in (m.survivor_id, m.merged_id)})
    return render_template(
        "imports/review.html", pairs=pairs, accounts=accounts, merges=merges, undo_form=UndoForm()
    )


def _accounts(ids: set[int]) -> dict[int, Account]:
    if not ids:
        return {}
    return {a.id: a for a in db.session.scalars(sa.select(Account).where(Account.id.in_(ids)))}


@bp.route("/review/<int:pair_id>", methods=["GET", "POST"])
def pair(pair_id: int):
    """Two accounts side by side; the person decides."""
    pair = load_or_404(DuplicatePair, pair_id)
    form = DecisionForm()
    if form.validate_on_submit():
        if pair.status != PairStatus.PENDING:
            flash(_("This pair has already been decided."), "error")
            return redirect(url_for(".review"))
        try:
            if form.same.data:
                merge_pair(db.session, pair, user_id=current_user.id)
                flash(_("Merged."), "info")
            else:
                reject_pair(db.session, pair, user_id=current_user.id)
                flash(_("Kept as two companies."), "info")
        except MergeError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".pair", pair_id=pair.id))
        db.session.commit()
        following = db.session.scalar(
            sa.select(DuplicatePair.id)
            .where(DuplicatePair.status == PairStatus.PENDING)
            .order_by(DuplicatePair.score.desc(), DuplicatePair.id)
            .limit(1)
        )
        if following is not None:
            return redirect(url_for(".pair", pair_id=following))
        return redirect(url_for(".review"))
    left = db.session.get_one(Account, pair.account_a_id)
    right = db.session.get_one(Account, pair.account_b_id)
    return render_template(
        "imports/pair.html", pair=pair, left=left, right=right, form=form, fields=PAIR_FIELDS
    )


@bp.route("/merges/<int:merge_id>/undo", methods=["POST"])
def undo(merge_id: int):
    merge = load_or_404(AccountMerge, merge_id)
    if not UndoForm().validate_on_submit():
        abort(400)
    try:
        undo_merge(db.session, merge, user_id=current_user.id)
    except MergeError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The merge was undone: both accounts are back."), "info")
    return redirect(url_for(".review"))


@bp.route("/doubts")
def doubts():
    """Accounts with values an import could not decide, most doubts first."""
    reason = request.args.get("reason") or None
    query = (
        sa.select(AccountFlag.account_id, sa.func.count(AccountFlag.id).label("n"))
        .where(AccountFlag.status == FlagStatus.OPEN)
        .group_by(AccountFlag.account_id)
        .order_by(sa.func.count(AccountFlag.id).desc(), AccountFlag.account_id)
        .limit(200)
    )
    if reason:
        query = query.where(AccountFlag.reason == reason)
    rows = db.session.execute(query).all()
    accounts = _accounts({r.account_id for r in rows})
    reasons = db.session.execute(
        sa.select(AccountFlag.reason, sa.func.count(AccountFlag.id))
        .where(AccountFlag.status == FlagStatus.OPEN)
        .group_by(AccountFlag.reason)
        .order_by(sa.func.count(AccountFlag.id).desc())
    ).all()
    return render_template(
        "imports/doubts.html", rows=rows, accounts=accounts, reasons=reasons, reason=reason
    )


@bp.route("/doubts/<int:account_id>", methods=["GET", "POST"])
def doubt(account_id: int):
    """One account's doubts: correct each value, or keep it as it is. The page carries the
    account's version, so a save over someone else's newer one is refused, not merged."""
    account = load_or_404(Account, account_id)
    form = DoubtForm()
    errors: dict[str, list[str]] = {}
    version, posted, status = account.version, request.form, 200
    if form.validate_on_submit():
        keep = {int(v) for v in request.form.getlist("keep") if v.isdigit()}
        submitted = {name: request.form[name] for name in EDITABLE if name in request.form}
        try:
            outcome = resolve(db.session, account, submitted, keep, user_id=current_user.id,
                              version=form.loaded_version())  # fmt: skip
            if not outcome.errors:
                db.session.commit()
                flash(_("Saved: the account is ready.") if outcome.ready else _("Saved."), "info")
                return redirect(url_for(".doubts"))
        except (StaleAccount, StaleDataError):
            db.session.rollback()  # the account is read again: its values are the current ones
            flash(str(StaleAccount()), "error")
            version, posted, status = account.version, {}, 409
        else:
            db.session.rollback()
            errors = outcome.errors
            version = form.loaded_version() or version
    flags = open_flags(db.session, account.id)
    page = render_template(
        "imports/doubt.html",
        account=account,
        flags=flags,
        form=form,
        errors=errors,
        editable=EDITABLE,
        version=version,
        values={name: posted.get(name, getattr(account, name) or "") for name in EDITABLE},
    )
    return page, status
