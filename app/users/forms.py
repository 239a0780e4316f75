from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.forms import BaseForm
from app.users.labels import ROLE_LABELS

LANGUAGES = [SelectChoice("it", "Italiano"), SelectChoice("en", "English")]


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


class ActionForm(BaseForm):
    """A button that changes something: only the CSRF token."""


def _optional_id(value: Any) -> int | None:
    """A select's value: an id, or None for the empty choice."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a choice: refused as such


class UserForm(BaseForm):
    """A user's profile, as an administrator edits it. The view fills the zone and team
    choices; the service checks that they fit the role."""

    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(_l("Write the person's full name.")), Length(max=120)],
        render_kw={"autofocus": True, "autocomplete": "off"},
    )
    email = StringField(
        _l("E-mail"),
        validators=[Length(max=254)],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    role = SelectField(
        _l("Role"), choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
    )
    locale = SelectField(_l("Language"), choices=LANGUAGES)
    zone_id = SelectField(
        _l("Zone"),
        coerce=_optional_id,
        description=_l("Staff only: a staff member with a zone works on that zone's accounts."),
    )
    team_id = SelectField(
        _l("Team"),
        coerce=_optional_id,
        description=_l("Agents and supervisors only: they work the campaigns open to it."),
    )
    submit = SubmitField(_l("Save"))

    def set_choices(self, zones: list[tuple[int, str]], teams: list[tuple[int, str]]) -> None:
        self.zone_id.choices = [SelectChoice("", _l("every zone")),
                                *(SelectChoice(str(i), label) for i, label in zones)]  # fmt: skip
        self.team_id.choices = [SelectChoice("", _l("no team")),
                                *(SelectChoice(str(i), label) for i, label in teams)]  # fmt: skip


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(_l("Choose a username.")), Length(max=64)],
        description=_l("Lower-case letters, digits, '.', '_' or '-', e.g. mrossi."),
        render_kw={"autofocus": True, "autocomplete": "off"},
    )
    submit = SubmitField(_l("Create the user"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.full_name.render_kw = {"autocomplete": "off"}  # the username has the focus


class PasswordChangeForm(BaseForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Type your current password.")), Length(max=256)],
        render_kw={"autocomplete": "current-password", "autofocus": True},
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a new password.")), Length(max=256)],
        description=_l("At least 10 characters. A short sentence is easy to remember."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(_l("Type the new password again.")), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change the password"))


class TeamForm(BaseForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Choose a code.")), Length(max=32)],
        description=_l("Letters, digits, '-' or '_', e.g. CC-MILANO; it cannot change."),
        render_kw={"autofocus": True, "autocomplete": "off"},
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Write the team's name.")), Length(max=120)],
        render_kw={"autocomplete": "off"},
    )
    submit = SubmitField(_l("Create the team"))


class TeamNameForm(BaseForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Write the team's name.")), Length(max=120)],
        render_kw={"autofocus": True, "autocomplete": "off"},
    )
    submit = SubmitField(_l("Rename"))


class MailPreferencesForm(BaseForm):
    floor_alerts = BooleanField(_l("E-mail me the floor's alerts"))
    submit = SubmitField(_l("Save"))
