"""``flask mail daily-summary``: each staff member gets the running campaigns' figures,
once per Europe/Rome day however often cron runs it, in their language."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import time_machine

from app.campaigns.models import CampaignStatus
from app.mail.models import MailMessage
from app.security import Role
from tests import factories
from tests.integration.mail.conftest import run_jobs
from tests.mailbox import html_of, text_of

T = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _world(session):
    live = factories.campaign(session, code="FLOTTE", name="Flotte <Nord>")
    factories.campaign(session, code="BOZZA", name="Bozza", status=CampaignStatus.DRAFT)
    factories.campaign(session, code="PROVA", name="Prova", practice=True)
    agent = factories.user(session, Role.AGENT)
    for outcome in ("qualified", "qualified", "not_interested", "no_answer"):
        entry = factories.queue_entry(session, live)
        factories.counted(session, factories.call(session, entry, agent, outcome, T, T))
    factories.user(session, Role.STAFF, username="anna", email="anna@example.test")
    factories.user(session, Role.STAFF, username="john", email="john@example.test", locale="en")
    factories.user(session, Role.STAFF, username="nomail")  # no address: nothing
    factories.user(session, Role.SUPERVISOR, username="capo", email="capo@example.test")
    session.commit()


def test_the_summary_goes_once_a_day_to_each_staff_member(app, session, runner, mailbox):
    _world(session)
    with time_machine.travel(datetime(2026, 3, 3, 23, 30, tzinfo=UTC), tick=False):
        first = runner.invoke(args=["mail", "daily-summary"])  # 00:30 in Rome: the 4th
        again = runner.invoke(args=["mail", "daily-summary"])
    assert first.exit_code == 0, first.output
    assert "2 summary e-mail(s) queued for 2026-03-04" in first.output
    assert "0 summary e-mail(s) queued for 2026-03-04" in again.output
    run_jobs(app, session)
    assert sorted(m["To"] for m in mailbox.received) == ["anna@example.test", "john@example.test"]
    keys = session.scalars(sa.select(MailMessage.key).order_by(MailMessage.key)).all()
    assert all(key.startswith("daily-summary:2026-03-04:user=") for key in keys)


def test_the_summary_holds_each_running_campaigns_figures(app, session, runner, mailbox):
    _world(session)
    result = runner.invoke(args=["mail", "daily-summary", "--day", "2026-03-04"])
    assert result.exit_code == 0, result.output
    run_jobs(app, session)
    italian = next(m for m in mailbox.received if m["To"] == "anna@example.test")
    english = next(m for m in mailbox.received if m["To"] == "john@example.test")
    assert italian["Subject"] == "Campagne del 4 marzo 2026"
    assert english["Subject"] == "Campaigns on March 4, 2026"
    text = text_of(italian)
    assert "FLOTTE · Flotte <Nord>" in text
    assert "BOZZA" not in text and "PROVA" not in text  # not running; practice
    # 2 qualified of 3 worked to a final outcome (no answer is not final); 4 calls.
    assert "Redemption: 67%" in text_of(english) and "(target 60%)" in text_of(english)
    assert "Calls: 4" in text_of(english) and "Qualified: 2" in text_of(english)
    assert "Conversion" not in text_of(english)  # no results yet: left out, not zero
    assert "Flotte &lt;Nord&gt;" in html_of(italian)
    assert "http://localhost:5000/board/" in text
