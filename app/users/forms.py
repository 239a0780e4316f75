from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.forms import BaseForm


class LoginForm(BaseForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(_l("Enter your username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Sign in"))


class LogoutForm(BaseForm):
    submit = SubmitField(_l("Sign out"))
