"""The do-not-call page: the list's date and warnings, load a file, add by hand, search."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.donotcall import interval, search, services
from app.donotcall.forms import SOURCE_LABELS, AddForm, SearchForm, UploadForm
from app.extensions import db
from app.security import Role, guard
from app.spreadsheets.reading import Limits

bp = Blueprint("donotcall", __name__, url_prefix="/do-not-call")
guard(bp, Role.STAFF, Role.ADMIN)


def _page(upload: UploadForm, add: AddForm, status: int = 200, **extra):
    today = interval.local_today()
    search_form = SearchForm(request.args)
    found = None
    if request.args.get("q") is not None and search_form.validate():
        found = search.look_up(db.session, search_form.q.data)
    return render_template(
        "donotcall/index.html",
        upload_form=upload,
        add_form=add,
        search_form=search_form,
        found=found,
        check=interval.register_check(db.session, today),
        warnings=interval.campaign_warnings(db.session, today),
        counts=interval.entries_by_source(db.session),
        lists=interval.recent_lists(db.session),
        source_labels=SOURCE_LABELS,
        **extra,
    ), status


@bp.route("/")
def index():
    return _page(UploadForm(), AddForm())


@bp.route("/upload", methods=["POST"])
def upload():
    """Load a file as one list, all or nothing."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, AddForm(), 400)
    upload = form.file.data
    with tempfile.NamedTemporaryFile(suffix=".dnc") as temporary:
        upload.save(temporary)
        temporary.flush()
        try:
            loaded = services.load_list(
                db.session,
                Path(temporary.name),
                filename=upload.filename or "upload",
                source=form.source.data,
                list_date=form.list_date.data,
                today=interval.local_today(),
                max_bytes=current_app.config["IMPORT_MAX_BYTES"],
                limits=Limits.from_config(current_app.config),
                user_id=current_user.id,
            )
        except services.DncError as exc:
            db.session.rollback()
            form.file.errors = [str(exc)]
            return _page(form, AddForm(), 400)
    db.session.commit()
    flash(
        _(
            "List loaded: %(entries)s entries; %(flagged)s accounts newly marked do-not-call, "
            "%(withdrawn)s taken out of campaign queues.",
            entries=loaded.entries,
            flagged=loaded.applied.flagged,
            withdrawn=loaded.applied.withdrawn,
        ),
        "info",
    )
    return redirect(url_for(".index"))


@bp.route("/add", methods=["POST"])
def add():
    """Staff put one number, VAT number or account on the list."""
    form = AddForm()
    if not form.validate_on_submit():
        return _page(UploadForm(), form, 400)
    try:
        __, applied = services.add_by_hand(
            db.session,
            phone=form.phone.data,
            vat_number=form.vat_number.data,
            account_key=form.account_key.data,
            reason=form.reason.data,
            user_id=current_user.id,
        )
    except services.DncError as exc:
        db.session.rollback()
        return _page(UploadForm(), form, 400, add_error=str(exc))
    db.session.commit()
    flash(
        _("Added to the list; %(flagged)s accounts newly marked do-not-call.",
          flagged=applied.flagged),
        "info",
    )  # fmt: skip
    return redirect(url_for(".index"))
