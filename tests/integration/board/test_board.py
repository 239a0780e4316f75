"""The board's page and data: figures for supervisors only, computed once for all."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from redis import Redis

from app.board import cache
from app.campaigns.models import QueueEntry, QueueState
from app.desk.models import CallAttempt
from app.scripting.services import load_script
from app.security import Role
from app.users.models import User
from app.workday.machine import AgentState as S
from app.workday.machine import Moment as M
from app.workday.models import StatePeriod
from config import ROOT
from tests import factories


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.forget()
    yield
    cache.forget()


@pytest.fixture
def worked(session, users):
    """A campaign with two accounts worked to the end, one of them qualified."""
    script = load_script(session, ROOT / "call_scripts" / "fleet_qualification.toml")
    campaign = factories.campaign(session, name="Flotte Nord", call_script_id=script.id)
    agent = users["agent"]
    entries = [factories.queue_entry(session, campaign) for _ in range(3)]
    t = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for n, (entry, outcome) in enumerate(
        [(entries[0], "qualified"), (entries[1], "not_interested"), (entries[2], "no_answer")]
    ):
        start = t + timedelta(minutes=n)
        found = factories.call(session, entry, agent, outcome, start, start + timedelta(seconds=60))
        factories.counted(session, found)
    # The state log: the agent was in the campaign for those three minutes.
    end = t + timedelta(minutes=3)
    session.add_all([
        StatePeriod(agent_id=agent.id, state=S.READY, moment=M.TAKE, campaign_id=campaign.id,
                    started_at=t, ended_at=end, seen_at=end),
        StatePeriod(agent_id=agent.id, state=S.SIGNED_OUT, moment=M.SIGN_OUT, started_at=end,
                    seen_at=end),
    ])  # fmt: skip
    session.flush()
    return campaign


def test_a_supervisor_sees_each_campaign_s_redemption_against_its_target(
    client, auth, worked
) -> None:
    auth.login("supervisor")
    page = client.get("/board/").get_data(as_text=True)
    assert "Flotte Nord" in page and "Tasso di contatto" in page  # Italian by default
    row = page[page.index(f'data-campaign="{worked.id}"') :]
    assert "50,0%" in row[: row.index("</tr>")]  # 1 qualified / 2 final
    assert "60,0%" in row[: row.index("</tr>")]  # the default target
    data = client.get("/board/data.json").get_json()
    mine = next(c for c in data["campaigns"] if c["id"] == worked.id)
    assert (mine["redemption"], mine["target"], mine["final"], mine["qualified"]) == (
        0.5, 0.6, 2, 1)  # fmt: skip
    assert mine["contact_rate"] == pytest.approx(2 / 3) and mine["waiting"] == 1


@pytest.mark.parametrize("role", ["agent", "staff"])
def test_other_roles_cannot_see_the_board(client, auth, worked, role) -> None:
    auth.login(role)
    assert client.get("/board/").status_code == 403
    assert client.get("/board/data.json").status_code == 403


def test_the_figures_are_computed_once_for_every_open_board(
    client, auth, worked, monkeypatch
) -> None:
    from app.board import services

    calls = []
    original = services._campaigns
    monkeypatch.setattr(services, "_campaigns", lambda s: calls.append(1) or original(s))
    auth.login("supervisor")
    for _ in range(5):  # five boards refreshing within the same few seconds
        assert client.get("/board/data.json").status_code == 200
    assert len(calls) == 1


def test_without_redis_the_board_keeps_its_figures_in_memory(app) -> None:
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        with app.app_context():
            values = iter([1, 2])
            assert cache.shared("k", 60, lambda: next(values)) == 1
            assert cache.shared("k", 60, lambda: next(values)) == 1
    finally:
        app.config["REDIS_URL"] = None


def test_with_redis_one_copy_serves_every_process(redis_url) -> None:
    url = redis_url
    redis = Redis.from_url(url)
    key = f"test-{os.getpid()}-{datetime.now(UTC).timestamp()}"
    computed = []
    first = cache._from_redis(redis, key, 60, lambda: computed.append(1) or {"n": 1})
    again = cache._from_redis(redis, key, 60, lambda: computed.append(1) or {"n": 2})
    assert first == again == {"n": 1} and len(computed) == 1
    name = cache.PREFIX + key
    assert redis.pttl(name) > 60_000 and not redis.exists(name + ":lock")
    assert 0 < redis.pttl(name + ":fresh") <= 60_000
    # Expired, and another process recomputing (it holds the lock): the previous copy,
    # at once, without computing.
    redis.delete(name + ":fresh")
    redis.set(name + ":lock", "1", ex=30)
    assert cache._from_redis(redis, key, 60, lambda: computed.append(1) or {"n": 3}) == {"n": 1}
    assert len(computed) == 1
    redis.delete(name, name + ":lock")


def test_in_memory_an_expired_copy_is_served_while_another_thread_recomputes(app) -> None:
    import time

    with app.app_context():
        cache._local["k"] = (time.monotonic() - 1, {"n": "old"})  # expired
        cache._computing["k"] = time.monotonic() + 30  # another thread is computing
        assert cache.shared("k", 5, lambda: {"n": "new"}) == {"n": "old"}
        cache._computing["k"] = time.monotonic() - 1  # that thread died long ago
        assert cache.shared("k", 5, lambda: {"n": "new"}) == {"n": "new"}  # now it may


def test_an_expired_copy_is_served_at_once_and_recomputed_after_the_response(
    client, auth, worked, monkeypatch
) -> None:
    """No board request waits for a computation once a copy exists: the request that
    finds it expired answers with it, and recomputes once its response has gone out."""
    import time

    from app.board import services

    calls = []
    original = services._campaigns
    monkeypatch.setattr(services, "_campaigns", lambda s: calls.append(1) or original(s))
    auth.login("supervisor")
    client.get("/board/data.json").close()
    assert len(calls) == 1  # no copy yet: computed in the request
    key = "campaigns"  # services.campaigns_now
    cache._local[key] = (time.monotonic() - 1, {**cache._local[key][1], "as_of": "old"})

    def slow_after(s):  # the recomputation, had it been in the request, would show here
        calls.append(1)
        return original(s)

    monkeypatch.setattr(services, "_campaigns", slow_after)
    response = client.get("/board/data.json")
    assert response.get_json()["as_of"] == "old"  # the expired copy, at once
    response.close()  # the response has gone out: now it recomputes
    assert len(calls) == 2
    assert client.get("/board/data.json").get_json()["as_of"] != "old"
    assert len(calls) == 2 and not cache._computing


def test_the_board_says_when_its_figures_were_computed_in_rome_time(client, auth, worked):
    """Not the data's UTC ISO string: the time in Rome, the ISO string for the script."""
    with time_machine.travel(datetime(2026, 11, 23, 9, 30, 5, tzinfo=UTC), tick=False):
        auth.login("supervisor")
        pages = [client.get(url).get_data(as_text=True)
                 for url in ("/board/", f"/board/campaigns/{worked.id}")]  # fmt: skip
    for page in pages:
        assert 'datetime="2026-11-23T09:30:05+00:00"' in page
        shown = page[page.index("Dati aggiornati alle") :]
        assert re.match(r"Dati aggiornati alle <time [^>]*>10:30:05</time>", shown)


