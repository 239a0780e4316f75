"""Interface names of the agent's states, and of a pause reason in the user's language."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.workday.machine import AgentState
from app.workday.models import PauseReason

STATE_LABELS = {
    AgentState.SIGNED_OUT: _l("Signed out"),
    AgentState.READY: _l("Ready"),
    AgentState.DIALLING: _l("Dialling"),
    AgentState.IN_CALL: _l("In call"),
    AgentState.WRAP_UP: _l("Wrap-up"),
    AgentState.PAUSED: _l("Paused"),
}


def agent_state_label(state: AgentState | str) -> str:
    return str(STATE_LABELS[AgentState(state)])


def pause_reason_label(reason: PauseReason) -> str:
    locale = get_locale()
    return reason.label(locale.language if locale else "it")


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {
    "agent_state_label": agent_state_label,
    "pause_reason_label": pause_reason_label,
}
