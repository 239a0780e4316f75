from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.accounts.forms import QueueSegmentForm, SegmentForm
from app.accounts.segments import Plan, Segment, account_ids, active_salespeople, count
from app.accounts.services import status_counts, zone_counts
from app.audit.services import record
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import SELECTABLE, list_campaigns
from app.desk.queue import enqueue_accounts
from app.extensions import db
from app.security import Role, guard, zone_scope

bp = Blueprint("accounts", __name__, url_prefix="/workspace")
guard(bp, Role.STAFF, Role.ADMIN)


@bp.route("/")
def workspace():
    """Staff home: the state of the account base (a zoned staff member's zone only)."""
    zone_id = zone_scope(current_user)
    counts = status_counts(db.session, zone_id)
    return render_template(
        "accounts/workspace.html",
        counts=counts,
        total=sum(counts.values()),
        zones=zone_counts(db.session, zone_id),
    )


def _segment_form() -> SegmentForm:
    # No query string: the defaults (ready accounts); with one, an empty list means any.
    form = SegmentForm(request.args or None)
    form.load_choices(db.session)
    return form


def _chosen(form: SegmentForm) -> Segment:
    """The form's segment, confined to the user's zone when they have one: counts, plans
    and queues of a zoned staff member never reach another zone's accounts."""
    segment = form.segment()
    segment.scope_zone_id = zone_scope(current_user)
    return segment


def _plan(form: SegmentForm, matching: int) -> Plan | None:
    if not form.validate():
        return None
    salespeople = form.salespeople.data
    if salespeople is None:
        salespeople = active_salespeople(db.session, _chosen(form))
    redemption = (form.redemption.data or Decimal(60)) / 100
    return Plan(salespeople, form.accounts_each.data or 50, redemption, matching)


@bp.route("/segment")
def segment():
    """The segment builder: filters, the live count and the plan's arithmetic."""
    form = _segment_form()
    matching = count(db.session, _chosen(form)) if form.validate() else 0
    queue_form = QueueSegmentForm()
    queue_form.campaign.choices = [
        SelectChoice(c.id, f"{c.code} · {c.name}")
        for c in list_campaigns(db.session)
        if c.status != CampaignStatus.CLOSED
    ]
    return render_template(
        "accounts/segment.html",
        form=form,
        matching=matching,
        plan=_plan(form, matching),
        queue_form=queue_form,
        query=request.query_string.decode(),
    )


@bp.route("/segment/count")
def segment_count():
    """The count and the plan as JSON, for the page to update as filters change."""
    form = _segment_form()
    if not form.validate():
        return jsonify(errors=form.errors), 400
    matching = count(db.session, _chosen(form))
    plan = _plan(form, matching)
    return jsonify(
        matching=matching,
        salespeople=plan.salespeople if plan else None,
        qualified_needed=plan.qualified_needed if plan else None,
        to_call=plan.to_call if plan else None,
        coverage=float(plan.coverage) if plan and plan.coverage is not None else None,
    )


@bp.route("/segment/queue", methods=["POST"])
def segment_queue():
    """Put the segment's accounts in a campaign's queue, in one action."""
    form = _segment_form()
    queue_form = QueueSegmentForm()
    queue_form.campaign.choices = [SelectChoice(c.id, c.code) for c in list_campaigns(db.session)]
    back = redirect(url_for(".segment") + ("?" + request.query_string.decode()))
    if not (form.validate() and queue_form.validate_on_submit()):
        flash(_("Choose a campaign (and a valid number of accounts)."), "error")
        return back
    campaign = db.session.get(Campaign, queue_form.campaign.data)
    if campaign is None or campaign.status == CampaignStatus.CLOSED:
        flash(_("That campaign is closed or does not exist."), "error")
        return back
    segment = _chosen(form)
    segment.statuses = [s for s in segment.statuses if s in SELECTABLE]
    if not segment.statuses:
        flash(_("None of the chosen statuses can go into a queue."), "error")
        return back
    ids = account_ids(db.session, segment, limit=queue_form.limit.data)
    queued = enqueue_accounts(db.session, campaign, ids)
    record(
        db.session,
        "segment.queue",
        user_id=current_user.id,
        obj=campaign,
        filters=request.args.to_dict(flat=False),
        selected=len(ids),
        queued=queued,
    )
    db.session.commit()
    flash(
        _(
            "%(queued)s accounts put in the queue of %(campaign)s (%(skipped)s already there).",
            queued=queued,
            campaign=campaign.name,
            skipped=len(ids) - queued,
        ),
        "info",
    )
    return back