def test_a_campaign_s_page_shows_its_figures_by_day_agent_and_outcome(client, auth, worked) -> None:
    auth.login("supervisor")
    page = client.get(f"/board/campaigns/{worked.id}").get_data(as_text=True)
    assert 'data-testid="redemption">50,0%' in page
    assert "<svg" in page and "Non interessato" in page
    # The day as people read it, its ISO form only in the markup; the chart has a scale,
    # its day named under the axis and its target line named.
    assert '<time datetime="2026-11-23">23 nov</time>' in page
    chart = page[page.index('class="chart"') : page.index("</svg>", page.index('class="chart"'))]
    assert ">0%</text>" in chart and ">50%</text>" in chart and ">100%</text>" in chart
    assert ">23 nov</text>" in chart and ">Obiettivo 60,0%</text>" in chart
    agents = page[page.index('data-testid="agents"') :]
    assert "agent" in agents[: agents.index("</table>")]
    # Three calls in the 3 minutes the agent was signed in to the campaign: 60 an hour.
    assert 'data-testid="calls-per-hour">60,0' in page
    for chart in ("agents-by-redemption", "agents-by-pace"):
        ranked = page[page.index(f'data-testid="{chart}"') :]
        assert "<svg" in ranked[: ranked.index("</figure>")]
    empty = client.get(f"/board/campaigns/{worked.id}?start=2026-12-01&end=2026-12-31")
    assert "Nessuna chiamata" in empty.get_data(as_text=True)
    wrong = client.get(f"/board/campaigns/{worked.id}?start=2026-12-31&end=2026-12-01")
    assert "viene prima" in wrong.get_data(as_text=True)
    assert client.get("/board/campaigns/999999").status_code == 404


