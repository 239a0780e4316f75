"""Distribution pages: who gets which account, waves, export runs and their downloads.

A staff member with a zone on their user sees, builds and exports only that zone: every
query takes ``zone_scope(current_user)``, and every wave or export run is loaded through
``_wave`` / ``_run``, which refuse (403) another zone's."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.security import safe_join
from wtforms.fields.choices import SelectChoice

from app.audit.services import record
from app.distribution import listing
from app.distribution.exporting import includes_pdf, published_dir, refresh, start_export
from app.distribution.forms import ActionForm, ExportForm, OwnerForm, WaveForm
from app.distribution.models import ExportRun, ExportStatus, Wave, WaveStatus
from app.distribution.services import (
    DistributionError,
    assign_owner,
    cancel_wave,
    confirm_wave,
    create_wave,
    mark_sent,
    overview,
    preview_wave,
    wave_summary,
)
from app.extensions import db
from app.jobs.runner import JobsUnavailable
from app.security import Role, guard, in_zone, load_or_404, zone_scope
from app.territory.models import Salesperson, Zone

bp = Blueprint("distribution", __name__, url_prefix="/distribution")
guard(bp, Role.STAFF, Role.ADMIN)

UNCOVERED_SHOWN = 200


def _owner_form(uncovered, zone_id: int | None) -> OwnerForm:
    form = OwnerForm()
    form.account_ids.choices = [
        SelectChoice(c.account_id, c.key) for c in uncovered[:UNCOVERED_SHOWN]
    ]
    form.salesperson.choices = [SelectChoice(0, "—")] + [
        SelectChoice(p.id, f"{p.code} · {p.full_name} ({p.dealer.code})")
        for p in listing.active_salespeople(db.session, zone_id)
    ]
    return form


@bp.route("/")
def home():
    """Where the waiting qualified accounts would go, the uncovered ones, and the waves."""
    zone_id = zone_scope(current_user)
    found = overview(db.session, zone_id)
    shown = found.uncovered[:UNCOVERED_SHOWN]
    return render_template(
        "distribution/home.html",
        found=found,
        uncovered=shown,
        names=listing.company_names(db.session, (c.account_id for c in shown)),
        people=listing.salespeople_by_id(db.session),
        waves=listing.recent_waves(db.session, zone_id),
        wave_form=WaveForm(formdata=None),
        owner_form=_owner_form(found.uncovered, zone_id),
        zone=db.session.get(Zone, zone_id) if zone_id is not None else None,
    )


@bp.post("/owners")
def assign_owners():
    zone_id = zone_scope(current_user)
    found = overview(db.session, zone_id)
    form = _owner_form(found.uncovered, zone_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for(".home"))
    person = load_or_404(Salesperson, form.salesperson.data)
    try:
        changed = assign_owner(
            db.session, form.account_ids.data, person, by=current_user.id, zone_id=zone_id
        )
    except DistributionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".home"))
    db.session.commit()
    flash(
        _("%(num)s accounts now belong to %(name)s.", num=changed, name=person.full_name),
        "success",
    )
    return redirect(url_for(".home"))


@bp.route("/waves/new", methods=["GET", "POST"])
def new_wave():
    """Preview (GET with the form's values) and create (POST) a draft wave."""
    form = WaveForm() if request.method == "POST" else WaveForm(request.args or None)
    zone_id = zone_scope(current_user)
    dealt = None
    if request.method == "POST" and form.validate_on_submit() and form.create.data:
        try:
            wave = create_wave(
                db.session,
                form.label.data,
                form.per_salesperson.data,
                by=current_user.id,
                zone_id=zone_id,
            )
        except DistributionError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Draft wave created: check it, then confirm it."), "success")
            return redirect(url_for(".wave", wave_id=wave.id))
    # A preview changes nothing: it is a plain GET, which carries no CSRF token.
    if (request.args or request.method == "POST") and (form.validate() or _only_csrf(form)):
        dealt = preview_wave(db.session, form.per_salesperson.data, zone_id)
    return render_template(
        "distribution/new_wave.html",
        form=form,
        dealt=dealt,
        people=listing.salespeople_by_id(db.session),
    )


def _only_csrf(form: WaveForm) -> bool:
    return request.method == "GET" and set(form.errors) == {"csrf_token"}


def _in_scope(wave: Wave) -> bool:
    return in_zone(current_user, wave.zone_id)


def _wave(wave_id: int, *, lock: bool = False) -> Wave:
    """The wave, if in the user's zone; locked for the rest of the transaction when it is
    about to change, so a confirm and a cancel sent together run one after the other."""
    return load_or_404(Wave, wave_id, allowed=_in_scope, lock=lock)


def _run(run_id: int) -> ExportRun:
    """An export run, if its wave is in the user's zone."""
    return load_or_404(ExportRun, run_id, allowed=lambda run: _in_scope(run.wave))


@bp.route("/waves/<int:wave_id>")
def wave(wave_id: int):
    found = _wave(wave_id)
    runs = listing.export_runs(db.session, found)
    return render_template(
        "distribution/wave.html",
        wave=found,
        summary=wave_summary(db.session, found),
        people=listing.salespeople_by_id(db.session),
        runs=runs,
        action_form=ActionForm(),
        export_form=ExportForm(formdata=None),
        done_export=any(r.status == ExportStatus.DONE for r in runs),
    )


def _wave_action(wave_id: int, action, success: str):
    found = _wave(wave_id, lock=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(db.session, found, by=current_user.id)
    except DistributionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for(".wave", wave_id=found.id))


@bp.post("/waves/<int:wave_id>/confirm")
def confirm(wave_id: int):
    return _wave_action(
        wave_id, confirm_wave, _("Wave confirmed: its accounts are now distributed.")
    )


@bp.post("/waves/<int:wave_id>/cancel")
def cancel(wave_id: int):
    return _wave_action(
        wave_id, cancel_wave, _("Wave cancelled: its accounts are waiting for a salesperson again.")
    )


@bp.post("/waves/<int:wave_id>/sent")
def sent(wave_id: int):
    return _wave_action(wave_id, mark_sent, _("Wave marked as sent."))


@bp.post("/waves/<int:wave_id>/export")
def export(wave_id: int):
    found = _wave(wave_id, lock=True)
    form = ExportForm()
    if not form.validate_on_submit():
        flash(_("Choose the language of the files."), "error")
        return redirect(url_for(".wave", wave_id=found.id))
    back = url_for(".wave", wave_id=found.id)
    return _start_export(found, form.locale.data, form.pdf.data, back)


def _start_export(wave: Wave, locale: str, pdf: bool, back: str):
    """Start an export and show its progress, or go ``back`` saying why it cannot start."""
    try:
        run = start_export(db.session, wave, locale=locale, pdf=pdf, by=current_user.id)
    except (DistributionError, JobsUnavailable) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    return redirect(url_for(".export_run", run_id=run.id))


@bp.route("/exports/<int:run_id>")
def export_run(run_id: int):
    run = _run(run_id)
    state = refresh(db.session, run)
    return render_template(
        "distribution/export.html",
        run=run,
        state=state,
        action_form=ActionForm(),
        dealer_names=listing.dealer_names(db.session),
    )


@bp.route("/exports/<int:run_id>/status")
def export_status(run_id: int):
    """The run's progress in the shape ``static/js/progress.js`` polls."""
    run = _run(run_id)
    state = refresh(db.session, run)
    status = {"done": "finished"}.get(state.status, state.status)
    return jsonify(
        status=status,
        percent=state.percent,
        progress=state.done,
        total=state.total,
        message=state.message,
    )


@bp.post("/exports/<int:run_id>/again")
def export_again(run_id: int):
    run = _run(run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    pdf = includes_pdf(db.session, run)
    wave = _wave(run.wave_id, lock=True)
    return _start_export(wave, run.locale, pdf, url_for(".export_run", run_id=run.id))


def _published(run_id: int) -> ExportRun:
    run = _run(run_id)
    if run.status != ExportStatus.DONE or published_dir(run) is None:
        abort(404)
    if run.wave.status == WaveStatus.CANCELLED:
        abort(410)  # its accounts went back to the pool: these files must not go out
    return run


def _send(run: ExportRun, relative: str, name: str, accounts: list[str], **details):
    path = safe_join(str(published_dir(run)), relative)
    if path is None:
        abort(404)
    record(
        db.session,
        "distribution.download",
        user_id=current_user.id,
        obj=run,
        file=name,
        accounts=accounts,
        **details,
    )
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=name, max_age=0)


@bp.route("/exports/<int:run_id>/download")
def download_all(run_id: int):
    run = _published(run_id)
    keys = [k for p in run.manifest["salespeople"] for k in p["account_keys"]]
    name = run.manifest["zip"]["name"]
    return _send(run, name, name, keys, wave=run.wave_id)


@bp.route("/exports/<int:run_id>/salespeople/<int:salesperson_id>.zip")
def download_one(run_id: int, salesperson_id: int):
    run = _published(run_id)
    person = next(
        (p for p in run.manifest["salespeople"] if p["salesperson_id"] == salesperson_id), None
    )
    if person is None:
        abort(404)
    name = person["zip"]["name"]
    return _send(
        run, f"salespeople/{name}", name, person["account_keys"], salesperson=person["code"]
    )
