from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.forms import BaseForm
from app.workday.reasons import LABEL_MAX, MAX_MINUTES, POSITION


class PauseReasonForm(BaseForm):
    """A pause reason as staff edit it; ``reasons`` checks it again when it is saved."""

    label_it = StringField(
        _l("Label (Italian)"),
        validators=[InputRequired(_l("Write the label.")), Length(max=LABEL_MAX)],
    )
    label_en = StringField(
        _l("Label (English)"),
        validators=[InputRequired(_l("Write the label.")), Length(max=LABEL_MAX)],
    )
    max_minutes = IntegerField(
        _l("Maximum (minutes)"),
        validators=[Optional(), NumberRange(*MAX_MINUTES)],
        description=_l("A longer pause is shown as overdue on the floor. Empty: no maximum."),
    )
    position = IntegerField(
        _l("Order"),
        default=0,
        validators=[InputRequired(_l("Give the order, a number.")), NumberRange(*POSITION)],
        description=_l("Agents see the reasons in this order, lowest first."),
    )
    active = BooleanField(_l("Agents may choose it"), default=True)
    submit = SubmitField(_l("Save"))
