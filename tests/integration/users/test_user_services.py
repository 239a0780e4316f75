"""Creating and changing users: each rule, each refusal, each change audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.security import Role
from app.users.changes import (
    change_own_password,
    reset_password,
    set_active,
    set_team,
    update_user,
)
from app.users.rules import UserError
from app.users.services import create_user, create_with_temporary_password, verify_password
from app.users.teams import create_team, set_team_active
from tests import factories


def audited(session, action):
    return session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


@pytest.fixture
def team(session):
    return create_team(session, code="cc-milano", name="Call center Milano")


def profile(user, **changes):
    """The edit form's values: the user's own, with ``changes``."""
    current = {"full_name": user.full_name, "email": user.email, "locale": user.locale,
               "role": user.role, "zone": None, "team": user.team}  # fmt: skip
    return {**current, **changes}


# -- creating ------------------------------------------------------------------------------


def test_a_new_user_gets_a_temporary_password_to_change(session, users, team):
    user, password = create_with_temporary_password(
        session, username="MRossi", role=Role.AGENT, full_name="Mario Rossi",
        email="m.rossi@example.it", locale="it", team=team, actor_id=users["admin"].id,
    )  # fmt: skip
    assert user.username == "mrossi" and user.team_id == team.id
    assert user.must_change_password and verify_password(user, password)
    entry = audited(session, "user.create")[-1]
    assert entry.user_id == users["admin"].id and entry.object_id == str(user.id)
    assert entry.details["team"] == "CC-MILANO" and entry.details["temporary_password"]
    assert password not in str(entry.details)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "x y"}, "username", "Username must be"),
        ({"username": "agent"}, "username", "already exists"),
        ({"email": "not-an-address"}, "email", "e-mail address"),
        ({"role": Role.STAFF, "team": "TEAM"}, "team_id", "Only agents and supervisors"),
        ({"role": Role.ADMIN, "team": "TEAM"}, "team_id", "Only agents and supervisors"),
        ({"zone": "ZONE"}, "zone_id", "Only staff can have a zone"),
        ({"locale": "fr"}, "locale", "Italian or English"),
    ],
)
def test_creating_refuses(session, users, team, changes, field, message):
    zone = factories.zone(session)
    values = {"username": "nuovo", "role": Role.AGENT, "full_name": "Nuovo Operatore"}
    values.update(changes)
    values = {k: team if v == "TEAM" else zone if v == "ZONE" else v for k, v in values.items()}
    with pytest.raises(UserError, match=message) as refused:
        create_with_temporary_password(session, **values)
    assert refused.value.field == field


def test_a_deactivated_team_takes_no_new_member(session, users, team):
    set_team_active(session, team, False)
    with pytest.raises(UserError, match="not active") as refused:
        create_user(session, username="nuovo", password="a-long-password", role=Role.AGENT,
                    team=team)  # fmt: skip
    assert refused.value.field == "team_id"


# -- changing ------------------------------------------------------------------------------


def test_the_edit_changes_and_audits_only_what_changed(session, users, team):
    agent = users["agent"]
    values = profile(agent, full_name="Anna Neri", locale="en", team=team)
    changed = update_user(session, agent, actor_id=users["admin"].id, **values)
    assert changed == ["full_name", "locale", "team"]
    assert (agent.full_name, agent.locale, agent.team_id) == ("Anna Neri", "en", team.id)
    entry = audited(session, "user.update")[-1]
    assert entry.details["changes"]["full_name"] == ["agent", "Anna Neri"]
    assert entry.details["changes"]["team"] == [None, "CC-MILANO"]
    assert update_user(session, agent, **profile(agent)) == []  # nothing: no audit entry
    assert len(audited(session, "user.update")) == 1


def test_a_role_change_must_fit_the_zone_and_the_team(session, users, team):
    agent = users["agent"]
    set_team(session, agent, team)
    with pytest.raises(UserError, match="Only agents and supervisors") as refused:
        update_user(session, agent, **profile(agent, role=Role.STAFF))
    assert refused.value.field == "team_id"
    update_user(session, agent, **profile(agent, role=Role.STAFF, team=None,
                                          zone=factories.zone(session)))  # fmt: skip
    assert agent.role == Role.STAFF and agent.zone_id is not None and agent.team_id is None


def test_a_member_of_a_team_deactivated_since_keeps_it_when_edited(session, users, team):
    agent = users["agent"]
    set_team(session, agent, team)
    set_team_active(session, team, False)
    update_user(session, agent, **profile(agent, full_name="Ancora Qui"))
    assert agent.team_id == team.id


def test_set_team_is_for_agents_and_supervisors(session, users, team):
    set_team(session, users["supervisor"], team, actor_id=users["admin"].id)
    assert users["supervisor"].team_id == team.id
    assert audited(session, "user.set_team")[-1].details["team"] == "CC-MILANO"
    with pytest.raises(UserError, match="Only agents and supervisors"):
        set_team(session, users["staff"], team)
    set_team(session, users["supervisor"], None)
    assert users["supervisor"].team_id is None


# -- at least one administrator -----------------------------------------------------------


def test_the_last_administrator_cannot_be_demoted_or_deactivated(session, users):
    admin = users["admin"]
    with pytest.raises(UserError, match="At least one active administrator"):
        update_user(session, admin, **profile(admin, role=Role.STAFF))
    with pytest.raises(UserError, match="At least one active administrator"):
        set_active(session, admin, False, actor_id=admin.id)
    assert admin.role == Role.ADMIN and admin.active


def test_with_another_administrator_one_may_step_down(session, users):
    admin, other = users["admin"], factories.user(session, Role.ADMIN, username="admin2")
    set_active(session, other, False)  # an inactive administrator does not count
    with pytest.raises(UserError, match="At least one active administrator"):
        update_user(session, admin, **profile(admin, role=Role.SUPERVISOR))
    set_active(session, other, True)
    update_user(session, admin, **profile(admin, role=Role.SUPERVISOR))
    assert admin.role == Role.SUPERVISOR


def test_deactivate_and_reactivate_are_audited(session, users):
    agent, admin = users["agent"], users["admin"]
    set_active(session, agent, False, actor_id=admin.id)
    assert not agent.active and not agent.is_active
    set_active(session, agent, True, actor_id=admin.id)
    assert agent.active
    assert [e.action for e in audited(session, "user.deactivate")] == ["user.deactivate"]
    assert audited(session, "user.reactivate")[-1].user_id == admin.id


# -- passwords -----------------------------------------------------------------------------


def test_a_reset_gives_a_new_temporary_password(session, users):
    agent = users["agent"]
    password = reset_password(session, agent, actor_id=users["admin"].id)
    assert verify_password(agent, password) and not verify_password(agent, factories.PASSWORD)
    assert agent.must_change_password
    entry = audited(session, "user.reset_password")[-1]
    assert entry.details == {"username": "agent"} and entry.user_id == users["admin"].id


def test_changing_ones_own_password(session, users):
    agent = users["agent"]
    temporary = reset_password(session, agent)
    cases = [
        ("wrong-password", "a-new-long-one", "a-new-long-one", "current", "not your current"),
        (temporary, "short", "short", "new", "at least 10 characters"),
        (temporary, temporary, temporary, "new", "differ from the current"),
        (temporary, "a-new-long-one", "another-one!", "confirm", "do not match"),
    ]
    for current, new, confirm, field, message in cases:
        with pytest.raises(UserError, match=message) as refused:
            change_own_password(session, agent, current, new, confirm)
        assert refused.value.field == field
        assert agent.must_change_password
    change_own_password(session, agent, temporary, "a-new-long-one", "a-new-long-one")
    assert verify_password(agent, "a-new-long-one") and not agent.must_change_password
    assert audited(session, "user.change_password")[-1].user_id == agent.id
