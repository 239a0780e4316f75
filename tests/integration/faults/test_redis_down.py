"""Redis goes down: the desk, the board and sign-in keep working; starting an import or
an export says clearly that background work is unavailable, and nothing is half-created.

The Redis here is a private redis-server, killed (SIGKILL) once the board has put its
figures in it, as a crashed Redis host would be."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from redis import Redis

from app.board import cache
from app.desk.models import CallAttempt
from app.distribution import services as distribution
from app.distribution.models import ExportRun, Wave
from app.imports.models import BatchStatus, ImportBatch, ImportMapping
from app.imports.views import JOBS_UNAVAILABLE
from app.jobs.models import JobRun
from tests.conftest import Auth, csrf_token
from tests.integration.desk.conftest import queued_account

TOKEN_RE = re.compile(r'name="client_token"[^>]*value="([0-9a-f]+)"')
CSV = b"RAGIONE SOCIALE;COMUNE;PROV\r\nRossi SRL;Como;CO\r\n"


@pytest.fixture
def redis_dies(app, private_redis, monkeypatch):
    """The application configured with the private Redis, which the test then kills."""
    monkeypatch.setitem(app.config, "REDIS_URL", private_redis.url)
    cache.forget()
    yield private_redis
    cache.forget()


def _unavailable(app) -> str:
    with app.test_request_context(), force_locale("it"):
        return str(JOBS_UNAVAILABLE)


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_desk_the_board_and_sign_in_work_without_redis(
    app, session, users, campaign, redis_dies, office_hours
):
    queued_account(session, campaign, "Trasporti Uno SRL")
    queued_account(session, campaign, "Trasporti Due SRL", phone="0612345678")
    board = app.test_client()
    Auth(board).login("supervisor")
    assert board.get("/board/data.json").status_code == 200
    assert Redis.from_url(redis_dies.url).keys(cache.PREFIX + "*")  # the board used Redis

    redis_dies.kill()
    assert not redis_dies.answers()

    desk = app.test_client()
    signed_in = Auth(desk).login("agent")
    assert signed_in.status_code == 302  # sign-in needs no Redis
    token = csrf_token(desk, "/desk/")
    taken = desk.post(f"/desk/campaigns/{campaign.id}/next", data={"csrf_token": token})
    assert taken.status_code == 302 and "/desk/calls/" in taken.headers["Location"]
    url = taken.headers["Location"]
    page = desk.get(url).get_data(as_text=True)
    csrf = csrf_token(desk, url)
    draft = desk.post(url + "/draft", json={"fields": {"a.contact_name": "Paola Verdi"}},
                      headers={"X-CSRFToken": csrf})  # fmt: skip
    assert draft.status_code == 200 and draft.get_json()["saved_at"]
    assert 'value="Paola Verdi"' in desk.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf, "client_token": TOKEN_RE.search(page).group(1),
            "outcome": "busy"}  # fmt: skip
    recorded = desk.post(url + "/outcome", data=data)
    assert recorded.status_code == 302 and recorded.headers["Location"] != url
    assert _count(session, CallAttempt) == 1

    cache.forget()  # no copy in memory: the figures must be computed without Redis
    figures = board.get("/board/data.json")
    assert figures.status_code == 200
    mine = next(c for c in figures.get_json()["campaigns"] if c["id"] == campaign.id)
    assert mine["attempts"] == 1  # the call made while Redis was down is counted
    assert board.get("/board/").status_code == 200
    assert board.get(f"/board/campaigns/{campaign.id}").status_code == 200


def test_an_import_cannot_start_and_says_why_leaving_nothing_half_created(
    app, session, users, redis_dies
):
    client = app.test_client()
    Auth(client).login("staff")
    redis_dies.kill()
    token = csrf_token(client, "/imports/")
    uploaded = client.post(
        "/imports/",
        data={"csrf_token": token, "source_kind": "customer_base",
              "file": (io.BytesIO(CSV), "clienti.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert uploaded.status_code == 302  # reading the file needs no Redis
    batch = session.scalars(sa.select(ImportBatch)).one()
    form = {"csrf_token": token, "col_0": "company_name", "col_1": "municipality",
            "col_2": "province"}  # fmt: skip
    refused = client.post(f"/imports/{batch.id}/mapping", data=form)

    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert 'data-testid="mapping-errors"' in page and _unavailable(app) in page
    session.expire_all()
    assert batch.status == BatchStatus.UPLOADED and batch.job_run_id is None
    assert batch.column_mapping is None
    assert _count(session, ImportMapping) == 0 and _count(session, JobRun) == 0


def test_an_export_cannot_start_and_says_why_leaving_nothing_half_created(
    app, session, users, network, exports, redis_dies
):
    for _ in range(2):
        network.qualified(session, province="MI")
    wave = distribution.create_wave(session, "Novembre", 5, by=None)
    distribution.confirm_wave(session, wave, by=None)
    session.flush()
    client = app.test_client()
    Auth(client).login("staff")
    redis_dies.kill()
    token = csrf_token(client, f"/distribution/waves/{wave.id}")
    refused = client.post(f"/distribution/waves/{wave.id}/export",
                          data={"csrf_token": token, "locale": "it"},
                          follow_redirects=True)  # fmt: skip

    assert refused.status_code == 200
    assert "Le elaborazioni in background non sono disponibili" in refused.get_data(as_text=True)
    assert _count(session, ExportRun) == 0 and _count(session, JobRun) == 0
    assert session.get(Wave, wave.id).status.value == "confirmed"
