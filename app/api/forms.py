"""The administrator's form for a new API key."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.api.keys import SCOPES
from app.forms import BaseForm


class NewKeyForm(BaseForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Name the integration that will use the key.")),
            Length(max=80),
        ],
        description=_l("Who uses it, e.g. “Dealer CRM” or “Call centre”."),
    )
    scopes = SelectMultipleField(
        _l("Scopes"),
        validators=[DataRequired(_l("Choose at least one scope."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("Create the key"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Made per request: the scopes' descriptions in the reader's language.
        self.scopes.choices = [SelectChoice(name, f"{name}: {label}")
                               for name, label in SCOPES.items()]  # fmt: skip
