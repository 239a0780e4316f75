"""How the floor names its alerts and lengths of time, for its templates."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from app.floor.rows import Alert, AlertKind
from app.floor.today import duration

ALERT_TEXTS = {
    AlertKind.PAUSE_OVERDUE: _l("Pause past its maximum of %(minutes)s minutes"),
    AlertKind.CALL_LONG: _l("Call longer than the campaign's %(minutes)s minutes"),
    AlertKind.WRAP_UP_LONG: _l("Wrap-up longer than the campaign's %(minutes)s minutes"),
    AlertKind.QUEUE_EMPTY: _l(
        "Waiting over %(minutes)s minutes: the queue has nothing to call. The queue needs "
        "accounts, not the agent a reminder."
    ),
    AlertKind.QUEUE_CLOSED: _l(
        "Waiting over %(minutes)s minutes: nothing may be called now (outside calling "
        "hours, or the campaign is paused)."
    ),
}


def alert_text(alert: Alert) -> str:
    return str(ALERT_TEXTS[alert.kind]) % {"minutes": alert.minutes}


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {
    "floor_alert": alert_text,
    "floor_duration": duration,
}
