"""The paper cards' pages: type a card (check, then save), the live warning of similar
accounts, validate or refuse someone else's card, the counts per person and day. Staff
(a sales secretary has a staff user) and administrators."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.labels import reason_label
from app.accounts.models import Account
from app.accounts.services import zone_of
from app.cards import counts as counting
from app.cards import services
from app.cards.checking import SHOWN
from app.cards.fields import account_values, fields_of
from app.cards.forms import CardForm, RangeForm, RefuseForm, ValidateForm
from app.cards.models import CardKind, CardStatus, PaperCard
from app.cards.scans import MAX_SCAN_BYTES, Scan, ScanRefused, read_scan
from app.extensions import db
from app.imports.doubts import reference as load_reference
from app.imports.pipeline import Reference
from app.security import Role, guard, in_zone, load_or_404
from app.spreadsheets.reading import FileRefused

bp = Blueprint("cards", __name__, url_prefix="/cards")
guard(bp, Role.STAFF, Role.ADMIN)
# The headers a scan is served with: inline, its own type only, framed by our pages only.
SCAN_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
}


def _reference() -> tuple[Reference | None, str | None]:
    """The municipality reference, or why there is none (the cleaning needs it)."""
    try:
        return load_reference(db.session), None
    except FileRefused as exc:
        return None, str(exc)


def _card(card_id: int, *, lock: bool = False) -> PaperCard:
    """The card of ``card_id``: 404 if none, 403 for a zoned staff member when it names an
    account outside their zone (its values and scan are that account's)."""
    return load_or_404(PaperCard, card_id, lock=lock, allowed=_card_in_zone)


def _card_in_zone(card: PaperCard) -> bool:
    return card.account is None or in_zone(current_user, zone_of(db.session, card.account))


def _account(key: str) -> Account:
    """The account of ``key``: 404 if none, 403 outside a zoned staff member's zone (as its
    privacy page, which links here)."""
    account = services.account_by_key(db.session, key)
    if account is None:
        abort(404)
    if not in_zone(current_user, zone_of(db.session, account)):
        abort(403)
    return account


@bp.route("/")
def index():
    """The cards waiting for a second person (oldest first) and the latest decided."""
    pending = [c for c in services.pending_cards(db.session) if _card_in_zone(c)]
    decided = [c for c in services.decided_cards(db.session) if _card_in_zone(c)]
    return render_template("cards/index.html", pending=pending, decided=decided)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """A new company's card; ``?again=<id>`` types a refused card again, pre-filled (a
    refused correction as a correction of the same account)."""
    again = request.args.get("again", type=int)
    replaces = _card(again) if again else None
    if replaces is not None and replaces.status != CardStatus.REFUSED:
        abort(404)
    if replaces is not None and replaces.kind == CardKind.EDIT and replaces.account is not None:
        # A refused correction is typed again as a correction of its account (zone checked).
        return _entry(CardKind.EDIT, account=_account(replaces.account.key), replaces=replaces)
    return _entry(CardKind.NEW, replaces=replaces)


@bp.route("/edit/<key>", methods=["GET", "POST"])
def edit(key: str):
    """A card correcting an account, pre-filled with its values."""
    return _entry(CardKind.EDIT, account=_account(key))


@bp.route("/<int:card_id>/correct", methods=["GET", "POST"])
def correct(card_id: int):
    """The person who entered a pending card corrects it."""
    card = _card(card_id, lock=request.method == "POST")
    if card.status != CardStatus.PENDING or card.entered_by_id != current_user.id:
        flash(_("Only the person who entered a card can correct it, while it waits."), "error")
        return redirect(url_for(".card", card_id=card.id))
    return _entry(card.kind, account=card.account, card=card)


def _entry(
    kind: CardKind,
    *,
    account: Account | None = None,
    card: PaperCard | None = None,
    replaces: PaperCard | None = None,
):
    """The card form: GET shows it (pre-filled), POST checks it, or saves it when the values
    are those the check step showed."""
    form = CardForm()
    page = {"kind": kind, "account": account, "card": card, "replaces": replaces,
            "fields": fields_of(kind), "shown_fields": SHOWN,
            "current": account_values(account) if account is not None else {}}  # fmt: skip
    if request.method == "GET":
        form.fill((card or replaces).values if (card or replaces) else
                  account_values(account) if account else {})  # fmt: skip
        form.another.data = list(card.distinct_from) if card else []
        form.version.data = str(account.version) if account is not None else ""
        return render_template("cards/entry.html", form=form, **page)
    ref, missing = _reference()
    if not form.validate_on_submit() or ref is None:
        errors = [missing] if missing else []
        return render_template("cards/entry.html", form=form, errors=errors, **page), 400
    values = form.values(kind)
    errors: list[str] = []
    if form.save.data and form.checked.data == form.digest(kind):
        scan, refused = _scan(form)
        errors += refused
        if not refused:
            try:
                saved = _save(kind, values, form, ref, account, card, replaces, scan)
            except services.CardError as exc:
                db.session.rollback()
                errors += exc.messages
            else:
                db.session.commit()
                flash(_("Card saved: it waits for a second person to validate it."), "success")
                return redirect(url_for(".card", card_id=saved.id))
    elif form.save.data:
        errors.append(_("The values changed since the check: look at the check again and save."))
    shown = services.preview(db.session, kind, values, reference=ref, account=account)
    form.checked.data = form.digest(kind)
    return render_template("cards/entry.html", form=form, preview=shown, errors=errors,
                           **page), 400 if errors else 200  # fmt: skip


def _save(kind, values, form, ref, account, card, replaces, scan) -> PaperCard:
    chosen = form.another.data or []
    if card is not None:
        services.correct_card(db.session, card, values, by=current_user.id, reference=ref,
                              distinct_from=chosen, scan=scan)  # fmt: skip
        return card
    return services.enter_card(db.session, kind, values, by=current_user.id, reference=ref,
                               account=account, distinct_from=chosen, scan=scan,
                               replaces=replaces,
                               account_version=form.version.data or "")  # fmt: skip


def _scan(form: CardForm) -> tuple[Scan | None, list[str]]:
    """The scan sent with the card, if any, or why it is refused."""
    upload = form.scan.data
    if upload is None or not getattr(upload, "filename", ""):
        return None, []
    try:
        return read_scan(upload.stream.read(MAX_SCAN_BYTES + 1), upload.filename), []
    except ScanRefused as exc:
        return None, [str(exc)]


@bp.route("/similar")
def similar():
    """JSON: the stored accounts the values typed so far look like (changes nothing)."""
    form = CardForm(request.args, meta={"csrf": False})
    account = services.account_by_key(db.session, request.args.get("account", ""))
    kind = CardKind.EDIT if account is not None else CardKind.NEW
    ref, missing = _reference()
    if ref is None:
        return jsonify(candidates=[], error=missing)
    shown = services.preview(db.session, kind, form.values(kind), reference=ref, account=account)
    return jsonify(candidates=[{
        "id": c.account_id, "key": c.key, "name": c.name, "place": c.place,
        "same_vat": c.same_vat, "reasons": [reason_label(r) for r in c.reasons],
        "open_url": url_for("privacy.account", key=c.key),
        "edit_url": url_for(".edit", key=c.key),
    } for c in shown.candidates])  # fmt: skip


@bp.route("/<int:card_id>")
def card(card_id: int):
    """The card side by side with its scan: typed, cleaned, and for an edit the account's
    values now; the decision for a second person."""
    return _card_page(_card(card_id))


def _card_page(card: PaperCard, errors: list[str] | None = None, status: int = 200):
    ref, missing = _reference()
    account = card.account if card.kind == CardKind.EDIT else None
    shown = (services.preview(db.session, card.kind, card.values, reference=ref,
                              account=account) if ref is not None else None)  # fmt: skip
    return render_template(
        "cards/card.html", card=card, preview=shown, missing=missing, errors=errors or [],
        shown_fields=SHOWN,
        current=account_values(card.account) if card.account is not None else {},
        declared=services.accounts_named(db.session, card.distinct_from or []),
        validate_form=ValidateForm(), refuse_form=RefuseForm(),
    ), status  # fmt: skip


@bp.route("/<int:card_id>/scan")
def scan(card_id: int):
    """The scan, inline, with its own type (told by its bytes when it was sent)."""
    card = _card(card_id)
    data = services.scan_of(db.session, card)
    if data is None or card.scan_type is None:
        abort(404)
    extension = card.scan_type.rpartition("/")[2].replace("jpeg", "jpg")
    disposition = f'inline; filename="scheda-{card.id}.{extension}"'
    return Response(data, mimetype=card.scan_type,
                    headers={**SCAN_HEADERS, "Content-Disposition": disposition})  # fmt: skip


@bp.route("/<int:card_id>/validate", methods=["POST"])
def validate(card_id: int):
    """A second person confirms the card: it reaches the base."""
    card = _card(card_id, lock=True)
    form = ValidateForm()
    if not form.validate_on_submit():
        return _card_page(card, [_("The form expired: try again.")], 400)
    ref, missing = _reference()
    if ref is None:
        return _card_page(card, [missing or ""], 400)
    return _decided(
        card,
        lambda: services.validate_card(db.session, card, by=current_user.id, reference=ref,
                                       seen=form.seen.data or ""),
        _("Card validated: the account is in the base."),
    )  # fmt: skip


@bp.route("/<int:card_id>/refuse", methods=["POST"])
def refuse(card_id: int):
    """A second person refuses the card, with the reason."""
    card = _card(card_id, lock=True)
    form = RefuseForm()
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors] or [_("Try again.")]
        return _card_page(card, [str(e) for e in errors], 400)
    return _decided(
        card,
        lambda: services.refuse_card(db.session, card, by=current_user.id,
                                     reason=form.reason.data or "", seen=form.seen.data or ""),
        _("Card refused: nothing was written to the base."),
    )  # fmt: skip


def _decided(card: PaperCard, decide: Callable[[], None], done: str):
    """Run a decision and commit it, or show the card again with why it was refused."""
    card_id = card.id
    try:
        decide()
    except services.CardError as exc:
        db.session.rollback()
        return _card_page(_card(card_id), exc.messages, 409)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".card", card_id=card_id))


@bp.route("/counts")
def counts():
    """Cards entered, validated and refused per person and day (Roman days)."""
    form = RangeForm(request.args)
    first, last = counting.default_range()
    errors: list[str] = []
    if form.validate():
        first, last = form.first.data or first, form.last.data or last
        if first > last or (last - first).days >= counting.MAX_DAYS:
            errors.append(_("Choose a first day before the last, at most %(n)s days apart.",
                            n=counting.MAX_DAYS))  # fmt: skip
            first, last = counting.default_range()
    form.first.data, form.last.data = first, last
    rows = counting.card_counts(db.session, first, last)
    return render_template("cards/counts.html", form=form, rows=rows, errors=errors,
                           totals=counting.totals(rows), first=first, last=last)  # fmt: skip
