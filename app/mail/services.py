"""Queue a message (rendered in the recipient's language, sent by a job after the commit)
and record how each attempt went; what failed is tried again later, never lost."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from app.columns import utcnow
from app.jobs.runner import JobAlreadyRunning, start_job
from app.mail.models import MailMessage, MailStatus
from app.mail.transport import DELIVERY_ERRORS, deliver

log = logging.getLogger(__name__)
LOCALES = ("it", "en")
SEND_JOB = "mail.send"


def render(template: str, locale: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of ``templates/mail/<template>.{subject.txt,txt,html}`` in
    ``locale``. The Jinja environment is used directly: no request, no signed-in user and
    no page helpers are needed (a job renders too); the HTML is autoescaped."""
    env = current_app.jinja_env
    context = {**context, "locale": locale}
    with force_locale(locale):
        subject = env.get_template(f"mail/{template}.subject.txt").render(context)
        text = env.get_template(f"mail/{template}.txt").render(context)
        html = env.get_template(f"mail/{template}.html").render(context)
    return " ".join(subject.split()), text, html


def queue_mail(
    session: Session,
    *,
    to: str,
    template: str,
    locale: str | None,
    context: dict[str, Any],
    key: str | None = None,
) -> MailMessage | None:
    """Render a message to ``to`` and send it by a job once ``session`` commits. With a
    ``key``, a message already queued under it means nothing is done (None): one message
    per key, whoever asks twice."""
    if key is not None and key_used(session, key):
        return None
    locale = locale if locale in LOCALES else "it"
    subject, text, html = render(template, locale, context)
    message = MailMessage(
        key=key, to=to, subject=subject, template=template, locale=locale,
        body_text=text, body_html=html, status=MailStatus.QUEUED, attempts=0,
        # A safety net: should its job be lost, ``send_due`` picks it up from then on.
        next_attempt_at=utcnow() + timedelta(minutes=current_app.config["MAIL_RETRY_MINUTES"]),
    )  # fmt: skip
    try:
        with session.begin_nested():  # a concurrent twin meets the unique key instead
            session.add(message)
    except sa.exc.IntegrityError:
        if key is None or not key_used(session, key):
            raise
        return None
    dispatch(session, message)
    return message


def key_used(session: Session, key: str) -> bool:
    return session.scalar(sa.select(MailMessage.id).where(MailMessage.key == key)) is not None


def keys_used(session: Session, prefix: str) -> set[str]:
    """The keys starting with ``prefix`` already used (one query for a whole mailing)."""
    found = session.scalars(sa.select(MailMessage.key).where(MailMessage.key.startswith(prefix)))
    return {key for key in found if key}


def dispatch(session: Session, message: MailMessage) -> None:
    """Its sending job, after the commit; one live job per message."""
    start_job(session, SEND_JOB, {"message_id": message.id}, key=f"{SEND_JOB}:message={message.id}")


def attempt(session: Session, message: MailMessage, now: datetime | None = None) -> bool:
    """Try to deliver ``message`` once, recording the outcome on it (flushed; the job
    commits). A failure waits ``MAIL_RETRY_MINUTES``, doubling each time, up to
    ``MAIL_MAX_ATTEMPTS`` attempts in all; the last failure leaves it failed, kept."""
    now = now or utcnow()
    message.attempts += 1
    try:
        message.delivered_to = deliver(message)
    except DELIVERY_ERRORS as exc:
        message.error = f"{type(exc).__name__}: {exc}"[:2000]
        config = current_app.config
        if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            message.status, message.next_attempt_at = MailStatus.FAILED, None
        else:
            wait = config["MAIL_RETRY_MINUTES"] * 2 ** (message.attempts - 1)
            message.next_attempt_at = now + timedelta(minutes=wait)
        log.warning("mail %s to %s: attempt %s failed: %s", message.id, message.to,
                    message.attempts, message.error)  # fmt: skip
        session.flush()
        return False
    message.status, message.sent_at = MailStatus.SENT, now
    message.error, message.next_attempt_at = None, None
    log.info("mail %s (%s) sent to %s", message.id, message.template, message.delivered_to)
    session.flush()
    return True


def due(session: Session, now: datetime | None = None) -> list[MailMessage]:
    """Messages waiting for another attempt whose time has come."""
    now = now or utcnow()
    return list(
        session.scalars(
            sa.select(MailMessage)
            .where(MailMessage.status == MailStatus.QUEUED, MailMessage.next_attempt_at <= now)
            .order_by(MailMessage.id)
        )
    )


def send_due(session: Session, now: datetime | None = None) -> int:
    """Start the job of every message due for another attempt (one whose job is still
    queued or running is left to it); returns how many were started."""
    started = 0
    for message in due(session, now):
        try:
            dispatch(session, message)
        except JobAlreadyRunning:
            continue
        started += 1
    return started
