"""Forms of the results pages: the returned file, its columns, the figures' campaign."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Regexp

from app.forms import BaseForm
from app.results.files import SOURCES
from app.results.mapping import FIELDS

SOURCE_LABELS = {
    "salesperson_file": _l("A salesperson's file from their pack, with its results filled in"),
    "crm_extract": _l("An extract of the sales CRM"),
}


class UploadForm(BaseForm):
    file = FileField(
        _l("File (XLSX, CSV or ODS)"),
        validators=[FileRequired(_l("Choose the file with the results."))],
        render_kw={"accept": ".xlsx,.csv,.txt,.ods", "autofocus": True},
    )
    source = SelectField(
        _l("Kind of file"),
        choices=[SelectChoice(key, label) for key, label in SOURCE_LABELS.items()],
        default="salesperson_file",
    )
    submit = SubmitField(_l("Read the file"))


class MappingForm(BaseForm):
    """The kept file, its kind, and one select per column (added by ``mapping_form``)."""

    upload = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}\.(csv|xlsx|ods)$")])
    source = HiddenField(validators=[AnyOf(SOURCES)])
    submit = SubmitField(_l("Record the results"))

    def mapping(self, headers: Sequence[str]) -> dict[str, str]:
        return {header: self[f"col_{i}"].data or "" for i, header in enumerate(headers)}


def mapping_form(headers: Sequence[str], suggested: Mapping[str, str], **data: str) -> MappingForm:
    """The form for a file's columns, reading the request's data as every FlaskForm does;
    ``data``: the hidden fields' values on the first showing."""
    choices = [SelectChoice("", _l("— not read —"))]
    choices += [SelectChoice(key, label) for key, label in FIELDS.items()]

    class Form(MappingForm):
        pass

    for i, header in enumerate(headers):
        field = SelectField(header, choices=choices, default=suggested.get(header, ""))
        setattr(Form, f"col_{i}", field)
    return Form(**data)


class FiguresForm(BaseForm):
    """The figures' filter, read from the query string (a GET changes nothing)."""

    class Meta:
        csrf = False

    campaign = SelectField(_l("Campaign"), coerce=int, default=0)