def test_a_supervisor_pauses_resumes_and_sets_the_target_all_audited(
    client, auth, worked, session
) -> None:
    from app.audit.models import AuditEntry
    from tests.conftest import csrf_token

    auth.login("supervisor")
    url = f"/board/campaigns/{worked.id}"
    token = csrf_token(client, url)
    assert client.post(url + "/status", data={}).status_code == 400  # no CSRF token
    client.post(url + "/status", data={"csrf_token": token})
    session.expire_all()
    assert worked.status.value == "paused"
    client.post(url + "/status", data={"csrf_token": token})
    session.expire_all()
    assert worked.status.value == "active"
    bad = client.post(url + "/target", data={"csrf_token": token, "target": "150"},
                      follow_redirects=True)  # fmt: skip
    assert "Tra 1 e 100." in bad.get_data(as_text=True)
    client.post(url + "/target", data={"csrf_token": token, "target": "55"})
    session.expire_all()
    assert str(worked.target_redemption) == "0.550"
    assert 'value="55,0"' in client.get(url).get_data(as_text=True)  # Italian figures
    client.post(url + "/target", data={"csrf_token": token, "target": "57,5"})
    session.expire_all()
    assert str(worked.target_redemption) == "0.575"
    actions = session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_id == str(worked.id))
    ).all()
    assert actions.count("campaign.status") == 2 and "campaign.update" in actions


