"""A real receiver on loopback: an ``http.server`` in a thread that records every request
and answers as the test scripts it (a status, or no answer until the client gives up)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from app.extensions import db
from app.jobs import runner as job_runner
from app.webhooks.models import WebhookSubscription

# The worlds the events are emitted in: the desk's, the import's, the distribution's.
from tests.integration.desk.conftest import agent, campaign  # noqa: F401
from tests.integration.distribution.conftest import exports, network  # noqa: F401
from tests.integration.imports.conftest import do_import, reference, write_csv  # noqa: F401

HANG = "hang"  # an answer that never comes: the sender's time limit runs out


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int | str] = field(default_factory=list)  # then 200s
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            me = box["receiver"]
            body = self.rfile.read(int(self.headers["Content-Length"]))
            me.requests.append(Received(dict(self.headers.items()), body))
            answer = me.answers.pop(0) if me.answers else 200
            if answer == HANG:
                me.release.wait(10)  # until the test ends; the sender gave up long before
                return
            self.send_response(int(answer))
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    box["receiver"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks")
    try:
        yield box["receiver"]
    finally:
        box["receiver"].release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def webhook_settings(app, monkeypatch):
    """Loopback allowed (the receiver is on it), a short time limit, pause after 3."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setitem(app.config, "WEBHOOK_PAUSE_AFTER", 3)
    return app.config


def subscribe(session, receiver: Receiver, events=("call.recorded",), **kw) -> WebhookSubscription:
    subscription = WebhookSubscription(name="CRM", url=receiver.url, events=list(events),
                                       secret="whsec_test", **kw)  # fmt: skip
    session.add(subscription)
    session.flush()
    return subscription


def run_jobs(app, session) -> list[dict[str, Any] | None]:
    """Run the jobs dispatched so far, in order, as a worker would; their results."""
    results = []
    while session.info["dispatched_jobs"]:
        job_id = session.info["dispatched_jobs"].pop(0)
        with app.app_context():
            try:
                results.append(job_runner.perform(job_id))
            finally:
                db.session.remove()
    return results
