"""Results pages: staff load returned files; supervisors, staff and administrators read the
conversion figures (a supervisor of a team: the campaigns open to it, as on the board;
zoned staff: their zone, as in distribution)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from app.campaigns.teams import visible_campaign_ids
from app.extensions import db
from app.results import files, labels, mapping
from app.results.figures import SILENT_DAYS, conversion, gather, nowhere
from app.results.forms import FiguresForm, UploadForm, mapping_form
from app.results.services import local_today
from app.security import Role, guard, roles, zone_scope
from app.spreadsheets.reading import FileRefused

bp = Blueprint("results", __name__, url_prefix="/results")
guard(bp, Role.SUPERVISOR, Role.STAFF, Role.ADMIN)

NOWHERE_SHOWN = 200


@bp.route("/")
def figures():
    """What became of the qualified accounts handed off: in all and per campaign, agent,
    zone, dealer and purchase horizon; the qualifications that led nowhere."""
    visible = visible_campaign_ids(db.session, current_user)
    form = FiguresForm(request.args)
    form.campaign.choices = labels.campaign_choices(db.session, visible)
    offered = {choice.value for choice in form.campaign.choices}
    chosen = form.campaign.data if form.campaign.data in offered else 0
    ids = {chosen} if chosen else visible
    items = gather(db.session, campaign_ids=ids, zone_id=zone_scope(current_user))
    today = local_today()
    agent = request.args.get("agent", type=int)
    shown = nowhere(items, today, agent)[:NOWHERE_SHOWN]
    return render_template(
        "results/figures.html",
        form=form,
        figures=conversion(items, today),
        names=labels.slice_names(db.session, items),
        nowhere=shown,
        accounts=labels.account_keys(db.session, shown),
        agent=agent,
        chosen=chosen,
        slice_titles=labels.SLICE_TITLES,
        silent_days=SILENT_DAYS,
    )


@bp.route("/upload", methods=["GET", "POST"])
@roles(Role.STAFF, Role.ADMIN)
def upload():
    """Receive a returned file; its columns are checked on the next page."""
    form = UploadForm()
    if form.validate_on_submit():
        folder = Path(current_app.config["IMPORT_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".upload") as temporary:
            form.file.data.save(temporary)
            temporary.flush()
            try:
                kept = files.receive(Path(temporary.name))
            except FileRefused as exc:
                form.file.errors = [str(exc)]
            else:
                return _mapping_page(kept, form.source.data, form.file.data.filename)
    return render_template("results/upload.html", form=form)


def _mapping_page(kept: files.Upload, source: str, filename: str | None, errors=()) -> str:
    suggested = mapping.suggest(kept.headers)
    form = mapping_form(kept.headers, suggested, upload=kept.name, source=source)
    return render_template(
        "results/mapping.html",
        form=form,
        kept=kept,
        filename=filename or "",
        errors=list(errors),
        fields=[form[f"col_{i}"] for i in range(len(kept.headers))],
    )


@bp.route("/load", methods=["POST"])
@roles(Role.STAFF, Role.ADMIN)
def load():
    """Record the file's results through the chosen columns: all of them, or none."""
    kept = files.reopen(request.form.get("upload", ""))
    if kept is None:
        abort(404)
    form = mapping_form(kept.headers, {})
    if not form.validate_on_submit():
        abort(400)
    chosen = form.mapping(kept.headers)
    errors = mapping.check(chosen, kept.headers)
    if errors:
        return _mapping_page(kept, form.source.data, request.form.get("filename"), errors)
    try:
        report = files.load(
            db.session,
            kept.name,
            chosen,
            source=form.source.data,
            actor=current_user.id,
            zone_id=zone_scope(current_user),
        )
    except FileRefused as exc:
        db.session.rollback()
        return _mapping_page(kept, form.source.data, request.form.get("filename"), [str(exc)])
    if report.landed:
        db.session.commit()
    else:
        db.session.rollback()
    status = 200 if report.landed else 422
    return render_template("results/report.html", report=report), status
