"""The review queues people can finish: doubts one at a time, a reason's suggested fixes
accepted in bulk, pairs skipped and decisions undone, with what is left always shown.

Every page works without JavaScript (a form, then the next item); ``static/js/review.js``
adds the keys (``keys.REVIEW_KEYS``) and swaps the next item in without a reload. The last
decision, for the undo key, is kept in the reviewer's session: undoing it checks that
nobody saved the account, or decided the pair, since.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import session as visit
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.models import Account, AccountFlag
from app.extensions import db
from app.imports import accepting
from app.imports.doubts import EDITABLE, NothingToUndo, Outcome, StaleAccount, reopen
from app.imports.models import DuplicatePair
from app.imports.suggestions import RULES
from app.security import Role, guard, load_or_404
from app.workspace import review as listing
from app.workspace.forms import AcceptSuggestionsForm, DoubtDecisionForm, UndoLastForm
from app.workspace.keys import REVIEW_KEYS
from app.workspace.merging import MergeError, reopen_pair

bp = Blueprint("reviewing", __name__, url_prefix="/workspace")
guard(bp, Role.STAFF, Role.ADMIN)
LAST_DOUBT = "review_last_doubt"  # session keys: the last decision, for the undo key
LAST_PAIR = "review_last_pair"


def _reason() -> str | None:
    return (request.values.get("reason") or "").strip()[:64] or None


def _doubt_page(flag: AccountFlag | None, reason: str | None, form=None, errors=None):
    """The queue's page: the doubt ``flag`` (None: nothing left) and the counts."""
    left, total = listing.doubts_left(db.session, reason)
    account = offer = None
    others = 0
    if flag is not None:
        account = db.session.get_one(Account, flag.account_id)
        offer = accepting.offer(db.session, flag, account)
        others = listing.other_doubts(db.session, flag)
    return render_template(
        "workspace/doubt_next.html",
        flag=flag,
        account=account,
        offer=offer,
        others=others,
        left=left,
        total=total,
        reason=reason,
        editable=EDITABLE,
        form=form or DoubtDecisionForm(formdata=None),
        errors=errors or [],
        undo=visit.get(LAST_DOUBT),
        undo_form=UndoLastForm(formdata=None),
        keys=REVIEW_KEYS,
    )


@bp.route("/doubts/next")
def doubt_next():
    """One doubt at a time (of one reason, or any), from flag id ``start`` on."""
    reason = _reason()
    flag = listing.next_doubt(db.session, reason, request.args.get("start", 0, type=int))
    return _doubt_page(flag, reason)


@bp.route("/doubts/next/<int:flag_id>", methods=["POST"])
def doubt_decide(flag_id: int):
    """Accept the suggestion, keep the value or correct it; then the next doubt."""
    flag = load_or_404(AccountFlag, flag_id)
    form = DoubtDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    reason = _reason()
    account = db.session.get_one(Account, flag.account_id)
    try:
        outcome = accepting.decide(db.session, flag, account, form.decision.data,
                                   version=form.loaded_version(), user_id=current_user.id,
                                   token=form.token.data or "",
                                   value=form.value.data or "")  # fmt: skip
    except (StaleAccount, StaleDataError):
        db.session.rollback()
        flash(_("This doubt was changed by someone else since it was shown: here it is again, as "
                "it is now (or the next one, if it was resolved)."), "error")  # fmt: skip
        return redirect(url_for(".doubt_next", reason=reason, start=flag_id), 303)
    except ValueError:
        abort(400)
    if outcome.errors:
        db.session.rollback()
        errors = [e for messages in outcome.errors.values() for e in messages]
        return _doubt_page(db.session.get(AccountFlag, flag_id), reason, form, errors)
    db.session.commit()
    visit[LAST_DOUBT] = {"account": account.id, "key": account.key, "flags": outcome.flag_ids,
                         "changes": outcome.change_ids, "ready": outcome.ready,
                         "version": account.version, "decision": form.decision.data}  # fmt: skip
    return redirect(url_for(".doubt_next", reason=reason, start=flag_id + 1), 303)