def test_each_table_downloads_as_a_formula_safe_csv(client, auth, worked, session) -> None:
    worked.code = "=CMD"  # a code a spreadsheet would run, in the file's name only
    agent = session.get(User, session.scalar(sa.select(CallAttempt.agent_id).limit(1)))
    agent.full_name = "=1+1"  # a name a spreadsheet would run, in a cell
    session.flush()
    auth.login("supervisor")
    response = client.get(f"/board/campaigns/{worked.id}/agents.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="CMD-agents.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffOperatore;Chiamate;")
    assert "'=1+1;3;2;2;1;0,5;0,67;60;60" in text  # neutralised; Italian decimals
    days = client.get(f"/board/campaigns/{worked.id}/days.csv?start=2026-11-23&end=2026-11-23")
    assert "2026-11-23;3;" in days.get_data(as_text=True)
    assert client.get(f"/board/campaigns/{worked.id}/secrets.csv").status_code == 404


def test_a_supervisor_sees_who_holds_what_and_releases_a_stuck_account(
    client, auth, worked, session, users
) -> None:
    from app.accounts.status import AccountStatus
    from app.audit.models import AuditEntry
    from tests.conftest import csrf_token

    stuck = factories.queue_entry(session, worked)
    stuck.state, stuck.lease_holder_id = QueueState.LEASED, users["agent"].id
    stuck.lease_expires_at = datetime.now(UTC) - timedelta(minutes=3)  # the browser died
    account = session.get(factories.Account, stuck.account_id)
    account.status = AccountStatus.IN_CALL
    other = factories.queue_entry(session, factories.campaign(session))
    session.flush()
    auth.login("supervisor")
    url = f"/board/campaigns/{worked.id}"
    page = client.get(url).get_data(as_text=True)
    held = page[page.index('data-testid="held"') :]
    assert account.company_name in held and "agent" in held and "scadut" in held
    token = csrf_token(client, url)
    release = f"{url}/held/{stuck.id}/release"
    assert client.post(release, data={}).status_code == 400
    assert (
        client.post(f"{url}/held/{other.id}/release", data={"csrf_token": token}).status_code == 403
    )
    done = client.post(release, data={"csrf_token": token}, follow_redirects=True)
    assert "di nuovo in coda" in done.get_data(as_text=True)
    session.expire_all()
    assert (stuck.state, stuck.lease_holder_id, account.status) == (
        QueueState.WAITING, None, AccountStatus.QUEUED)  # fmt: skip
    again = client.post(release, data={"csrf_token": token}, follow_redirects=True)
    assert "Nessuno" in again.get_data(as_text=True)
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "queue.release")).all()
    assert len(audit) == 1 and audit[0].details["holder_id"] == users["agent"].id


def test_a_supervisor_checks_an_agent_s_qualifications(client, auth, worked, session, users):
    from app.accounts.status import AccountStatus
    from app.audit.models import AuditEntry
    from tests.conftest import csrf_token

    qualified = session.scalars(
        sa.select(CallAttempt).where(
            CallAttempt.campaign_id == worked.id, CallAttempt.outcome == "qualified"
        )
    ).one()
    session.get(factories.Account, qualified.account_id).status = AccountStatus.QUALIFIED
    session.flush()
    agent = users["agent"]
    auth.login("supervisor")
    url = f"/board/campaigns/{worked.id}/agents/{agent.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="agent-redemption">50,0%' in page and 'data-testid="to-check"' in page
    token = csrf_token(client, url)
    assert client.post(url + "/checks", data={"call_id": qualified.id}).status_code == 400
    done = client.post(url + "/checks", data={"csrf_token": token, "call_id": qualified.id,
                                              "note": "mai parlato col responsabile",
                                              "reject": "1"}, follow_redirects=True)  # fmt: skip
    text = done.get_data(as_text=True)
    assert "di nuovo in coda" in text
    assert 'data-testid="agent-redemption">0,0%' in text  # 0 qualified / 2 final
    session.expire_all()
    entry = session.scalars(sa.select(QueueEntry).where(
        QueueEntry.account_id == qualified.account_id)).one()  # fmt: skip
    assert entry.state == QueueState.WAITING
    assert session.get(factories.Account, qualified.account_id).status == AccountStatus.QUEUED
    again = client.post(url + "/checks", data={"csrf_token": token, "call_id": qualified.id,
                                               "verify": "1"}, follow_redirects=True)  # fmt: skip
    assert "non è una qualifica ancora valida" in again.get_data(as_text=True)
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "quality.check"))
    assert [e.details["verdict"] for e in audit] == ["rejected"]
    # Not an agent: no drill-down.
    assert client.get(f"/board/campaigns/{worked.id}/agents/{users['staff'].id}").status_code == 403


def test_each_table_downloads_as_xlsx_with_numbers_and_inert_text(
    client, auth, worked, session, tmp_path
) -> None:
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    agent = session.get(User, session.scalar(sa.select(CallAttempt.agent_id).limit(1)))
    agent.full_name = "=HYPERLINK(1)"
    session.flush()
    auth.login("supervisor")
    response = client.get(f"/board/campaigns/{worked.id}/agents.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    path = tmp_path / "agents.xlsx"
    path.write_bytes(response.get_data())
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0][:2] == ["Operatore", "Chiamate"]
    assert rows[1][0] == "=HYPERLINK(1)"  # a string cell, as typed: text, never a formula
    assert load_workbook(path).active["A2"].data_type == "s"
    assert rows[1][1:6] == [3, 2, 2, 1, 0.5]  # numbers the spreadsheet can sum


