"""The reasons an agent may pause for: a short list staff keep (label in Italian and
English, an optional maximum, active or not, an order). Seeded by the migration that made
the table: break, lunch, training, meeting, technical problem, coaching."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.audit.services import record
from app.workday.models import PauseReason

LABEL_MAX = 60
MAX_MINUTES = (1, 480)
POSITION = (0, 999)


class ReasonError(ValueError):
    """A pause reason that cannot be saved; ``field`` is the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ReasonValues:
    label_it: str
    label_en: str
    max_minutes: int | None
    active: bool
    position: int


def active_reasons(session: Session) -> list[PauseReason]:
    """The reasons an agent may choose, in their order."""
    return list(session.scalars(_ACTIVE))


_ACTIVE = (
    sa.select(PauseReason).where(PauseReason.active).order_by(PauseReason.position, PauseReason.id)
)


def all_reasons(session: Session) -> list[PauseReason]:
    """Every reason, active ones first, for the staff's page."""
    return list(
        session.scalars(
            sa.select(PauseReason).order_by(
                PauseReason.active.desc(), PauseReason.position, PauseReason.id
            )
        )
    )


def chosen_reason(session: Session, reason_id: int | None) -> PauseReason:
    """The active reason an agent chose, or a ``ReasonError`` they can act on."""
    reason = session.get(PauseReason, reason_id) if reason_id is not None else None
    if reason is None or not reason.active:
        raise ReasonError(_l("Choose the reason for your pause from the list."), "reason")
    return reason


def _checked(values: ReasonValues) -> ReasonValues:
    labels = {}
    for name in ("label_it", "label_en"):
        text = (getattr(values, name) or "").strip()
        if not text or len(text) > LABEL_MAX:
            raise ReasonError(_l("Write the label (up to %(max)s characters).", max=LABEL_MAX),
                              name)  # fmt: skip
        labels[name] = text
    low, high = MAX_MINUTES
    if values.max_minutes is not None and not low <= values.max_minutes <= high:
        raise ReasonError(
            _l("The maximum is %(low)s to %(high)s minutes, or empty for none.",
               low=low, high=high),
            "max_minutes",
        )  # fmt: skip
    if not POSITION[0] <= values.position <= POSITION[1]:
        raise ReasonError(_l("The order is a number from 0 to 999."), "position")
    return ReasonValues(labels["label_it"], labels["label_en"], values.max_minutes,
                        bool(values.active), values.position)  # fmt: skip


def _code(session: Session, label: str) -> str:
    """A stable code from the English label (``technical_problem``), unique."""
    folded = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")[:28] or "reason"
    taken = set(session.scalars(sa.select(PauseReason.code)))
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def create_reason(session: Session, values: ReasonValues, *, actor_id: int | None) -> PauseReason:
    """A new reason; its code comes from the English label. Audited."""
    values = _checked(values)
    reason = PauseReason(code=_code(session, values.label_en), **values.__dict__)
    session.add(reason)
    session.flush()
    record(session, "pause_reason.create", user_id=actor_id, obj=reason, **values.__dict__)
    return reason


def update_reason(
    session: Session, reason: PauseReason, values: ReasonValues, *, actor_id: int | None
) -> bool:
    """Save the reason's label, maximum, state and order; False when nothing changed.
    Pauses already taken keep the maximum they started with. Audited, with what changed."""
    values = _checked(values)
    changed = {
        name: {"from": getattr(reason, name), "to": value}
        for name, value in values.__dict__.items()
        if getattr(reason, name) != value
    }
    if not changed:
        return False
    for name, change in changed.items():
        setattr(reason, name, change["to"])
    session.flush()
    record(session, "pause_reason.update", user_id=actor_id, obj=reason, changes=changed)
    return True
