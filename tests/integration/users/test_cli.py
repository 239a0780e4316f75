from sqlalchemy import select

from app.security import Role
from app.users.models import User
from app.users.services import find_user, verify_password


def test_create_user_from_the_shell(runner, session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "mrossi",
            "--role",
            "agent",
            "--name",
            "Mario Rossi",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created mrossi (agent)" in result.output
    user = find_user(session, "mrossi")
    assert user.role == Role.AGENT and user.full_name == "Mario Rossi"
    assert verify_password(user, "a-long-password")


def test_password_prompted_twice_when_not_given(runner, session):
    result = runner.invoke(
        args=["users", "create", "lbianchi", "--role", "staff"],
        input="a-long-password\na-long-password\n",
    )
    assert result.exit_code == 0, result.output
    assert find_user(session, "lbianchi").role == Role.STAFF


def test_bad_inputs_give_clear_errors(runner, session):
    cases = [
        (
            ["users", "create", "x y", "--role", "agent", "--password", "a-long-password"],
            "Username must be",
        ),
        (
            ["users", "create", "short", "--role", "agent", "--password", "short"],
            "at least 10 characters",
        ),
        (
            ["users", "create", "boss", "--role", "king", "--password", "a-long-password"],
            "Invalid value for '--role'",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        assert message in result.output
    assert session.scalars(select(User)).all() == []


def test_duplicate_username_refused(runner, session):
    args = ["users", "create", "dup", "--role", "agent", "--password", "a-long-password"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_list_and_set_password(runner, session):
    runner.invoke(
        args=["users", "create", "anna", "--role", "supervisor", "--password", "a-long-password"]
    )
    listing = runner.invoke(args=["users", "list"])
    assert "supervisor" in listing.output and "anna" in listing.output
    changed = runner.invoke(
        args=["users", "set-password", "anna", "--password", "another-long-one"]
    )
    assert changed.exit_code == 0
    assert verify_password(find_user(session, "anna"), "another-long-one")
