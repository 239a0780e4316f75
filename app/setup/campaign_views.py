"""Campaigns in the browser: the list, each campaign's page, its form, its outcome set, a
copy, and activate / pause / close with their checks. Staff and administrators change
them; supervisors see them; agents nothing."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.campaigns.labels import campaign_status_label
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.outcomes import DESK_KEYS, rules_from_config
from app.campaigns.services import CampaignError, update_settings
from app.campaigns.teams import may_see, visible_campaign_ids
from app.columns import utcnow
from app.donotcall.interval import local_today
from app.extensions import db
from app.security import Role, guard, load_or_404, roles
from app.setup.activation import ChecksChanged, change_status, plan_change
from app.setup.campaign_editing import copy_campaign, edit_campaign, new_campaign
from app.setup.campaign_forms import CampaignForm, CloneForm, StatusChangeForm
from app.setup.campaign_overview import (
    campaign_detail,
    campaign_rows,
    script_choices,
    team_choices,
)
from app.setup.outcome_forms import OutcomesForm

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
guard(bp, Role.STAFF, Role.ADMIN, Role.SUPERVISOR)
EDITORS = (Role.STAFF, Role.ADMIN)


def _editor() -> bool:
    return current_user.role in EDITORS


def _open(campaign: Campaign):
    """A closed campaign can no longer change: back to its page, saying so."""
    if campaign.status != CampaignStatus.CLOSED:
        return None
    flash(_("This campaign is closed: it can no longer change. Make a copy to run it again."),
          "error")  # fmt: skip
    return redirect(url_for(".show", campaign_id=campaign.id))


@bp.route("/")
def index():
    """Every campaign: status, script version, queue, redemption against target, the
    do-not-call check."""
    visible = visible_campaign_ids(db.session, current_user)
    rows, register = campaign_rows(db.session, local_today(), visible)
    return render_template(
        "setup/campaigns/index.html", rows=rows, register=register, can_edit=_editor()
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new():
    form = CampaignForm()
    form.load(script_choices(db.session), team_choices(db.session, None), None)
    if form.validate_on_submit():
        try:
            campaign = new_campaign(db.session, code=form.code.data,
                                    call_script_id=form.call_script_id.data,
                                    team_ids=form.teams.data, user_id=current_user.id,
                                    **form.settings())  # fmt: skip
        except CampaignError as exc:
            db.session.rollback()
            form.refuse(exc)
        else:
            db.session.commit()
            flash(_("Campaign %(code)s created as a draft.", code=campaign.code), "success")
            return redirect(url_for(".show", campaign_id=campaign.id))
    return render_template("setup/campaigns/form.html", form=form, campaign=None)


@bp.route("/<int:campaign_id>")
def show(campaign_id: int):
    """One campaign, read-only: settings, outcomes, calling hours, queue and figures (a
    supervisor of a team: only the campaigns open to it, as on the board)."""
    campaign = load_or_404(
        Campaign, campaign_id, allowed=lambda c: may_see(db.session, c, current_user)
    )
    detail = campaign_detail(db.session, campaign, local_today(), utcnow())
    return render_template(
        "setup/campaigns/show.html", campaign=campaign, detail=detail, can_edit=_editor()
    )


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit(campaign_id: int):
    campaign = load_or_404(Campaign, campaign_id)
    if (closed := _open(campaign)) is not None:
        return closed
    form = CampaignForm().for_editing()
    form.load(script_choices(db.session), team_choices(db.session, campaign), campaign)
    if form.validate_on_submit():
        try:
            changed = edit_campaign(db.session, campaign, call_script_id=form.call_script_id.data,
                                    team_ids=form.teams.data, user_id=current_user.id,
                                    **form.settings())  # fmt: skip
        except CampaignError as exc:
            db.session.rollback()
            form.refuse(exc)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".show", campaign_id=campaign.id))
    return render_template("setup/campaigns/form.html", form=form, campaign=campaign)


@bp.route("/<int:campaign_id>/outcomes", methods=["GET", "POST"])
@roles(*EDITORS)
def outcomes(campaign_id: int):
    """The outcome set: labels, Alt keys, flags and recycle rules; add, remove, reorder."""
    campaign = load_or_404(Campaign, campaign_id)
    if (closed := _open(campaign)) is not None:
        return closed
    form = OutcomesForm()
    if not form.is_submitted():
        form.fill(list(rules_from_config(campaign.outcomes).values()))
    if form.validate_on_submit():
        config = None if form.restore.data else form.outcomes_config()
        try:
            update_settings(db.session, campaign, user_id=current_user.id, outcomes=config)
        except CampaignError as exc:
            db.session.rollback()
            form.refuse(exc)
        else:
            db.session.commit()
            flash(_("The outcomes are saved."), "success")
            return redirect(url_for(".show", campaign_id=campaign.id) + "#outcomes")
    return render_template(
        "setup/campaigns/outcomes.html", form=form, campaign=campaign, desk_keys=DESK_KEYS
    )


@bp.route("/<int:campaign_id>/clone", methods=["GET", "POST"])
@roles(*EDITORS)
def clone(campaign_id: int):
    """A copy as a draft, under a new code and name, with an empty queue."""
    source = load_or_404(Campaign, campaign_id)
    form = CloneForm()
    if not form.is_submitted():
        form.name.data = _("%(name)s (copy)", name=source.name)[:120]
    if form.validate_on_submit():
        try:
            copy = copy_campaign(db.session, source, code=form.code.data, name=form.name.data,
                                 user_id=current_user.id)  # fmt: skip
        except CampaignError as exc:
            db.session.rollback()
            form.refuse(exc)
        else:
            db.session.commit()
            flash(_("Copy %(code)s made as a draft: its queue is empty.", code=copy.code),
                  "success")  # fmt: skip
            return redirect(url_for(".show", campaign_id=copy.id))
    return render_template("setup/campaigns/clone.html", form=form, campaign=source)


@bp.route("/<int:campaign_id>/status/<any(activate, pause, close):action>", methods=["GET", "POST"])
@roles(*EDITORS)
def status(campaign_id: int, action: str):
    """The checks of the change, written out; the change once the user confirms."""
    campaign = load_or_404(Campaign, campaign_id)
    form, code = StatusChangeForm(), 200
    if form.validate_on_submit():
        try:
            change_status(db.session, campaign, action, confirmed=form.confirmed_warnings(),
                          today=local_today(), now=utcnow(), user_id=current_user.id)  # fmt: skip
        except CampaignError as exc:
            db.session.rollback()
            flash(str(exc), "warn" if isinstance(exc, ChecksChanged) else "error")
            code = 409
        else:
            db.session.commit()
            flash(_("The campaign is now: %(status)s.",
                    status=campaign_status_label(campaign.status)), "success")  # fmt: skip
            return redirect(url_for(".show", campaign_id=campaign.id))
    change = plan_change(db.session, campaign, action, today=local_today(), now=utcnow())
    form.confirmed.data = ",".join(change.warnings)
    return render_template(
        "setup/campaigns/status.html", form=form, campaign=campaign, change=change
    ), code
