"""The agent desk: the home page, the call screen and the small JSON calls it makes."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.accounts.phones import dialled_phone
from app.campaigns.calendar import ROME, is_callable
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.outcomes import DESK_KEYS
from app.campaigns.teams import may_work
from app.columns import utcnow
from app.desk import beat, moments
from app.desk.day_figures import my_day
from app.desk.forms import NextAccountForm, OutcomeForm, PauseForm, ReleaseForm, ResumeForm
from app.desk.held import find_recorded, held_script, keep_draft, start_call
from app.desk.home import desk_campaigns
from app.desk.payloads import callback_time, form_value, holds_nul, json_body, plain
from app.desk.queue import claim, release, renew_lease
from app.desk.services import (
    AnswersRejected,
    DeskError,
    LeaseLostError,
    discard_draft,
    keep_posted_answers,
    open_call,
    record_outcome,
    view_call,
)
from app.extensions import begin_write, db
from app.scripting.answers import AnswerError, clean_answer
from app.security import Role, guard, load_or_404
from app.workday.labels import pause_reason_label
from app.workday.machine import AgentState
from app.workday.models import PauseReason
from app.workday.reasons import active_reasons

bp = Blueprint("desk", __name__, url_prefix="/desk")
NOTES_LIMIT = 4000
guard(bp, Role.AGENT)


@bp.route("/")
def home():
    """Agent home: the active campaigns open to the agent's team, each with its "next
    account" button, or, outside its calling hours, when calls reopen; the agent's day."""
    state = moments.desk_state(db.session, current_user.id)
    return render_template(
        "desk/home.html",
        my_day=my_day(db.session, current_user.id, state.now),
        campaigns=desk_campaigns(db.session, current_user),
        team=current_user.team,
        form=NextAccountForm(),
        state=state,
        message=beat.line_for(db.session, current_user.id),
        pause_form=_pause_form() if state.state != AgentState.PAUSED else None,
        resume_form=ResumeForm(),
        desk_keys=DESK_KEYS,
    )


def _pause_form() -> PauseForm:
    form = PauseForm()
    form.reason.choices = [(r.id, pause_reason_label(r)) for r in active_reasons(db.session)]
    return form


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
    if not may_work(db.session, campaign, current_user):
        return _no_account(campaign)
    return _open_next(campaign)


def _open_next(campaign: Campaign):
    claimed = claim(db.session, campaign, current_user.id)
    if claimed is not None:
        start_call(db.session, claimed.entry_id, current_user.id)
        moments.took(db.session, current_user.id, campaign.id, claimed.account_id)
    db.session.commit()
    if claimed is not None:
        return redirect(url_for("desk.call", entry_id=claimed.entry_id))
    return _no_account(campaign)


def _no_account(campaign: Campaign):
    """Back to the desk's home, saying why no account came."""
    if not _active_campaign(campaign):
        return redirect(url_for("desk.home"))
    if not may_work(db.session, campaign, current_user):
        flash(_("This campaign is not open to your team: choose one on your desk."), "error")
    elif not is_callable(utcnow(), campaign.serving_hours):
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
    """The call screen: account card, history, script, outcomes. It only reads: the call's
    draft (and its clock) started when the account was claimed."""
    try:
        call = view_call(db.session, entry_id, current_user.id)
    except DeskError as exc:
        flash(str(exc), "error")
        return redirect(url_for("desk.home"))
    return _render_call(call)


def _render_call(call, errors: dict[str, list[str]] | None = None, status: int = 200,
                 callback_at: str = "", chosen_site: str = ""):  # fmt: skip
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
            timezone=ROME.key,
            callback_at=callback_at[:16],
            chosen_site=chosen_site[:20],
            desk_keys=DESK_KEYS,
            state=moments.desk_state(db.session, current_user.id),
            message=beat.line_for(db.session, current_user.id),
            reasons=active_reasons(db.session),
        ),
        status,
    )


@bp.route("/calls/<int:entry_id>/draft", methods=["POST"])
def draft(entry_id: int):
    """Autosave: the form's fields as the desk sends them; also renews the lease."""
    payload = json_body()
    if not isinstance(payload, dict) or not isinstance(payload.get("fields"), dict):
        return jsonify(error=_("The draft could not be read.")), 400
    fields = {k: v for k, v in payload["fields"].items() if plain(v)}
    notes = payload.get("notes")
    if notes is not None and not isinstance(notes, str):
        return jsonify(error=_("The draft could not be read.")), 400
    if holds_nul([notes, fields]):
        return jsonify(error=_("The draft could not be read.")), 400
    notes = notes[:NOTES_LIMIT] if notes else notes
    begin_write(db.session)
    try:
        saved = keep_draft(db.session, entry_id, current_user.id, fields, notes)
    except DeskError as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 409
    db.session.commit()
    return jsonify(saved_at=saved.saved_at.isoformat(),
                   lease_expires_at=saved.lease_expires_at.isoformat())  # fmt: skip


@bp.route("/calls/<int:entry_id>/lease", methods=["POST"])
def lease(entry_id: int):
    """Heartbeat of the open desk (every 30 s, and when the tab is visible again)."""
    begin_write(db.session)
    renewed = renew_lease(db.session, entry_id, current_user.id)
    if renewed is None:
        db.session.commit()
        return jsonify(error=_("This account is no longer assigned to you.")), 409
    shown = beat.heartbeat(db.session, current_user.id, json_body())  # the agent's state too
    db.session.commit()
    return jsonify(lease_expires_at=renewed.expires_at.isoformat(), **shown)


