"""A salesperson's pack by e-mail, through a real SMTP server on loopback: the message
arrives in their language with a link, no account in it; the link downloads their own
ZIP without signing in, audited; an expired, tampered or withdrawn link is refused with a
page that says why."""

from __future__ import annotations

import re
import zipfile
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import time_machine

from app.audit.models import AuditEntry
from app.columns import utcnow
from app.distribution import exporting, services
from app.security import Role
from tests import factories
from tests.integration.distribution.conftest import run_jobs
from tests.mailbox import html_of, receiving, text_of

LINK = re.compile(r"http://localhost:5000/packs/\S+")


@pytest.fixture
def mailbox(app, monkeypatch):
    with receiving() as box:
        for name, value in box.settings().items():
            monkeypatch.setitem(app.config, name, value)
        yield box


@pytest.fixture
def exported(app, session, network, exports, mailbox):
    """A confirmed wave exported: MI-V01 reads Italian, MI-V02 English, TO-V01 has no
    address. The run's jobs, and the mail jobs they start, have run."""
    first, second = network.milano
    first.email, second.email, second.locale = "mi1@example.test", "mi2@example.test", "en"
    for n in range(4):
        network.qualified(session, province="MI", company_name=f"Autotrasporti Segreti {n} SRL")
    network.qualified(session, province="TO", postcode="10121", company_name="Torinese SRL")
    wave = services.create_wave(session, "Dicembre 2026", 50, by=None)
    services.confirm_wave(session, wave, by=None)
    with app.test_request_context():
        run = exporting.start_export(session, wave, parts=1, pdf=False, by=None)
    session.commit()
    run_jobs(app, session)
    session.refresh(run)
    return run


def _received(mailbox, to: str):
    [found] = [m for m in mailbox.received if m["To"] == to]
    return found


def _path(message) -> str:
    return urlsplit(LINK.search(text_of(message))[0]).path


def test_each_salesperson_with_an_address_gets_a_link_in_their_language(exported, mailbox):
    assert sorted(m["To"] for m in mailbox.received) == ["mi1@example.test", "mi2@example.test"]
    italian, english = (
        _received(mailbox, "mi1@example.test"),
        _received(mailbox, "mi2@example.test"),
    )
    assert italian["Subject"] == "Le tue aziende di Dicembre 2026 sono pronte"
    assert english["Subject"] == "Your accounts of Dicembre 2026 are ready"
    assert "Scaricali da questo link" in text_of(italian)
    assert "Download them from this link" in text_of(english)
    for message in (italian, english):
        body = text_of(message) + html_of(message)
        assert "Segreti" not in body and "Torinese" not in body  # no account in the mail
        assert LINK.search(html_of(message))


def test_the_link_downloads_the_own_pack_without_signing_in_and_is_audited(
    app, session, exported, mailbox, client
):
    person = next(p for p in exported.manifest["salespeople"] if p["code"] == "MI-V01")
    # A file download holds the file open until the response is closed.
    with client.get(_path(_received(mailbox, "mi1@example.test"))) as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].endswith(person["zip"]["name"])
        names = zipfile.ZipFile(BytesIO(response.data)).namelist()
    assert names and all(name.startswith(person["folder"] + "/") for name in names)
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "distribution.download")
    ).one()
    assert entry.user_id is None
    assert entry.details["via"] == "mail_link" and entry.details["salesperson"] == "MI-V01"
    assert sorted(entry.details["accounts"]) == sorted(person["account_keys"])


def test_an_expired_link_is_refused_with_a_page_that_says_so(app, exported, mailbox, client):
    path = _path(_received(mailbox, "mi2@example.test"))
    with time_machine.travel(utcnow() + timedelta(days=14, minutes=1), tick=False):
        response = client.get(path)  # in English: MI-V02 reads English
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)
    with time_machine.travel(utcnow() + timedelta(days=13), tick=False), client.get(path) as ok:
        assert ok.status_code == 200


def test_a_tampered_link_is_refused(app, exported, mailbox, client):
    path = _path(_received(mailbox, "mi1@example.test"))
    token = path.rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(f"/packs/{forged}")
    assert response.status_code == 404
    assert 'data-testid="pack-link-refused"' in response.get_data(as_text=True)


def test_a_cancelled_wave_withdraws_the_link(app, session, exported, mailbox, client):
    path = _path(_received(mailbox, "mi1@example.test"))
    services.cancel_wave(session, exported.wave, by=None)
    session.commit()
    response = client.get(path)
    assert response.status_code == 410
    assert "ritirati" in response.get_data(as_text=True)


def test_the_export_page_names_the_mail_folder_when_no_server_is_configured(
    app, session, exported, monkeypatch, tmp_path, client, auth
):
    monkeypatch.setitem(app.config, "MAIL_SMTP_HOST", None)
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path / "outbox"))
    factories.user(session, Role.STAFF, username="ufficio")
    auth.login("ufficio")
    page = client.get(f"/distribution/exports/{exported.id}").get_data(as_text=True)
    assert 'data-testid="mail-folder-notice"' in page and str(tmp_path / "outbox") in page
