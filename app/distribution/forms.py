"""Forms of the distribution pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from app.distribution.services import DEFAULT_PER_SALESPERSON, MAX_PER_SALESPERSON
from app.forms import BaseForm


class WaveForm(BaseForm):
    label = StringField(
        _l("Name of the wave"),
        validators=[DataRequired(_l("Give the wave a name.")), Length(max=120)],
        description=_l("For example: “November 2026”. It is printed on every file."),
    )
    per_salesperson = IntegerField(
        _l("Accounts per salesperson"),
        default=DEFAULT_PER_SALESPERSON,
        validators=[
            DataRequired(_l("Say how many accounts each salesperson receives.")),
            NumberRange(
                1, MAX_PER_SALESPERSON, _l("Between 1 and %(max)s.", max=MAX_PER_SALESPERSON)
            ),
        ],
        description=_l("At most; a salesperson whose monthly quota is lower gets no more than it."),
    )
    preview = SubmitField(_l("Preview"))
    create = SubmitField(_l("Create the wave (draft)"))


class ActionForm(BaseForm):
    """A button that changes a wave: only the CSRF token travels."""

    submit = SubmitField()


class ExportForm(BaseForm):
    locale = SelectField(
        _l("Language of the files"),
        choices=[SelectChoice("it", "Italiano"), SelectChoice("en", "English")],
        default="it",
    )
    pdf = BooleanField(
        _l("PDF account sheets"),
        default=True,
        description=_l("One page per account; the slowest part of an export."),
    )
    submit = SubmitField(_l("Export the files"))


class OwnerForm(BaseForm):
    """Give accounts no rule covers a salesperson by hand."""

    account_ids = SelectMultipleField(
        _l("Accounts"),
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[DataRequired(_l("Tick at least one account."))],
    )
    salesperson = SelectField(
        _l("Salesperson"), coerce=int, validators=[DataRequired(_l("Choose a salesperson."))]
    )
    submit = SubmitField(_l("Assign"))
