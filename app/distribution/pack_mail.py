"""A salesperson's pack by e-mail: when an export run is published, each salesperson with
an address gets a message with a signed link to their own ZIP, which works without
signing in until it expires (``MAIL_LINK_MAX_AGE_DAYS``). The message names the wave and
a count, never an account: the personal data stay behind the link, and each download
through it is audited like any other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.columns import utcnow
from app.distribution.models import ExportRun, ExportStatus, WaveStatus
from app.mail.links import external_url
from app.mail.services import queue_mail
from app.territory.models import Salesperson

SALT = "qualifica.pack-link"
KEYS = ("run", "salesperson")
EXPIRED = _l(
    "This link has expired. Ask the office that sent it for a new one: the files are still there."
)
INVALID = _l(
    "This link is not valid: it may have been copied incompletely. Open it again from "
    "the e-mail, or ask the office that sent it."
)
WITHDRAWN = _l(
    "These files have been withdrawn: the accounts went back to the office. Ask the "
    "office that sent the link."
)


class PackLinkError(Exception):
    """A pack link that cannot be followed; ``status`` is the HTTP status to answer,
    ``locale`` the language of the salesperson it was made for (when it can be read)."""

    def __init__(self, message: Any, status: int, locale: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.locale = message, status, locale


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def max_age() -> timedelta:
    return timedelta(days=current_app.config["MAIL_LINK_MAX_AGE_DAYS"])


def link_token(run: ExportRun, salesperson: Salesperson) -> str:
    """Signed, not secret: it names the run, the salesperson and their language."""
    return _serializer().dumps({"run": run.id, "salesperson": salesperson.id,
                                "lang": salesperson.locale})  # fmt: skip


@dataclass(frozen=True)
class LinkedPack:
    run: ExportRun
    person: dict[str, Any]  # the salesperson's entry in the run's manifest


def follow(session: Session, token: str) -> LinkedPack:
    """The pack a link names, if it is genuine, unexpired and still handed out; else
    ``PackLinkError`` with a sentence for the person holding the link."""
    try:
        data = _serializer().loads(token, max_age=int(max_age().total_seconds()))
    except SignatureExpired as exc:
        raise PackLinkError(EXPIRED, 410, _language(exc.payload)) from exc
    except BadSignature as exc:
        raise PackLinkError(INVALID, 404) from exc
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in KEYS):
        raise PackLinkError(INVALID, 404)
    lang = data.get("lang")
    run = session.get(ExportRun, data["run"])
    if run is None or run.status != ExportStatus.DONE or not run.folder or not run.manifest:
        raise PackLinkError(INVALID, 404, lang)
    if run.wave.status == WaveStatus.CANCELLED:
        raise PackLinkError(WITHDRAWN, 410, lang)
    person = next(
        (p for p in run.manifest["salespeople"] if p["salesperson_id"] == data["salesperson"]),
        None,
    )
    salesperson = session.get(Salesperson, data["salesperson"])
    if person is None or salesperson is None or not salesperson.active:
        raise PackLinkError(INVALID, 404, lang)
    return LinkedPack(run, person)


def _language(payload: Any) -> str | None:
    """The language in an expired link's (genuine) payload."""
    try:
        data = _serializer().load_payload(payload)
    except BadSignature:
        return None
    return data.get("lang") if isinstance(data, dict) else None


def notify_salespeople(session: Session, run: ExportRun) -> int:
    """Queue the pack-ready message of every active salesperson of ``run`` who has an
    address (once per run and salesperson); returns how many were queued."""
    expires = (utcnow() + max_age()).date()
    queued = 0
    for person in run.manifest["salespeople"]:
        salesperson = session.get(Salesperson, person["salesperson_id"])
        if salesperson is None or not salesperson.active or not salesperson.email:
            continue
        link = external_url("packs.download", token=link_token(run, salesperson))
        context = {
            "name": salesperson.full_name,
            "wave": run.wave.label,
            "accounts": person["accounts"],
            "link": link,
            "expires": expires,
        }
        message = queue_mail(
            session,
            to=salesperson.email,
            template="pack_ready",
            locale=salesperson.locale,
            context=context,
            key=f"pack-ready:run={run.id}:salesperson={salesperson.id}",
        )
        queued += message is not None
    return queued
