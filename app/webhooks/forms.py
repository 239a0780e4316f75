"""The subscription form; ``services`` checks the address and events again on saving."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, SubmitField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from app.forms import BaseForm
from app.webhooks.addresses import URL_MAX
from app.webhooks.models import EVENTS


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SubscriptionForm(BaseForm):
    name = StringField(
        _l("Name"),
        validators=[InputRequired(_l("Name the integration.")), Length(max=120)],
        description=_l("Who receives it, e.g. “CRM vendite”."),
    )
    url = StringField(
        _l("Address (URL)"),
        validators=[InputRequired(_l("Give the address.")), Length(max=URL_MAX)],
        description=_l("Where the events are posted, https:// preferred."),
    )
    events = CheckboxesField(
        _l("Events"),
        choices=[SelectChoice(event, event) for event in EVENTS],
        validators=[InputRequired(_l("Choose at least one event."))],
    )
    submit = SubmitField(_l("Save"))


class ActionForm(BaseForm):
    """A button that changes something (pause, resume, delete, replay, reveal): CSRF only."""
