"""Forms of the import pages: upload, column mapping, running again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from app.accounts.labels import SOURCE_KIND_LABELS
from app.forms import BaseForm
from app.imports.labels import IMPORT_FIELD_LABELS
from app.imports.models import SourceKind
from app.imports.records import FIELDS


class UploadForm(BaseForm):
    file = FileField(
        _l("File (CSV, XLSX or ODS)"),
        validators=[FileRequired(_l("Choose a file to import."))],
        render_kw={"accept": ".csv,.txt,.xlsx,.ods", "autofocus": True},
    )
    source_kind = SelectField(
        _l("Kind of file"),
        choices=[
            SelectChoice(kind.value, SOURCE_KIND_LABELS[kind.value])
            for kind in SourceKind
            if kind not in (SourceKind.DEMO, SourceKind.API, SourceKind.EXTERNAL, SourceKind.CARD)
        ],
        default=SourceKind.CUSTOMER_BASE.value,
        description=_l("The column mapping saved for this kind is offered again."),
    )
    submit = SubmitField(_l("Read the file"))


class MappingForm(BaseForm):
    """One select per column of the file; fields are added by ``mapping_form``. The age
    is asked here, beside the columns, because it only matters once the file's columns
    include earlier qualification results, and it is the batch's (each file its own)."""

    qualified_within_months = IntegerField(
        _l("Earlier results qualified within the last N months count as qualified"),
        default=12,
        validators=[Optional(), NumberRange(1, 120)],
        description=_l(
            "An account whose row gives a contact and a purchase horizon dated within "
            "these months is marked qualified elsewhere: it waits for a salesperson and "
            "is left out of new campaigns."
        ),
    )
    submit = SubmitField(_l("Import"))

    def mapping(self, headers: Sequence[str]) -> dict[str, str]:
        return {header: self[f"col_{i}"].data or "" for i, header in enumerate(headers)}


def mapping_form(headers: Sequence[str], suggested: Mapping[str, str]) -> MappingForm:
    """The form for a file's columns, reading the request's data as every FlaskForm does
    (passing ``formdata=None`` would skip it, CSRF token included)."""
    choices = [SelectChoice("", _l("— not imported —"))]
    choices += [SelectChoice(f, IMPORT_FIELD_LABELS[f]) for f in FIELDS]

    class Form(MappingForm):
        pass

    for i, header in enumerate(headers):
        setattr(
            Form,
            f"col_{i}",
            SelectField(header, choices=choices, default=suggested.get(header, "")),
        )
    return Form()


class RetryForm(BaseForm):
    submit = SubmitField(_l("Run the import again"))