def test_a_supervisor_moves_and_gives_a_callback_and_requeues_dead_ends(
    client, auth, worked, session, users
) -> None:
    from app.accounts.status import AccountStatus
    from app.audit.models import AuditEntry
    from tests.conftest import csrf_token

    agent, other = users["agent"], factories.user(session, Role.AGENT, "agent2")
    due = datetime(2026, 11, 24, 9, tzinfo=UTC)
    callback = factories.queue_entry(
        session, worked, is_callback=True, callback_agent_id=agent.id, next_call_at=due
    )
    done_entries = sa.select(QueueEntry).where(
        QueueEntry.campaign_id == worked.id, QueueEntry.state == QueueState.DONE
    )
    by_outcome = {}
    for entry in session.scalars(done_entries):  # one qualified, one not interested
        outcome = session.scalar(
            sa.select(CallAttempt.outcome).where(CallAttempt.account_id == entry.account_id)
        )
        account = session.get(factories.Account, entry.account_id)
        account.status = AccountStatus(outcome)
        by_outcome[outcome] = entry
    not_interested, qualified = by_outcome["not_interested"], by_outcome["qualified"]
    session.flush()
    auth.login("supervisor")
    url = f"/board/campaigns/{worked.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="callbacks"' in page and 'data-testid="dead-ends"' in page
    token = csrf_token(client, url)
    # Move: 10:30 in Rome is 09:30 UTC in November.
    client.post(f"{url}/callbacks/{callback.id}/move",
                data={"csrf_token": token, "when": "2026-11-25T10:30"})  # fmt: skip
    client.post(f"{url}/callbacks/{callback.id}/agent",
                data={"csrf_token": token, "agent": str(other.id)})  # fmt: skip
    bad = client.post(f"{url}/callbacks/{callback.id}/agent",
                      data={"csrf_token": token, "agent": str(users["staff"].id)})  # fmt: skip
    assert bad.status_code == 400  # not one of the agents offered
    chosen = {"csrf_token": token, "entry": [not_interested.id, qualified.id]}
    done = client.post(f"{url}/requeue", data=chosen, follow_redirects=True)
    assert "1 account di nuovo in coda" in done.get_data(as_text=True)  # not the qualified one
    session.expire_all()
    assert callback.next_call_at == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    assert callback.callback_agent_id == other.id
    assert (not_interested.state, not_interested.attempts) == (QueueState.WAITING, 0)
    assert qualified.state == QueueState.DONE
    actions = set(session.scalars(sa.select(AuditEntry.action)))
    assert {"queue.callback_moved", "queue.callback_reassigned", "queue.requeued"} <= actions


def test_the_floor_counts_agents_in_a_call_and_at_work(session) -> None:
    from app.board.floor import floor_now

    campaign = factories.campaign(session)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    holding, recent, gone = (factories.user(session, Role.AGENT, n) for n in ("a1", "a2", "a3"))
    held = factories.queue_entry(session, campaign)
    held.state, held.lease_holder_id = QueueState.LEASED, holding.id
    held.lease_expires_at = now + timedelta(minutes=4)
    for agent, ago in ((recent, 5), (gone, 20)):
        entry = factories.queue_entry(session, campaign)
        session.add(CallAttempt(campaign_id=campaign.id, account_id=entry.account_id,
                                agent_id=agent.id, outcome="no_answer",
                                started_at=now - timedelta(minutes=ago + 1),
                                ended_at=now - timedelta(minutes=ago)))  # fmt: skip
    session.flush()
    floor = floor_now(session, campaign, now)
    assert (floor.agents_in_call, floor.agents_active) == (1, 2)
    assert [h.agent for h in floor.held] == ["a1"] and not floor.held[0].stuck


