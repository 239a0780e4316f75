from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.forms import BaseForm, LocalDecimalField


class RangeForm(BaseForm):
    """The days to show (GET): both optional, the whole campaign by default."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


class TargetForm(BaseForm):
    target = LocalDecimalField(
        _l("Target redemption (%)"),
        places=1,
        validators=[InputRequired(), NumberRange(1, 100, _l("Between %(min)s and %(max)s."))],
    )
    submit = SubmitField(_l("Set the target"))


class StatusForm(BaseForm):
    submit = SubmitField()  # its label says what it does: pause or resume


class CheckForm(BaseForm):
    call_id = HiddenField(validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    verify = SubmitField(_l("Verified"))
    reject = SubmitField(_l("Reject: back to the queue"))


class MoveForm(BaseForm):
    when = DateTimeLocalField(_l("New time"), format="%Y-%m-%dT%H:%M",
                              validators=[InputRequired()])  # fmt: skip
    submit = SubmitField(_l("Move"))


class AgentForm(BaseForm):
    agent = SelectField(_l("Agent"), coerce=str, validate_choice=True)
    submit = SubmitField(_l("Give it"))


class RequeueForm(BaseForm):
    submit = SubmitField(_l("Put the chosen accounts back in the queue"))
