"""The shell keeps parity with the users and teams pages: same services, same rules."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.security import Role
from app.users.models import Team
from app.users.services import find_user, verify_password
from tests import factories


def run(runner, *args):
    return runner.invoke(args=list(args))


def test_teams_from_the_shell(runner, session):
    assert run(runner, "teams", "list").output.startswith("No teams yet")
    created = run(runner, "teams", "create", "cc-milano", "Call center Milano")
    assert created.exit_code == 0 and "Created team CC-MILANO" in created.output
    assert run(runner, "teams", "rename", "CC-MILANO", "Milano Nord").exit_code == 0
    assert run(runner, "teams", "deactivate", "cc-milano").exit_code == 0
    listing = run(runner, "teams", "list").output
    assert re.search(r"CC-MILANO\s+0 member\(s\)\s+deactivated\s+Milano Nord", listing)
    assert run(runner, "teams", "reactivate", "CC-MILANO").exit_code == 0
    assert session.scalars(sa.select(Team)).one().active


def test_team_mistakes_are_explained_in_english(runner, session):
    run(runner, "teams", "create", "CC-ROMA", "Roma")
    cases = [
        (["teams", "create", "CC-ROMA", "Altro"], "Team CC-ROMA already exists"),
        (["teams", "create", "CC ROMA", "Altro"], "The code must be"),
        (["teams", "rename", "CC-BARI", "Bari"], "Unknown team 'CC-BARI': known teams are CC-ROMA"),
        (["users", "create", "op1", "--role", "staff", "--team", "CC-ROMA", "--password",
          "a-long-password"], "Only agents and supervisors belong to a team"),
    ]  # fmt: skip
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 1, args
        assert message in result.output, (args, result.output)


def test_users_with_a_team_and_a_temporary_password(runner, session):
    run(runner, "teams", "create", "CC-ROMA", "Roma")
    result = run(runner, "users", "create", "op1", "--role", "agent", "--team", "cc-roma",
                 "--temporary-password")  # fmt: skip
    assert result.exit_code == 0, result.output
    password = result.output.strip().rsplit(" ", 1)[-1]
    user = find_user(session, "op1")
    assert verify_password(user, password) and user.must_change_password
    assert user.team.code == "CC-ROMA"
    assert "[team CC-ROMA]" in run(runner, "users", "list").output
    assert run(runner, "users", "set-team", "op1", "--none").exit_code == 0
    session.expire_all()
    assert find_user(session, "op1").team_id is None
    assert (
        run(runner, "users", "set-team", "op1", "CC-ROMA").output == "op1 is now in team CC-ROMA.\n"
    )
    both = run(runner, "users", "create", "op2", "--role", "agent", "--password",
               "a-long-password", "--temporary-password")  # fmt: skip
    assert both.exit_code != 0 and "not both" in both.output


def test_deactivate_reactivate_reset_unlock(runner, session):
    factories.user(session, Role.AGENT, username="op1")
    factories.user(session, Role.ADMIN, username="boss")
    session.commit()
    assert run(runner, "users", "deactivate", "op1").exit_code == 0
    assert "(disabled)" in run(runner, "users", "list").output
    assert run(runner, "users", "reactivate", "op1").exit_code == 0
    reset = run(runner, "users", "reset-password", "op1")
    password = reset.output.strip().rsplit(" ", 1)[-1]
    session.expire_all()
    assert verify_password(find_user(session, "op1"), password)
    assert run(runner, "users", "unlock", "op1").output == "op1 may sign in again now.\n"
    last = run(runner, "users", "deactivate", "boss")
    assert last.exit_code == 1 and "At least one active administrator must remain" in last.output
    actions = session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("user.%")).order_by(AuditEntry.id)).all()  # fmt: skip
    assert actions[-4:] == ["user.deactivate", "user.reactivate", "user.reset_password",
                            "user.unlock"]  # fmt: skip
    assert run(runner, "users", "unlock", "nessuno").output.endswith(
        "No user 'nessuno': see 'flask users list'.\n")  # fmt: skip
