"""Forms of the do-not-call page: load a file, add by hand, search."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.donotcall.models import DncSource
from app.forms import BaseForm

SOURCE_LABELS = {
    DncSource.REGISTRY: _l("Opposition register extract"),
    DncSource.INTERNAL: _l("Internal opt-outs"),
    DncSource.AGENT: _l('Agents\' "do not call again"'),
    DncSource.STAFF: _l("Added by staff"),
}


class UploadForm(BaseForm):
    file = FileField(
        _l("File (CSV, TXT, XLSX or ODS)"),
        validators=[FileRequired(_l("Choose a file to load."))],
        render_kw={"accept": ".csv,.txt,.xlsx,.ods", "autofocus": True},
    )
    source = SelectField(
        _l("Kind of list"),
        choices=[
            SelectChoice(s.value, SOURCE_LABELS[s])
            for s in (DncSource.REGISTRY, DncSource.INTERNAL)
        ],
        default=DncSource.REGISTRY.value,
    )
    list_date = DateField(
        _l("Date of the list"),
        validators=[DataRequired(_l("Give the date of the list (YYYY-MM-DD)."))],
        description=_l("For a register extract: the date of the register's answer."),
    )
    submit = SubmitField(_l("Load the list"))


class AddForm(BaseForm):
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    vat_number = StringField(_l("VAT number"), validators=[Optional(), Length(max=20)])
    account_key = StringField(_l("Account key"), validators=[Optional(), Length(max=16)])
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Say why it goes on the list.")), Length(max=500)],
    )
    submit = SubmitField(_l("Add to the list"))


class SearchForm(BaseForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(
        _l("Number, VAT number or account key"),
        validators=[DataRequired(_l("Type what to look for.")), Length(max=40)],
    )
    submit = SubmitField(_l("Search"))
