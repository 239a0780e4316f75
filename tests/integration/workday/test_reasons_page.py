"""Staff keep the pause reasons in the browser: the seeded list, a new reason, a changed
maximum, a deactivated reason no agent can choose; every change audited."""

from __future__ import annotations

import html

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.workday.models import PauseReason
from tests.conftest import csrf_token

SEEDED = ["break", "lunch", "training", "meeting", "technical_problem", "coaching"]


def reasons(session):
    session.expire_all()
    return {r.code: r for r in session.scalars(sa.select(PauseReason))}


def form(csrf, **values):
    data = {"csrf_token": csrf, "label_it": "", "label_en": "", "max_minutes": "",
            "position": "0", "active": "y"}  # fmt: skip
    return {**data, **values}


def test_the_migration_seeds_the_reasons(session):
    found = reasons(session)
    assert sorted(found, key=lambda c: found[c].position) == SEEDED
    assert (found["break"].label_it, found["break"].max_minutes) == ("Pausa", 15)
    assert (found["lunch"].label_en, found["lunch"].max_minutes) == ("Lunch", 60)
    assert found["coaching"].max_minutes is None and all(r.active for r in found.values())


def test_staff_add_change_and_deactivate_a_reason(client, auth, users, session):
    auth.login("staff")
    page = html.unescape(client.get("/pause-reasons/").get_data(as_text=True))
    assert "Motivi di pausa" in page and "Problema tecnico" in page
    csrf = csrf_token(client, "/pause-reasons/")
    added = client.post("/pause-reasons/", data=form(csrf, label_it="Pausa caffè",
                        label_en="Coffee break", max_minutes="10", position="15"))  # fmt: skip
    assert added.status_code == 302
    coffee = reasons(session)["coffee_break"]
    assert (coffee.label_it, coffee.max_minutes, coffee.position) == ("Pausa caffè", 10, 15)
    changed = client.post(f"/pause-reasons/{coffee.id}", data=form(
        csrf, label_it="Pausa caffè", label_en="Coffee break", max_minutes="12",
        position="15", active=""))  # fmt: skip
    assert changed.status_code == 302
    coffee = reasons(session)["coffee_break"]
    assert (coffee.max_minutes, coffee.active) == (12, False)
    audit = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.like("pause_reason.%"))
        .order_by(AuditEntry.id)
    ).all()  # fmt: skip
    assert [(a.action, a.user_id, a.object_id) for a in audit] == [
        ("pause_reason.create", users["staff"].id, str(coffee.id)),
        ("pause_reason.update", users["staff"].id, str(coffee.id)),
    ]
    assert audit[1].details["changes"] == {"max_minutes": {"from": 10, "to": 12},
                                           "active": {"from": True, "to": False}}  # fmt: skip
    auth.logout()
    auth.login("agent")
    assert "Pausa caffè" not in client.get("/desk/").get_data(as_text=True)


def test_a_reason_that_cannot_be_saved_says_why(client, auth, users, session):
    auth.login("admin")
    csrf = csrf_token(client, "/pause-reasons/")
    refused = client.post("/pause-reasons/", data=form(csrf, label_it="x" * 61,
                          label_en="Long", max_minutes="0"))  # fmt: skip
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert "Il valore non può essere più lungo di 60 caratteri" in page
    assert "Il numero deve essere compreso tra 1 e 480" in page
    blank = client.post("/pause-reasons/", data=form(csrf, label_it="   ", label_en="Blank"))
    assert blank.status_code == 400
    assert "Scrivi l&#39;etichetta" in blank.get_data(as_text=True)
    unsigned = client.post("/pause-reasons/", data={"label_it": "A", "label_en": "A"})
    assert unsigned.status_code == 400
    assert len(reasons(session)) == len(SEEDED)


def test_agents_and_supervisors_may_not_edit_the_list(client, auth, users, session):
    for who in ("agent", "supervisor"):
        auth.login(who)
        assert client.get("/pause-reasons/").status_code == 403
        auth.logout()
