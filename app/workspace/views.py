"""The staff workspace: the state of the base, the segment builder and its queue action,
and the review of duplicate pairs and of the values an import doubted."""

from __future__ import annotations

from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as visit
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from app.accounts.models import Account, AccountSource
from app.accounts.segments import Plan, Segment, active_salespeople, count
from app.accounts.services import status_counts, zone_counts
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.queueing import SELECTABLE, PracticeMismatch, enqueue_segment
from app.campaigns.services import CampaignError, list_campaigns
from app.extensions import db
from app.imports.doubts import EDITABLE, StaleAccount, open_flags, resolve
from app.imports.models import AccountMerge, DuplicatePair, PairStatus
from app.imports.suggestions import RULES
from app.security import Role, guard, load_or_404, zone_scope
from app.workspace import review as listing
from app.workspace.forms import (
    DecisionForm,
    DoubtForm,
    QueueSegmentForm,
    SegmentForm,
    SeparateForm,
    UndoForm,
    UndoLastForm,
)
from app.workspace.keys import REVIEW_KEYS
from app.workspace.merging import MergeError, merge_pair, reject_pair, undo_merge
from app.workspace.review_views import LAST_PAIR
from app.workspace.separating import SeparateError, recent_joins, separate

bp = Blueprint("workspace", __name__, url_prefix="/workspace")
guard(bp, Role.STAFF, Role.ADMIN)
PAIR_FIELDS = (
    "key", "company_name", "legal_form", "street", "house_number", "postcode",
    "municipality", "province", "istat_code", "vat_number", "tax_code", "email", "status",
)  # fmt: skip


@bp.route("/")
def home():
    """Staff home: the state of the account base (a zoned staff member's zone only)."""
    zone_id = zone_scope(current_user)
    counts = status_counts(db.session, zone_id)
    return render_template(
        "workspace/home.html",
        counts=counts,
        total=sum(counts.values()),
        practice=sum(status_counts(db.session, zone_id, practice=True).values()),
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
    # The campaign page's "put accounts in the queue" link names its campaign.
    queue_form = QueueSegmentForm(campaign=request.args.get("campaign", type=int))
    queue_form.campaign.choices = [
        SelectChoice(c.id, f"{c.code} · {c.name}" + (f" ({_('PRACTICE')})" if c.practice else ""))
        for c in list_campaigns(db.session)
        if c.status != CampaignStatus.CLOSED
    ]
    return render_template(
        "workspace/segment.html",
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
    try:
        result = enqueue_segment(db.session, campaign, segment, limit=queue_form.limit.data,
                                 user_id=current_user.id)  # fmt: skip
    except PracticeMismatch:
        db.session.rollback()
        flash(_practice_mismatch(campaign), "error")
        return back
    except CampaignError:
        db.session.rollback()
        flash(_("That campaign is closed or does not exist."), "error")
        return back
    db.session.commit()
    flash(
        _(
            "%(queued)s accounts put in the queue of %(campaign)s (%(skipped)s already there).",
            queued=result.queued,
            campaign=campaign.name,
            skipped=result.skipped,
        ),
        "info",
    )
    return back


def _practice_mismatch(campaign: Campaign) -> str:
    if campaign.practice:
        return _(
            '%(campaign)s is a practice campaign: tick "Practice accounts" to queue '
            "practice accounts in it.",
            campaign=campaign.name,
        )
    return _(
        '%(campaign)s is a live campaign: untick "Practice accounts" to queue real accounts in it.',
        campaign=campaign.name,
    )


@bp.route("/review")
def review():
    """The pairs that may be one company, best score first."""
    pairs = listing.pending_pairs(db.session)
    merges = listing.recent_merges(db.session)
    joins = recent_joins(db.session)
    accounts = listing.accounts_by_id(
        db.session,
        [*(i for p in pairs for i in (p.account_a_id, p.account_b_id)),
         *(i for m in merges for i in (m.survivor_id, m.merged_id)),
         *(j.account_id for j in joins)],
    )  # fmt: skip
    return render_template(
        "workspace/review.html",
        pairs=pairs,
        pairs_left=listing.pairs_left(db.session),
        accounts=accounts,
        merges=merges,
        joins=joins,
        undo_form=UndoForm(),
        separate_form=SeparateForm(),
    )


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
            else:
                reject_pair(db.session, pair, user_id=current_user.id)
        except MergeError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".pair", pair_id=pair.id))
        db.session.commit()
        visit[LAST_PAIR] = {"pair": pair.id, "merged": bool(form.same.data)}
        following = listing.pair_after(db.session, pair)
        if following is not None:
            return redirect(url_for(".pair", pair_id=following))
        return redirect(url_for(".review"))
    left = db.session.get_one(Account, pair.account_a_id)
    right = db.session.get_one(Account, pair.account_b_id)
    return render_template(
        "workspace/pair.html", pair=pair, left=left, right=right, form=form, fields=PAIR_FIELDS,
        pairs_left=listing.pairs_left(db.session), keys=REVIEW_KEYS, undo=visit.get(LAST_PAIR),
        undo_form=UndoLastForm(formdata=None),
    )  # fmt: skip


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


@bp.route("/sources/<int:source_id>/separate", methods=["POST"])
def separate_row(source_id: int):
    """Take a row an import joined to an account back out, as an account of its own."""
    source = load_or_404(AccountSource, source_id)
    if not SeparateForm().validate_on_submit():
        abort(400)
    try:
        account = separate(db.session, source, user_id=current_user.id)
    except SeparateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The row is now account %(key)s of its own.", key=account.key), "info")
    return redirect(url_for(".review"))


@bp.route("/doubts")
def doubts():
    """Open doubts by reason (with the ways to clear them), and the accounts that hold
    them, most doubts first."""
    reason = request.args.get("reason") or None
    rows = listing.doubtful_accounts(db.session, reason)
    accounts = listing.accounts_by_id(db.session, (r.account_id for r in rows))
    reasons = listing.doubt_reasons(db.session)
    return render_template(
        "workspace/doubts.html", rows=rows, accounts=accounts, reasons=reasons, reason=reason,
        total=sum(n for _code, n in reasons), suggesting=RULES,
    )  # fmt: skip


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
        "workspace/doubt.html",
        account=account,
        flags=flags,
        form=form,
        errors=errors,
        editable=EDITABLE,
        version=version,
        values={name: posted.get(name, getattr(account, name) or "") for name in EDITABLE},
    )
    return page, status
