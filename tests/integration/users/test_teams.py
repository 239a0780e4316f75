"""Teams: created, renamed, deactivated and reactivated, each change audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.security import Role
from app.users.changes import set_active, set_team
from app.users.rules import UserError
from app.users.teams import (
    create_team,
    find_team,
    list_teams,
    rename_team,
    set_team_active,
    team_choices,
)
from tests import factories


def actions(session):
    return session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action.like("team.%")).order_by(
            AuditEntry.id)
    ).all()  # fmt: skip


def test_create_rename_deactivate_reactivate(session, users):
    admin = users["admin"].id
    team = create_team(session, code=" cc-milano ", name="Call center Milano", actor_id=admin)
    assert (team.code, team.name, team.active) == ("CC-MILANO", "Call center Milano", True)
    assert rename_team(session, team, "Milano Sud", actor_id=admin)
    assert not rename_team(session, team, "Milano Sud")  # the same name: nothing to record
    set_team_active(session, team, False, actor_id=admin)
    set_team_active(session, team, False)  # already: nothing to record
    assert not team.active
    set_team_active(session, team, True, actor_id=admin)
    assert actions(session) == ["team.create", "team.rename", "team.deactivate",
                                "team.reactivate"]  # fmt: skip
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "team.rename")).one()
    assert entry.details == {"name": "Milano Sud", "previous_name": "Call center Milano"}
    assert entry.user_id == admin


@pytest.mark.parametrize(
    ("code", "name", "field", "message"),
    [
        ("", "Milano", "code", "The code must be"),
        ("CC MILANO", "Milano", "code", "The code must be"),
        ("X" * 33, "Milano", "code", "The code must be"),
        ("CC-ROMA", "", "name", "Write the team's name"),
        ("cc-torino", "Altro", "code", "already exists"),
    ],
)
def test_creating_a_team_refuses(session, code, name, field, message):
    create_team(session, code="CC-TORINO", name="Torino")
    with pytest.raises(UserError, match=message) as refused:
        create_team(session, code=code, name=name)
    assert refused.value.field == field


def test_renaming_needs_a_name(session):
    team = create_team(session, code="CC-ROMA", name="Roma")
    with pytest.raises(UserError, match="Write the team's name"):
        rename_team(session, team, "   ")
    assert team.name == "Roma"


def test_find_team_lists_the_known_codes(session):
    create_team(session, code="CC-ROMA", name="Roma")
    assert find_team(session, "cc-roma").code == "CC-ROMA"
    with pytest.raises(UserError, match="Unknown team 'CC-BARI': known teams are CC-ROMA"):
        find_team(session, "CC-BARI")


def test_the_list_counts_active_members(session, users):
    rome, turin = (create_team(session, code=c, name=c) for c in ("CC-ROMA", "CC-TORINO"))
    set_team(session, users["agent"], rome)
    set_team(session, users["supervisor"], rome)
    gone = factories.user(session, Role.AGENT, team=rome)
    set_active(session, gone, False)
    assert [(row.team.code, row.members) for row in list_teams(session)] == [
        ("CC-ROMA", 2), ("CC-TORINO", 0)]  # fmt: skip
    assert turin.code == "CC-TORINO"


def test_choices_are_active_teams_and_the_users_own(session):
    rome, turin = (create_team(session, code=c, name=c.title()) for c in ("CC-ROMA", "CC-TORINO"))
    set_team_active(session, turin, False)
    assert team_choices(session) == [(rome.id, "CC-ROMA · Cc-Roma")]
    kept = team_choices(session, keep=turin.id)
    assert [team_id for team_id, _label in kept] == [rome.id, turin.id]
    assert "inactive" in kept[1][1]