@bp.route("/calls/<int:entry_id>/check", methods=["POST"])
def check(entry_id: int):
    """Validate one answer as it is typed, by the same rules as the final save."""
    payload = json_body()
    if not isinstance(payload, dict) or not isinstance(payload.get("value"), str):
        return jsonify(error=_("Nothing to check.")), 400
    if len(payload["value"]) > 2000:
        return jsonify(error=_("Nothing to check.")), 400
    try:
        script = held_script(db.session, entry_id, current_user.id)
        question = script.question(str(payload.get("question")))
    except DeskError as exc:
        return jsonify(error=str(exc)), 409
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
    done = find_recorded(db.session, token, current_user.id, entry_id)
    if done is not None:
        return _after_outcome(done.campaign_id)  # a retried submit: already recorded
    fields = {key: form_value(key) for key in request.form if key.startswith("a.")}
    notes = request.form.get("notes", "").replace("\x00", "").strip()[:NOTES_LIMIT]
    callback_raw = request.form.get("callback_at", "")
    try:
        call = open_call(db.session, entry_id, current_user.id)
        campaign_id = call.campaign.id
        pause = _pause_after()
        record_outcome(
            db.session,
            call,
            code=request.form.get("outcome", ""),
            fields=fields,
            notes=notes,
            client_token=token,
            callback_at=callback_time(callback_raw),
            site=request.form.get("site", "")[:20] or None,
        )
        campaign = call.campaign
        claimed = _next_after(call, pause)
        db.session.commit()
    except IntegrityError:
        # The same submission raced itself (a retry while the first was saving): the first
        # recorded the call; this one just moves on.
        db.session.rollback()
        return _after_outcome(campaign_id)
    except DeskError as exc:
        db.session.rollback()
        keep_posted_answers(db.session, entry_id, current_user.id, fields, notes)
        db.session.commit()
        flash(str(exc), "error")
        if isinstance(exc, LeaseLostError):
            return redirect(url_for("desk.home"))
        errors = exc.errors if isinstance(exc, AnswersRejected) else {}
        call = view_call(db.session, entry_id, current_user.id)
        return _render_call(call, errors, 422, callback_raw, request.form.get("site", ""))
    flash(_("Outcome saved."), "info")
    if claimed is not None:
        return redirect(url_for("desk.call", entry_id=claimed.entry_id))
    if pause is not None:
        return redirect(url_for("desk.home"))
    return _no_account(campaign)


def _pause_after() -> PauseReason | None:
    """The reason of "pause after this call", if the agent chose one."""
    raw = request.form.get("pause_reason", "")
    if not raw:
        return None
    return moments.pause_reason_for(db.session, int(raw) if raw.isdigit() else None)


def _next_after(call, pause: PauseReason | None):
    """The next account, leased in the outcome's transaction (one commit, and the desk
    opens it at once), unless the agent pauses after this call; the state log follows.
    The next call's clock starts now, as with *Next account* (``start_call``)."""
    campaign = call.campaign
    claimed = None
    if pause is None and _active_campaign(campaign):
        claimed = claim(db.session, campaign, current_user.id)
        if claimed is not None:
            start_call(db.session, claimed.entry_id, current_user.id)
    moments.after_outcome(db.session, current_user.id, campaign_id=campaign.id,
                          called_account_id=call.account.id, pause=pause,
                          next_account_id=claimed.account_id if claimed else None)  # fmt: skip
    return claimed


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
        discard_draft(db.session, call.entry.id, current_user.id)
        moments.gave_back(db.session, current_user.id)
        db.session.commit()
        flash(_("The account went back to the queue."), "info")
    return redirect(url_for("desk.home"))


@bp.route('/calls/<int:entry_id>/<any(dial, answer, "hang-up"):moment>', methods=["POST"])
def call_moment(entry_id: int, moment: str):
    """The call's moments, from the call screen's keys and buttons: dial (the phone link),
    answered, hang up. Answers the state the desk shows, or a 409 with what to do."""
    begin_write(db.session)
    try:
        shown = moments.call_moment(db.session, entry_id, current_user.id,
                                    moments.CALL_MOMENTS[moment])  # fmt: skip
    except DeskError as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 409
    db.session.commit()
    return jsonify(shown.as_json())


@bp.route("/heartbeat", methods=["POST"])
def heartbeat():
    """The desk home's heartbeat (every 30 s): the agent is still there."""
    begin_write(db.session)
    shown = beat.heartbeat(db.session, current_user.id, json_body())
    db.session.commit()
    return jsonify(ok=True, **shown)


@bp.route("/pause", methods=["POST"])
def pause():
    """Stop taking calls, for the reason chosen on the desk's home."""
    form = PauseForm()
    return _home_moment(form, lambda: moments.pause(db.session, current_user.id, form.reason.data))


@bp.route("/resume", methods=["POST"])
def resume():
    """The pause is over: ready for the next account."""
    return _home_moment(ResumeForm(), lambda: moments.resume(db.session, current_user.id))


def _home_moment(form, change: Callable[[], None]):
    """A moment of the desk's home (pause, resume): back home, with what went wrong."""
    if not form.validate_on_submit():
        flash(_("The form has expired: try again."), "error")
        return redirect(url_for("desk.home"))
    begin_write(db.session)
    try:
        change()
    except DeskError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
    return redirect(url_for("desk.home"))
