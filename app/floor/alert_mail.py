"""The floor's alerts by e-mail, for the supervisors who ask (their account page): one
message per kind of alert, listing the agents it concerns, at most every
``MAIL_ALERT_EVERY_MINUTES`` per supervisor and kind. The floor judges its alerts when it
is read, so ``flask mail floor-alerts`` reads it from cron (every minute) and mails what
it finds; a page that shows the floor (a GET) sends nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.columns import utcnow
from app.floor.labels import alert_text
from app.floor.live import gather
from app.floor.rows import Alert, AlertKind, FloorRow
from app.floor.scope import sees_team
from app.mail.links import external_url
from app.mail.models import MailMessage
from app.mail.services import queue_mail
from app.security import Role
from app.users.models import User


def subscribers(session: Session) -> list[User]:
    """Active supervisors who asked for the alerts and have an address."""
    return list(
        session.scalars(
            sa.select(User)
            .where(User.role == Role.SUPERVISOR, User.active.is_(True))
            .where(User.mail_floor_alerts.is_(True), User.email.is_not(None), User.email != "")
            .order_by(User.id)
        )
    )


def _prefix(user: User, kind: AlertKind) -> str:
    return f"floor-alert:user={user.id}:kind={kind.value}:"


def mailed_recently(session: Session, user: User, kind: AlertKind, now: datetime) -> bool:
    """Whether ``user`` had a message about ``kind`` in the last N minutes."""
    since = now - timedelta(minutes=current_app.config["MAIL_ALERT_EVERY_MINUTES"])
    found = session.scalar(
        sa.select(MailMessage.id)
        .where(MailMessage.key.startswith(_prefix(user, kind)), MailMessage.created_at > since)
        .limit(1)
    )
    return found is not None


def mail_alerts(session: Session, now: datetime | None = None) -> int:
    """Queue the alert messages due at ``now``; returns how many."""
    now = now or utcnow()
    people = subscribers(session)
    if not people:
        return 0
    rows = [FloorRow.from_json(row) for row in gather(session, now)["rows"]]
    queued = 0
    for user in people:
        by_kind: dict[AlertKind, list[tuple[FloorRow, Alert]]] = defaultdict(list)
        for row in rows:
            if sees_team(user, row.team_id):
                for alert in row.alerts(now):
                    by_kind[alert.kind].append((row, alert))
        for kind, found in sorted(by_kind.items()):
            if mailed_recently(session, user, kind, now):
                continue
            message = queue_mail(
                session,
                to=user.email or "",
                template="floor_alert",
                locale=user.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
                context={
                    "name": user.display_name,
                    "alerts": found,
                    "alert_text": alert_text,
                    "floor": external_url("floor.index"),
                    "account": external_url("users.account"),
                },
                key=f"{_prefix(user, kind)}{now.isoformat(timespec='seconds')}",
            )
            queued += message is not None
    return queued
