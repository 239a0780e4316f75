"""The agent desk: the home page, the call screen and the small JSON calls it makes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.campaigns.calendar import is_callable
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import list_campaigns
from app.columns import utcnow
from app.desk.forms import NextAccountForm, OutcomeForm, ReleaseForm
from app.desk.queue import begin_write, claim_next, release, renew_lease
from app.desk.services import (
    AnswersRejected,
    DeskError,
    dialled_phone,
    find_recorded,
    open_call,
    record_outcome,
    save_draft,
)
from app.extensions import db
from app.scripting.answers import AnswerError, clean_answer
from app.security import guard, load_or_404
from app.users.models import Role

bp = Blueprint("desk", __name__, url_prefix="/desk")
guard(bp, Role.AGENT)


@bp.route("/")
def home():
    """Agent home: the campaigns open for calls, each with its "next account" button."""
    return render_template(
        "desk/home.html",
        campaigns=list_campaigns(db.session, only_active=True),
        form=NextAccountForm(),
    )


def _active_campaign(campaign: Campaign) -> bool:
    return campaign.status == CampaignStatus.ACTIVE


@bp.route("/campaigns/<int:campaign_id>/next", methods=["POST"])
def next_account(campaign_id: int):
    """Lease the next account of the campaign and open it."""
    if not NextAccountForm().validate_on_submit():
        flash(_("The form has expired: try again."), "error")
        return redirect(url_for("desk.home"))
    begin_write(db.session)
    campaign = load_or_404(Campaign, campaign_id, allowed=_active_campaign)
    return _open_next(campaign)


def _open_next(campaign: Campaign):
    entry = claim_next(db.session, campaign, current_user.id)
    db.session.commit()
    if entry is not None:
        return redirect(url_for("desk.call", entry_id=entry.id))
    if not is_callable(utcnow(), campaign.calling_hours):
        flash(_("Outside calling hours: no account may be called now."), "info")
    else:
        flash(_("No account to call in this campaign right now."), "info")
    return redirect(url_for("desk.home"))


def _call_or_redirect(entry_id: int):
    try:
        return open_call(db.session, entry_id, current_user.id), None
    except DeskError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return None, redirect(url_for("desk.home"))


@bp.route("/calls/<int:entry_id>")
def call(entry_id: int):
    """The call screen: account card, history, script, outcomes."""
    begin_write(db.session)
    call, away = _call_or_redirect(entry_id)
    if away:
        return away
    db.session.commit()  # the draft row exists from now: the call's clock has started
    return _render_call(call)


def _render_call(call, errors: dict[str, list[str]] | None = None, status: int = 200):
    form = OutcomeForm(client_token=uuid.uuid4().hex)
    return (
        render_template(
            "desk/call.html",
            call=call,
            fields=call.fields,
            phone=dialled_phone(call.account),
            errors=errors or {},
            form=form,
            release_form=ReleaseForm(),
            timezone=current_app.config["TIMEZONE"],
        ),
        status,
    )


def _json_call(entry_id: int):
    try:
        return open_call(db.session, entry_id, current_user.id), None
    except DeskError as exc:
        db.session.rollback()
        return None, (jsonify(error=str(exc)), 409)


@bp.route("/calls/<int:entry_id>/draft", methods=["POST"])
def draft(entry_id: int):
    """Autosave: the form's fields as the desk sends them; also renews the lease."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("fields"), dict):
        return jsonify(error=_("The draft could not be read.")), 400
    fields = {k: v for k, v in payload["fields"].items() if _plain(v)}
    notes = payload.get("notes")
    if notes is not None and not isinstance(notes, str):
        return jsonify(error=_("The draft could not be read.")), 400
    begin_write(db.session)
    call, refused = _json_call(entry_id)
    if refused:
        return refused
    saved = save_draft(db.session, call, fields, notes)
    expires = renew_lease(db.session, entry_id, current_user.id)
    db.session.commit()
    return jsonify(saved_at=saved.updated_at.isoformat(), lease_expires_at=_iso(expires))


