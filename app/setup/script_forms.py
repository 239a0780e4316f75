"""Forms of the call script pages: upload a file, edit a text, switch a campaign."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired
from wtforms.widgets import HiddenInput

from app.forms import BaseForm


class UploadScriptForm(BaseForm):
    file = FileField(
        _l("Script file (.toml)"),
        validators=[FileRequired(_l("Choose the script's .toml file."))],
        description=_l("UTF-8 text. It is checked first: a script with a problem is not saved."),
        render_kw={"accept": ".toml,.txt,text/plain", "autofocus": True},
    )
    submit = SubmitField(_l("Upload and save"))


class EditorForm(BaseForm):
    """The script's text and what to do with it: each button is one action."""

    text = TextAreaField(
        _l("Script text (TOML)"),
        validators=[DataRequired(_l("The script is empty: type it or upload its file."))],
        render_kw={"autofocus": True, "spellcheck": "false", "rows": 30, "wrap": "off",
                   "autocomplete": "off"},
    )  # fmt: skip
    check = SubmitField(_l("Check"), render_kw={"accesskey": "k"})
    preview = SubmitField(_l("Preview"), render_kw={"accesskey": "v"})
    save = SubmitField(_l("Save as a new version"), render_kw={"accesskey": "s"})


class SwitchForm(BaseForm):
    """Move one campaign to the newest version of its script."""

    seen = IntegerField(validators=[DataRequired()], widget=HiddenInput())
    submit = SubmitField(_l("Switch to the newest version"))


class CompareForm(BaseForm):
    """Which version to compare with (a GET: it changes nothing)."""

    class Meta:
        csrf = False

    against = SelectField(_l("Compare with"), coerce=int)
    submit = SubmitField(_l("Compare"))