def test_a_supervisor_gives_several_callbacks_at_once_audited(
    client, auth, worked, session, users
) -> None:
    from app.audit.models import AuditEntry
    from tests.conftest import csrf_token

    agent, other = users["agent"], factories.user(session, Role.AGENT, "agent2")
    due = datetime(2026, 11, 24, 9, tzinfo=UTC)
    waiting = {"is_callback": True, "callback_agent_id": agent.id, "next_call_at": due}
    mine = [factories.queue_entry(session, worked, **waiting) for _ in range(3)]
    mine[2].state = QueueState.LEASED  # taken meanwhile: left alone
    session.flush()
    auth.login("supervisor")
    url = f"/board/campaigns/{worked.id}"
    assert 'data-testid="callbacks-bulk"' in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    none = client.post(f"{url}/callbacks/reassign", data={"csrf_token": token, "agent": ""},
                       follow_redirects=True)  # fmt: skip
    assert "Scegli almeno" in none.get_data(as_text=True)
    given = client.post(
        f"{url}/callbacks/reassign",
        data={"csrf_token": token, "agent": str(other.id), "callback": [e.id for e in mine]},
        follow_redirects=True,
    )
    assert "2 richiami assegnati" in given.get_data(as_text=True)
    session.expire_all()
    assert [e.callback_agent_id for e in mine] == [other.id, other.id, agent.id]
    to_anyone = {"csrf_token": token, "agent": "", "callback": [mine[0].id]}
    anyone = client.post(f"{url}/callbacks/reassign", data=to_anyone)
    assert anyone.status_code == 302
    session.expire_all()
    assert mine[0].callback_agent_id is None  # any agent may take it now
    entries = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "queue.callbacks_reassigned")
    ).all()
    assert len(entries) == 2 and entries[0].details["new"] == other.id
    unauthorised = client.post(f"{url}/callbacks/reassign", data={"agent": ""})
    assert unauthorised.status_code == 400  # no CSRF token


def test_a_campaign_s_page_refreshes_its_figures_from_parts_rendered_once(
    client, auth, worked, session
) -> None:
    auth.login("supervisor")
    url = f"/board/campaigns/{worked.id}"
    page = client.get(url).get_data(as_text=True)
    assert f'data-figures-url="{url}/parts.json"' in page
    parts = client.get(f"{url}/parts.json").get_json()
    assert set(parts) == {"as_of", "headline", "figures"}
    assert 'data-testid="redemption">50,0%' in parts["headline"]
    assert 'data-testid="agents"' in parts["figures"] and "csrf_token" not in parts["figures"]
    ranged = client.get(f"{url}/parts.json?start=2026-11-23&end=2026-11-23").get_json()
    assert "start=2026-11-23" in ranged["figures"]  # its downloads keep the range
    # Another qualification shows once the 5 s copy has expired.
    agent = session.get(User, session.scalar(sa.select(CallAttempt.agent_id).limit(1)))
    entry = factories.queue_entry(session, worked)
    t = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    factories.counted(session, factories.call(session, entry, agent, "qualified", t, t))
    for key in list(cache._local):  # expired: served once more, recomputed after
        cache._local[key] = (0.0, cache._local[key][1])
    stale = client.get(f"{url}/parts.json")
    assert 'data-testid="redemption">50,0%' in stale.get_json()["headline"]
    stale.close()
    again = client.get(f"{url}/parts.json").get_json()
    assert 'data-testid="redemption">66,7%' in again["headline"]
    auth.logout()
    auth.login("agent")
    assert client.get(f"{url}/parts.json").status_code == 403


