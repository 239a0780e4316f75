from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SubmitField

from app.forms import BaseForm


class NextAccountForm(BaseForm):
    submit = SubmitField(_l("Next account"))


class ReleaseForm(BaseForm):
    submit = SubmitField(_l("Give the account back"))


class OutcomeForm(BaseForm):
    """Only the CSRF token and the submission token: the script's fields are dynamic and
    are read from the request by the desk service."""

    client_token = HiddenField()


def _reason_id(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


class PauseForm(BaseForm):
    """The pause on the desk's home: the reason is one of the active ones, which the
    service checks (the list may have changed since the page was shown)."""

    reason = SelectField(_l("Reason"), coerce=_reason_id, validate_choice=False)
    submit = SubmitField(_l("Pause"))


class ResumeForm(BaseForm):
    submit = SubmitField(_l("Resume"))
