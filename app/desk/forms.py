from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SubmitField

from app.forms import BaseForm


class NextAccountForm(BaseForm):
    submit = SubmitField(_l("Next account"))


class ReleaseForm(BaseForm):
    submit = SubmitField(_l("Give the account back"))


class OutcomeForm(BaseForm):
    """Only the CSRF token and the submission token: the script's fields are dynamic and
    are read from the request by the desk service."""

    client_token = HiddenField()