def test_with_redis_an_expired_copy_is_recomputed_after_the_response(
    app, client, auth, worked, redis_url, monkeypatch
) -> None:
    from app.board import services

    redis = Redis.from_url(redis_url)
    name = cache.PREFIX + "campaigns"
    redis.delete(name, name + ":fresh", name + ":lock")
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    calls = []
    original = services._campaigns
    monkeypatch.setattr(services, "_campaigns", lambda s: calls.append(1) or original(s))
    auth.login("supervisor")
    client.get("/board/data.json").close()
    assert len(calls) == 1
    redis.delete(name + ":fresh")  # expired
    response = client.get("/board/data.json")
    assert response.status_code == 200 and len(calls) == 1  # answered from the copy
    assert redis.exists(name + ":lock")  # this process recomputes it, once sent
    response.close()
    assert len(calls) == 2 and redis.exists(name + ":fresh") and not redis.exists(name + ":lock")
    redis.delete(name, name + ":fresh")


def test_the_day_the_goal_is_reached_reads_as_a_date(app) -> None:
    from app.board.labels import day_label

    with app.test_request_context():
        assert day_label("2030-03-20") == "20 marzo 2030"


def test_an_agent_is_named_by_full_name_and_their_calls_come_newest_first(
    client, auth, worked, session, users
) -> None:
    agent = users["agent"]
    agent.full_name = "Giulia Verdi"
    # Recorded last but made first (a call written late): listed last, by when it was made.
    entry = factories.queue_entry(session, worked)
    early = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    factories.call(session, entry, agent, "no_answer", early, early + timedelta(seconds=30))
    session.flush()
    auth.login("supervisor")
    page = client.get(f"/board/campaigns/{worked.id}").get_data(as_text=True)
    agents = page[page.index('data-testid="agents"') :]
    assert "Giulia Verdi" in agents[: agents.index("</table>")]
    data = client.get(f"/board/campaigns/{worked.id}/parts.json").get_json()
    assert "Giulia Verdi" in str(data)
    drill = client.get(f"/board/campaigns/{worked.id}/agents/{agent.id}").get_data(as_text=True)
    assert "<title>Giulia Verdi" in drill
    calls = drill[drill.index('data-testid="agent-calls"') :]
    calls = calls[: calls.index("</table>")]
    days = re.findall(r"(\d\d/\d\d/\d\d), (\d\d:\d\d)", calls)
    assert days == sorted(days, key=lambda d: (d[0][6:], d[0][3:5], d[0][:2], d[1]), reverse=True)
    assert len(days) == 4


def test_one_name_for_an_agent_in_sql_and_in_python(session) -> None:
    named = factories.user(session, full_name="Marco Neri")
    bare = factories.user(session)
    bare.full_name = ""
    session.flush()
    assert (named.display_name, bare.display_name) == ("Marco Neri", bare.username)
    found = dict(session.execute(sa.select(User.id, User.display_name)).all())
    assert (found[named.id], found[bare.id]) == ("Marco Neri", bare.username)


def test_the_check_shows_what_the_agent_captured(client, auth, worked, session, users) -> None:
    qualified = session.scalars(
        sa.select(CallAttempt).where(
            CallAttempt.campaign_id == worked.id, CallAttempt.outcome == "qualified"
        )
    ).one()
    qualified.answers = {
        "has_trucks": True,
        "main_tonnage_class": "gt_16",
        "contact_name": "Mario Bianchi",
        "fleet_lines": [{"brand": "iveco", "brand_other": None, "vehicle_count": 12,
                         "tonnage_class": "gt_16"}],
    }  # fmt: skip
    qualified.notes = "richiamare dopo le 15"
    session.flush()
    auth.login("supervisor")
    page = client.get(f"/board/campaigns/{worked.id}/agents/{users['agent'].id}")
    sample = page.get_data(as_text=True)
    sample = sample[sample.index('data-testid="to-check"') :]
    sample = sample[: sample.index("</table>")]
    assert "Posso avere il suo nome e cognome?" in sample and "Mario Bianchi" in sample
    assert "Oltre 16 t" in sample and "gt_16" not in sample  # the choice's label
    assert "Iveco" in sample and "12" in sample and "Sì" in sample
    assert "richiamare dopo le 15" in sample


