"""The outbox against a real SMTP server on loopback: what is queued arrives once its job
runs, in the recipient's language, text and escaped HTML; with no server configured it is
written as an .eml file; with the server down it is kept, retried later, and arrives."""

from __future__ import annotations

from datetime import date, timedelta
from email import message_from_bytes, policy

import sqlalchemy as sa

from app.columns import utcnow
from app.mail.models import MailMessage, MailStatus
from app.mail.services import queue_mail, send_due
from tests.integration.mail.conftest import run_jobs
from tests.mailbox import free_port, html_of, receiving, text_of

HOSTILE = "<script>alert(1)</script> & Figli"


def _pack_mail(session, locale="it", to="mario.rossi@example.test", key=None):
    context = {
        "name": "Mario Rossi",
        "wave": HOSTILE,
        "accounts": 12,
        "link": "http://localhost:5000/packs/abc",
        "expires": date(2026, 12, 24),
    }
    return queue_mail(session, to=to, template="pack_ready", locale=locale, context=context,
                      key=key)  # fmt: skip


def test_a_queued_message_arrives_after_the_commit_with_text_and_escaped_html(
    app, session, mailbox
):
    with app.app_context():
        message = _pack_mail(session)
    assert mailbox.received == []  # nothing leaves before the commit and the job
    session.commit()
    run_jobs(app, session)
    [received] = mailbox.received
    assert received["To"] == "mario.rossi@example.test"
    assert received["Subject"] == f"Le tue aziende di {HOSTILE} sono pronte"
    assert HOSTILE in text_of(received)
    html = html_of(received)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Figli" in html
    assert "24 dicembre 2026" in text_of(received)
    session.refresh(message)
    assert (message.status, message.attempts, message.delivered_to) == (MailStatus.SENT, 1, "smtp")
    assert message.sent_at is not None and message.error is None


def test_english_for_a_recipient_who_reads_english(app, session, mailbox):
    with app.app_context():
        _pack_mail(session, locale="en")
    session.commit()
    run_jobs(app, session)
    [received] = mailbox.received
    assert received["Subject"] == f"Your accounts of {HOSTILE} are ready"
    assert received["Content-Language"] == "en"
    assert "until December 24, 2026" in text_of(received)


def test_one_message_per_key(app, session, mailbox):
    with app.app_context():
        first = _pack_mail(session, key="pack-ready:run=1:salesperson=1")
        again = _pack_mail(session, key="pack-ready:run=1:salesperson=1")
    assert first is not None and again is None
    session.commit()
    run_jobs(app, session)
    assert len(mailbox.received) == 1


def test_without_a_server_each_message_is_an_eml_file_in_the_folder(app, session, mail_folder):
    with app.app_context():
        message = _pack_mail(session)
    session.commit()
    run_jobs(app, session)
    session.refresh(message)
    [path] = mail_folder.glob("*.eml")
    assert message.status == MailStatus.SENT and message.delivered_to == path.name
    written = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert written["To"] == "mario.rossi@example.test"
    assert "http://localhost:5000/packs/abc" in text_of(written)
    assert not list(mail_folder.glob(".*.partial"))


def test_a_server_down_keeps_the_message_and_a_later_attempt_delivers_it(app, session, monkeypatch):
    port = free_port()  # nothing listens there yet
    with receiving(port) as box:
        settings = box.settings()
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    with app.app_context():
        message = _pack_mail(session)
    session.commit()
    run_jobs(app, session)
    session.refresh(message)
    assert message.status == MailStatus.QUEUED and message.attempts == 1
    assert "ConnectionRefusedError" in message.error
    retry_at = message.next_attempt_at
    assert retry_at > utcnow() + timedelta(minutes=4)
    with app.app_context():
        assert send_due(session, utcnow()) == 0  # not due yet
    with receiving(port) as box, app.app_context():
        assert send_due(session, retry_at) == 1
        session.commit()
        run_jobs(app, session)
        [received] = box.received
    assert received["To"] == "mario.rossi@example.test"
    session.refresh(message)
    assert (message.status, message.attempts, message.error) == (MailStatus.SENT, 2, None)


def test_after_the_last_attempt_the_message_is_failed_and_kept(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    for name, value in {"MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": free_port(),
                        "MAIL_SMTP_STARTTLS": False}.items():  # fmt: skip
        monkeypatch.setitem(app.config, name, value)
    with app.app_context():
        message = _pack_mail(session)
    session.commit()
    run_jobs(app, session)
    with app.app_context():
        send_due(session, utcnow() + timedelta(days=1))
    session.commit()
    run_jobs(app, session)
    session.refresh(message)
    assert (message.status, message.attempts) == (MailStatus.FAILED, 2)
    assert message.next_attempt_at is None and message.error
    assert session.scalar(sa.select(sa.func.count()).select_from(MailMessage)) == 1