@bp.route("/doubts/undo", methods=["POST"])
def doubt_undo():
    """Undo the reviewer's last decision in the queue: its doubts are open again."""
    if not UndoLastForm().validate_on_submit():
        abort(400)
    reason, last = _reason(), visit.pop(LAST_DOUBT, None)
    if not last:
        flash(_("There is nothing left to undo."), "error")
        return redirect(url_for(".doubt_next", reason=reason), 303)
    account = load_or_404(Account, last["account"])
    done = Outcome({}, ready=last["ready"], flag_ids=last["flags"], change_ids=last["changes"])
    try:
        reopen(db.session, account, done, version=last["version"], user_id=current_user.id)
    except (NothingToUndo, StaleAccount, StaleDataError) as exc:
        db.session.rollback()
        flash(str(exc) if isinstance(exc, NothingToUndo) else str(StaleAccount()), "error")
        return redirect(url_for(".doubt_next", reason=reason), 303)
    db.session.commit()
    flash(_("Undone: the doubt is open again."), "info")
    return redirect(url_for(".doubt_next", reason=reason, start=min(last["flags"])), 303)


@bp.route("/doubts/suggested")
def suggested():
    """A reason's doubts with a suggested fix, a batch at a time, to accept at once."""
    reason = _reason()
    if reason not in RULES:  # a reason without suggestions: its list, to review by hand
        return redirect(url_for("workspace.doubts", reason=reason))
    start = request.args.get("start", 0, type=int)
    found = accepting.offers(db.session, reason, start)
    left, total = listing.doubts_left(db.session, reason)
    return render_template(
        "workspace/suggested.html",
        reason=reason,
        found=found,
        start=start,
        left=left,
        total=total,
        batch=accepting.BATCH,
        form=AcceptSuggestionsForm(formdata=None),
    )


@bp.route("/doubts/suggested", methods=["POST"])
def accept_suggested():
    """Accept the ticked suggestions (at most ``BATCH``): stale ones are skipped, counted."""
    reason = _reason()
    if not AcceptSuggestionsForm().validate_on_submit() or reason not in RULES:
        abort(400)
    back = redirect(url_for(".suggested", reason=reason), 303)
    try:
        tally = accepting.accept(db.session, request.form.getlist("offer"),
                                 user_id=current_user.id)  # fmt: skip
    except accepting.TooMany:
        flash(_("At most %(n)s suggestions can be accepted at once: tick fewer, or accept them a "
                "page at a time.", n=accepting.BATCH), "error")  # fmt: skip
        return back
    except (StaleAccount, StaleDataError):  # a save that slipped past the lock: none kept
        db.session.rollback()
        flash(str(StaleAccount()), "error")
        return back
    db.session.commit()
    flash(_("%(accepted)s suggestions accepted (%(ready)s accounts now ready); %(stale)s skipped "
            "because they changed since the page was shown; %(refused)s still in doubt once "
            "cleaned, left open.", accepted=tally.accepted, ready=tally.ready, stale=tally.stale,
            refused=tally.refused), "info")  # fmt: skip
    return back


@bp.route("/review/next")
def pair_next():
    """The pair after ``after`` in the review's order (skipping it), or the list when
    none is left."""
    after = request.args.get("after", type=int)
    current = db.session.get(DuplicatePair, after) if after else None
    following = listing.pair_after(db.session, current)
    if following is None:
        return redirect(url_for("workspace.review"))
    return redirect(url_for("workspace.pair", pair_id=following))


@bp.route("/review/undo", methods=["POST"])
def pair_undo():
    """Undo the reviewer's last decision on a pair: the pair waits again, a merge undone."""
    if not UndoLastForm().validate_on_submit():
        abort(400)
    last = visit.pop(LAST_PAIR, None)
    if not last:
        flash(_("There is nothing left to undo."), "error")
        return redirect(url_for(".pair_next"), 303)
    pair = load_or_404(DuplicatePair, last["pair"])
    try:
        reopen_pair(db.session, pair, user_id=current_user.id)
    except MergeError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".pair_next"), 303)
    db.session.commit()
    flash(_("Undone: the pair waits for a decision again."), "info")
    return redirect(url_for("workspace.pair", pair_id=pair.id), 303)
