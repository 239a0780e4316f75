"""The call script pages: the scripts and their versions, upload, the editor (check,
preview, save), differences between two versions, and campaigns switched to the newest
version. Staff and administrators change scripts; supervisors look."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.phones import dialled_phone
from app.campaigns.calendar import ROME
from app.campaigns.models import Campaign
from app.extensions import db
from app.scripting.models import CallScript
from app.scripting.schema import Script
from app.scripting.services import script_of
from app.security import Role, guard, load_or_404, roles
from app.setup import script_editing as editing
from app.setup.script_diff import side_by_side
from app.setup.script_forms import CompareForm, EditorForm, SwitchForm, UploadScriptForm
from app.setup.script_preview import preview_call, unsaved

bp = Blueprint("scripts", __name__, url_prefix="/scripts")
guard(bp, Role.STAFF, Role.ADMIN, Role.SUPERVISOR)
EDITORS = (Role.STAFF, Role.ADMIN)


def _can_edit() -> bool:
    return current_user.role in EDITORS


@bp.route("/")
def index():
    """Every script with its newest version; staff upload a file here."""
    return _index(UploadScriptForm())


def _index(form: UploadScriptForm, status: int = 200):
    return render_template(
        "setup/scripts/index.html",
        scripts=editing.list_scripts(db.session),
        form=form,
        can_edit=_can_edit(),
    ), status


@bp.route("/upload", methods=["POST"])
@roles(*EDITORS)
def upload():
    """A file: saved as a new version if it is good; otherwise its problems, with the text
    in the editor to correct it."""
    form = UploadScriptForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    try:
        text = editing.read_upload(form.file.data.read(editing.SCRIPT_MAX_BYTES + 1))
    except editing.EditingError as exc:
        form.file.errors = [str(exc)]
        return _index(form, 400)
    return _save(EditorForm(formdata=None, text=text))


@bp.route("/new")
@roles(*EDITORS)
def new():
    return _editor(EditorForm())


@bp.route("/<int:script_id>/edit")
@roles(*EDITORS)
def edit(script_id: int):
    """The editor, starting from a version's text: saving makes a new version."""
    stored = load_or_404(CallScript, script_id)
    return _editor(EditorForm(formdata=None, text=stored.source_text), base=stored)


@bp.route("/editor", methods=["POST"])
@roles(*EDITORS)
def editor():
    """One of the editor's buttons: check, preview or save the text."""
    form = EditorForm()
    if not form.validate_on_submit():
        return _editor(form, status=400)
    try:
        form.text.data = editing.clean_text(form.text.data)
    except editing.EditingError as exc:
        form.text.errors = [str(exc)]
        return _editor(form, status=400)
    if form.save.data:
        return _save(form)
    checked = editing.check_text(form.text.data)
    if form.preview.data and checked.script is not None:
        version = editing.next_version(db.session, checked)
        stored = unsaved(checked.script.name, version, checked.text)
        return _editor(form, checked=checked, preview=_preview_context(stored, checked.script))
    return _editor(form, checked=checked, status=200 if checked.ok else 422)


def _save(form: EditorForm):
    try:
        saved = editing.save_text(db.session, form.text.data, user_id=current_user.id)
    except editing.ScriptRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _editor(form, checked=exc.checked, status=422)
    db.session.commit()
    stored = saved.stored
    if saved.created:
        flash(_("Saved: %(name)s version %(version)d.", name=stored.name,
                version=stored.version), "info")  # fmt: skip
    else:
        flash(_("Identical to %(name)s version %(version)d: no new version.",
                name=stored.name, version=stored.version), "info")  # fmt: skip
    return redirect(url_for(".version", script_id=stored.id))


def _editor(
    form: EditorForm,
    status: int = 200,
    base: CallScript | None = None,
    checked: editing.Checked | None = None,
    preview: dict | None = None,
):
    return render_template(
        "setup/scripts/editor.html",
        form=form,
        base=base,
        checked=checked,
        lines=(form.text.data or "").count("\n") + 1,
        **(preview or {"preview": False}),
    ), status


def _preview_context(stored: CallScript, script: Script) -> dict:
    """What the desk's call screen template needs, for a preview."""
    call = preview_call(stored, script)
    return {
        "call": call,
        "fields": call.fields,
        "phone": dialled_phone(call.account),
        "errors": {},
        "timezone": ROME.key,
        "callback_at": "",
        "preview": True,
    }


@bp.route("/<int:script_id>")
def version(script_id: int):
    """A version: its text, every version of its script, and the campaigns on them."""
    stored = load_or_404(CallScript, script_id)
    rows = editing.versions_of(db.session, stored.name)
    return render_template(
        "setup/scripts/version.html",
        stored=stored,
        rows=rows,
        latest=rows[0].stored,
        switch_form=SwitchForm(seen=rows[0].stored.id),
        can_edit=_can_edit(),
    )


@bp.route("/<int:script_id>/preview")
def preview(script_id: int):
    """A stored version on the agent's call screen, with a sample account."""
    stored = load_or_404(CallScript, script_id)
    return render_template(
        "setup/scripts/preview.html", stored=stored, **_preview_context(stored, script_of(stored))
    )


@bp.route("/<int:script_id>/diff")
def diff(script_id: int):
    """This version beside another of its script (the previous one unless chosen)."""
    stored = load_or_404(CallScript, script_id)
    others = [r.stored for r in editing.versions_of(db.session, stored.name)]
    form = CompareForm(request.args)
    form.against.choices = [(o.id, f"v{o.version}") for o in others if o.id != stored.id]
    against = editing.previous_version(db.session, stored)
    if request.args.get("against") and form.validate():
        against = load_or_404(CallScript, form.against.data)
    if against is not None:
        form.against.data = against.id
    rows = side_by_side(against.source_text, stored.source_text) if against else None
    return render_template(
        "setup/scripts/diff.html", stored=stored, against=against, rows=rows, form=form
    )


@bp.route("/campaigns/<int:campaign_id>/use-newest", methods=["POST"])
@roles(*EDITORS)
def use_newest(campaign_id: int):
    """One campaign onto the newest version of its script; calls keep their version."""
    campaign = load_or_404(Campaign, campaign_id, lock=True)
    form = SwitchForm()
    back = _script_page(campaign)
    if not form.validate_on_submit():
        flash(_("The form has expired: reload the page and try again."), "error")
        return redirect(back)
    try:
        stored = editing.switch_to_latest(
            db.session, campaign, seen_id=form.seen.data, user_id=current_user.id
        )
    except editing.EditingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Campaign %(code)s now uses %(name)s version %(version)d; calls already made "
            "keep the version they were made with.", code=campaign.code, name=stored.name,
            version=stored.version), "info")  # fmt: skip
    return redirect(url_for(".version", script_id=stored.id))


def _script_page(campaign: Campaign) -> str:
    newest = editing.newest_for(db.session, campaign)
    return url_for(".version", script_id=newest.id) if newest else url_for(".index")
