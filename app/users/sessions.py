"""Ending a user's sessions on the server.

The session is a signed cookie the server does not keep, so a copy of it would work until
its idle limit. Each user has a ``session_version`` that every session carries in its
token (``User.get_id``: ``"<id>:<version>"``); the user loader (``load_user``) loads the
user only when the versions match. Raising the version ends every session of the user at
once, including any remember cookie, which carries the same token.

It is raised on sign-out (``end_sessions``) and, by the model's listener
(``app.users.models``), in the same UPDATE as any change that an open session must not
outlive: the password (changed, reset, set from the shell; also re-hashed at a sign-in
after argon2's defaults change), the active flag (deactivated, and so not back by a
reactivation), the role, the zone, the team. Whoever changes their own password is signed
in again with the new version.

An agent's working day ends with their sessions: the flush that raises the version writes
them signed out in the state log (moment ``revoke``; ``app.users.models``), but for whoever
changes their own password, who goes on working.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.users.models import User, revoked


def end_sessions(session: Session, user: User) -> None:
    """End every session of ``user`` (sign-out ends them all, not only this browser's),
    and with them their working day (``Moment.REVOKE``; a sign-out writes its own moment
    first)."""
    user.session_version = User.session_version + 1
    revoked(session, user)
    session.flush()


def load_session_user(session: Session, token: str) -> User | None:
    """The user a session's token names, if the token is current and the user active."""
    user_id, _sep, version = token.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None  # a token from before versions (or forged): signed out
    user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