def test_a_verdict_does_not_reshuffle_the_sample(session, users) -> None:
    from app.board.models import Verdict
    from app.board.quality import check, to_check

    script = load_script(session, ROOT / "call_scripts" / "fleet_qualification.toml")
    campaign = factories.campaign(session, name="Campione", call_script_id=script.id)
    agent = users["agent"]
    t = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for n in range(25):
        entry = factories.queue_entry(session, campaign)
        start = t + timedelta(minutes=n)
        found = factories.call(
            session, entry, agent, "qualified", start, start + timedelta(seconds=30)
        )
        factories.counted(session, found)
    first = [item.call_id for item in to_check(session, campaign, agent.id)]
    assert len(first) == 10
    assert [item.call_id for item in to_check(session, campaign, agent.id)] == first
    check(session, campaign, first[3], Verdict.VERIFIED, by=users["supervisor"].id)
    after = [item.call_id for item in to_check(session, campaign, agent.id)]
    assert after[:9] == first[:3] + first[4:]  # the others stay, in their order


def test_calls_before_the_state_log_count_in_no_hourly_figure(client, auth, worked, session, users):
    """Two calls on a day the log did not exist yet: the calls count, the pace is the
    logged day's alone (3 calls in 3 minutes), and that day shows no pace."""
    entry = factories.queue_entry(session, worked)
    for n in range(2):
        start = datetime(2026, 11, 20, 9, n, tzinfo=UTC)
        found = factories.call(session, entry, users["agent"], "no_answer", start,
                               start + timedelta(seconds=30))  # fmt: skip
        factories.counted(session, found)
    auth.login("supervisor")
    page = client.get(f"/board/campaigns/{worked.id}").get_data(as_text=True)
    assert 'data-testid="calls-per-hour">60,0' in page
    days = page[page.index('<time datetime="2026-11-20">') :]
    assert days[: days.index("</tr>")].endswith("\u2013</td>")  # no figure
    data = client.get(f"/board/campaigns/{worked.id}/parts.json").get_json()
    assert "60,0" in data["headline"]


def test_accounts_qualified_elsewhere_are_counted_apart_from_every_redemption(
    client, auth, worked, session
) -> None:
    """An imported earlier result qualified them: the board shows them under their own
    heading, and the campaign's redemption stays that of its calls."""
    from datetime import date

    from app.accounts.status import AccountStatus

    marked = {AccountStatus.QUALIFIED: 2, AccountStatus.DISTRIBUTED: 1,
              AccountStatus.NOT_INTERESTED: 1}  # fmt: skip
    for status, count in marked.items():
        for _ in range(count):
            factories.account(session, status=status, qualified_elsewhere_on=date(2026, 11, 2))
    factories.account(session, status=AccountStatus.QUALIFIED)  # ours: not counted here
    factories.account(session, status=AccountStatus.QUALIFIED, practice=True,
                      qualified_elsewhere_on=date(2026, 11, 2))  # fmt: skip
    auth.login("supervisor")
    page = client.get("/board/").get_data(as_text=True)
    section = page[page.index('data-testid="qualified-elsewhere"') :]
    assert "Qualificati da azioni precedenti" in section
    found = dict(re.findall(r'data-field="elsewhere-(\w+)">(\d+)<', section))
    assert found == {"waiting": "2", "distributed": "1", "other": "1", "total": "4"}
    row = page[page.index(f'data-campaign="{worked.id}"') :]
    assert "50,0%" in row[: row.index("</tr>")]


def test_no_heading_for_accounts_qualified_elsewhere_when_there_are_none(
    client, auth, worked
) -> None:
    auth.login("supervisor")
    assert 'data-testid="qualified-elsewhere"' not in client.get("/board/").get_data(as_text=True)
