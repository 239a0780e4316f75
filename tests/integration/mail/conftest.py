"""The e-mail tests: a real SMTP server on loopback, the application pointed at it."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.jobs import runner as job_runner
from tests.mailbox import receiving


@pytest.fixture
def mailbox(app, monkeypatch):
    with receiving() as box:
        for name, value in box.settings().items():
            monkeypatch.setitem(app.config, name, value)
        yield box


@pytest.fixture
def mail_folder(app, tmp_path, monkeypatch):
    """No SMTP server configured: messages go to this folder."""
    monkeypatch.setitem(app.config, "MAIL_SMTP_HOST", None)
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path / "mail"))
    return tmp_path / "mail"


def run_jobs(app, session) -> None:
    """Run the dispatched jobs in order, as a worker would, until none is left."""
    done: set[str] = set()
    while pending := [j for j in session.info["dispatched_jobs"] if j not in done]:
        for job_id in pending:
            done.add(job_id)
            with app.app_context():
                try:
                    job_runner.perform(job_id)
                finally:
                    db.session.remove()
