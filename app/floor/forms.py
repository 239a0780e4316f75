"""The floor's forms: each action on an agent is a POST with its CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField

from app.forms import BaseForm
from app.workday.messages import TEXT_MAX


def _reason_id(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


class ForcePauseForm(BaseForm):
    """The reason is one of the active ones, which the view checks (``chosen_reason``)."""

    reason = SelectField(_l("Pause for"), coerce=_reason_id, validate_choice=False)
    submit = SubmitField(_l("Pause the agent"))


class SignOutForm(BaseForm):
    submit = SubmitField(_l("Sign the agent out"))


class MessageForm(BaseForm):
    """One line; ``actions.checked_text`` checks it again."""

    text = StringField(_l("Message"), render_kw={"maxlength": TEXT_MAX, "autocomplete": "off"})
    submit = SubmitField(_l("Send"))