def _plain(value: Any) -> bool:
    """A form value: a string, or a list of strings (checkboxes)."""
    if isinstance(value, str):
        return len(value) <= 2000
    return isinstance(value, list) and len(value) <= 50 and all(isinstance(v, str) for v in value)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@bp.route("/calls/<int:entry_id>/lease", methods=["POST"])
def lease(entry_id: int):
    """Heartbeat of the open desk (every 30 s, and when the tab is visible again)."""
    begin_write(db.session)
    expires = renew_lease(db.session, entry_id, current_user.id)
    db.session.commit()
    if expires is None:
        return jsonify(error=_("This account is no longer assigned to you.")), 409
    return jsonify(lease_expires_at=expires.isoformat())


@bp.route("/calls/<int:entry_id>/check", methods=["POST"])
def check(entry_id: int):
    """Validate one answer as it is typed, by the same rules as the final save."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("value"), str):
        return jsonify(error=_("Nothing to check.")), 400
    call, refused = _json_call(entry_id)
    if refused:
        return refused
    try:
        question = call.script.question(str(payload.get("question")))
    except KeyError:
        return jsonify(error=_("Unknown question.")), 400
    finally:
        db.session.rollback()
    try:
        value = clean_answer(question, payload["value"])
    except AnswerError as exc:
        return jsonify(error=" ".join(str(m) for m in exc.args))
    return jsonify(error=None, normalised=value if isinstance(value, str) else None)


@bp.route("/calls/<int:entry_id>/outcome", methods=["POST"])
def outcome(entry_id: int):
    """Record the outcome (once, whatever the retries) and open the next account."""
    form = OutcomeForm()
    token = (form.client_token.data or "")[:64]
    if not form.validate_on_submit() or not token:
        flash(_("The form has expired: reload the page."), "error")
        return redirect(url_for("desk.call", entry_id=entry_id))
    begin_write(db.session)
    done = find_recorded(db.session, token)
    if done is not None and done.agent_id == current_user.id:
        return _after_outcome(done.campaign_id)  # a retried submit: already recorded
    call, away = _call_or_redirect(entry_id)
    if away:
        return away
    fields = {key: _form_value(key) for key in request.form if key.startswith("a.")}
    try:
        record_outcome(
            db.session,
            call,
            code=request.form.get("outcome", ""),
            fields=fields,
            notes=request.form.get("notes", "").strip()[:4000],
            client_token=token,
            callback_at=_callback_time(request.form.get("callback_at", "")),
        )
    except AnswersRejected as exc:
        save_draft(db.session, call, fields, request.form.get("notes"))
        db.session.commit()
        flash(str(exc), "error")
        return _render_call(call, errors=exc.errors, status=422)
    except DeskError as exc:
        save_draft(db.session, call, fields, request.form.get("notes"))
        db.session.commit()
        flash(str(exc), "error")
        return _render_call(call, status=422)
    db.session.commit()
    return _after_outcome(call.campaign.id)


def _form_value(key: str) -> str | list[str]:
    values = request.form.getlist(key)
    return values[0] if len(values) == 1 else values


def _callback_time(raw: str) -> datetime | None:
    """``datetime-local`` input, in the campaign's time zone, to an aware UTC time."""
    try:
        local = datetime.strptime(raw.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return local.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"])).astimezone(
        ZoneInfo("UTC")
    )


def _after_outcome(campaign_id: int):
    flash(_("Outcome saved."), "info")
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not _active_campaign(campaign):
        return redirect(url_for("desk.home"))
    begin_write(db.session)
    return _open_next(campaign)


@bp.route("/calls/<int:entry_id>/release", methods=["POST"])
def give_back(entry_id: int):
    """Stop without an outcome (end of shift): the account goes back to the queue."""
    if ReleaseForm().validate_on_submit():
        begin_write(db.session)
        call, away = _call_or_redirect(entry_id)
        if away:
            return away
        release(db.session, call.entry, current_user.id)
        db.session.commit()
        flash(_("The account went back to the queue."), "info")
    return redirect(url_for("desk.home"))
