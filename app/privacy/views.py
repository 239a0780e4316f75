"""The privacy pages: find a company or a person, see what is held, download it,
anonymise the company or erase one person. Staff and administrators only."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import Account, Contact
from app.accounts.services import zone_of
from app.extensions import db
from app.privacy import services
from app.privacy.documents import SECTIONS, render_pdf, to_json
from app.privacy.forms import ConfirmForm, EraseContactForm, SearchForm
from app.privacy.report import subject_report
from app.security import Role, guard, in_zone, load_or_404, zone_scope

bp = Blueprint("privacy", __name__, url_prefix="/privacy")
guard(bp, Role.STAFF, Role.ADMIN)


def _account(key: str) -> Account:
    """The account of ``key``: 404 if none, 403 outside a zoned staff member's zone."""
    try:
        account = services.account_by_key(db.session, key)
    except services.PrivacyError:
        abort(404)
    if not in_zone(current_user, zone_of(db.session, account)):
        abort(403)
    return account


def _contact(contact_id: int) -> Contact:
    return load_or_404(
        Contact, contact_id, allowed=lambda c: in_zone(current_user, zone_of(db.session, c.account))
    )


@bp.route("/")
def index():
    form = SearchForm(request.args)
    found = None
    if request.args.get("q") is not None and form.validate():
        found = services.find_subjects(db.session, form.q.data, zone_scope(current_user))
    return render_template("privacy/index.html", form=form, found=found)


def _subject_page(
    account: Account, form: ConfirmForm | None = None, status: int = 200, **extra: object
):
    report = subject_report(db.session, account)
    return render_template(
        "privacy/subject.html",
        account=account,
        report=report,
        sections=SECTIONS,
        form=form or ConfirmForm(),
        erase_form=EraseContactForm(),
        **extra,
    ), status


@bp.route("/accounts/<key>")
def account(key: str):
    return _subject_page(_account(key))


@bp.route("/accounts/<key>/report.<any(json, pdf):form>")
def account_report(key: str, form: str):
    """Download what is held about the company (audited)."""
    return _download(_account(key), form)


@bp.route("/contacts/<int:contact_id>/report.<any(json, pdf):form>")
def contact_report(contact_id: int, form: str):
    """Download what is held about one person (audited)."""
    return _download(_contact(contact_id), form)


def _download(subject: Account | Contact, form: str) -> Response:
    report = services.export_subject(
        db.session, subject, by=current_user.id, via="staff", form=form
    )
    key = subject.key if isinstance(subject, Account) else f"{subject.account.key}-{subject.id}"
    if form == "json":
        body, mimetype = to_json(report), "application/json"
    else:
        body, mimetype = render_pdf(report, locale=str(get_locale())), "application/pdf"
    # A GET that commits, on purpose: handing out what is held about someone is itself
    # recorded (the export's audit entry), and the record must outlive the response. It
    # changes nothing else (tests/test_get_never_commits.py exempts exactly this).
    db.session.commit()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="privacy-{key}.{form}"'
    return response


@bp.route("/accounts/<key>/anonymise", methods=["POST"])
def anonymise(key: str):
    account = _account(key)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _subject_page(account, form, 400)
    if form.confirm_key.data.strip().upper() != account.key:
        form.confirm_key.errors = [
            _("The key you typed is not this account's key (%(key)s): nothing was changed.",
              key=account.key)
        ]  # fmt: skip
        return _subject_page(account, form, 400)
    try:
        services.anonymise_account(
            db.session, account, by=current_user.id, reason=form.reason.data, via="staff"
        )
    except services.PrivacyError as exc:
        db.session.rollback()
        form.confirm_key.errors = [str(exc)]
        return _subject_page(account, form, 409)
    db.session.commit()
    flash(_("The account's personal data was anonymised; its statistics are kept."), "info")
    return redirect(url_for(".account", key=account.key))


@bp.route("/contacts/<int:contact_id>/erase", methods=["POST"])
def erase_contact(contact_id: int):
    contact = _contact(contact_id)
    account = contact.account
    form = EraseContactForm()
    if not form.validate_on_submit() or form.confirm_key.data.strip().upper() != account.key:
        message = _(
            "Type the account key (%(key)s) and a reason to erase a person: nothing was changed.",
            key=account.key,
        )
        return _subject_page(account, status=400, erase_error=message, erase_id=contact.id)
    services.erase_contact(
        db.session, contact, by=current_user.id, reason=form.reason.data, via="staff"
    )
    db.session.commit()
    flash(_("The person was erased from the account."), "info")
    return redirect(url_for(".account", key=account.key))
