"""The administrators' webhook pages: subscriptions, their delivery log, replay."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.security import Role, guard, load_or_404
from app.webhooks.forms import ActionForm, SubscriptionForm
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from app.webhooks.services import (
    SubscriptionValues,
    WebhookError,
    all_subscriptions,
    create_subscription,
    delete_subscription,
    pause,
    paused_subscriptions,
    recent_deliveries,
    replay,
    resume,
    reveal_secret,
    update_subscription,
)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
guard(bp, Role.ADMIN)


def _values(form: SubscriptionForm) -> SubscriptionValues:
    return SubscriptionValues(form.name.data or "", form.url.data or "", form.events.data or [])


def _refused(form: SubscriptionForm, exc: WebhookError) -> None:
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        flash(str(exc), "error")
    else:
        field.errors = [*field.errors, str(exc)]


@bp.route("/", methods=["GET", "POST"])
def index():
    """The subscriptions, a warning for the paused ones, and a form to add one."""
    form = SubscriptionForm()
    if form.validate_on_submit():
        try:
            subscription = create_subscription(db.session, _values(form),
                                               actor_id=current_user.id)  # fmt: skip
        except WebhookError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Subscription added: show its signing secret to set up the receiver."),
                  "success")  # fmt: skip
            return redirect(url_for("webhooks.subscription", subscription_id=subscription.id))
    page = render_template("webhooks/index.html", form=form,
                           subscriptions=all_subscriptions(db.session),
                           paused=paused_subscriptions(db.session))  # fmt: skip
    return page, 400 if form.errors else 200


def _page(subscription: WebhookSubscription, form: SubscriptionForm, secret: str | None = None):
    return render_template("webhooks/subscription.html", subscription=subscription, form=form,
                           action=ActionForm(), secret=secret,
                           deliveries=recent_deliveries(db.session, subscription))  # fmt: skip


@bp.route("/<int:subscription_id>", methods=["GET", "POST"])
def subscription(subscription_id: int):
    """One subscription: its address and events, its state, its latest deliveries."""
    found = load_or_404(WebhookSubscription, subscription_id)
    form = SubscriptionForm(obj=found)
    if form.validate_on_submit():
        try:
            changed = update_subscription(db.session, found, _values(form),
                                          actor_id=current_user.id)  # fmt: skip
        except WebhookError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing to save: nothing changed."), "success")
            return redirect(url_for("webhooks.subscription", subscription_id=found.id))
    return _page(found, form), 400 if form.errors else 200


@bp.post("/<int:subscription_id>/secret")
def secret(subscription_id: int):
    """The signing secret, shown on the page to an administrator (audited)."""
    found = load_or_404(WebhookSubscription, subscription_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    shown = reveal_secret(db.session, found, actor_id=current_user.id)
    db.session.commit()
    return _page(found, SubscriptionForm(obj=found), secret=shown)


@bp.post("/<int:subscription_id>/<any(pause, resume, delete):action>")
def change(subscription_id: int, action: str):
    """Pause, resume or delete a subscription."""
    found = load_or_404(WebhookSubscription, subscription_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    verbs = {"pause": pause, "resume": resume, "delete": delete_subscription}
    try:
        verbs[action](db.session, found, actor_id=current_user.id)
    except WebhookError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("webhooks.subscription", subscription_id=subscription_id))
    db.session.commit()
    messages = {"pause": _("Paused: no events are sent to it until it is resumed."),
                "resume": _("Resumed: the deliveries that waited are being sent."),
                "delete": _("Subscription deleted, with its delivery log.")}  # fmt: skip
    flash(messages[action], "success")
    if action == "delete":
        return redirect(url_for("webhooks.index"))
    return redirect(url_for("webhooks.subscription", subscription_id=subscription_id))


@bp.post("/deliveries/<int:delivery_id>/replay")
def replay_delivery(delivery_id: int):
    """Send a delivery's event again, with the same event id."""
    delivery = load_or_404(WebhookDelivery, delivery_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        replay(db.session, delivery, actor_id=current_user.id)
    except WebhookError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The event is being sent again, with the same event id."), "success")
    return redirect(url_for("webhooks.subscription", subscription_id=delivery.subscription_id))
