"""Forms of the external data company's page: the file out (its format) and the file back."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from app.forms import BaseForm


class ExportForm(BaseForm):
    """The format of the file out; the segment's filters travel in the query string."""

    file_format = SelectField(
        _l("Format"),
        choices=[
            SelectChoice("xlsx", _l("XLSX (Excel workbook)")),
            SelectChoice("csv", _l("CSV for Italian Excel (';', UTF-8)")),
        ],
        default="xlsx",
    )
    submit = SubmitField(_l("Export the file for the data company"))


class ReturnForm(BaseForm):
    file = FileField(
        _l("The data company's file (CSV or XLSX)"),
        validators=[FileRequired(_l("Choose the file the data company sent back."))],
        render_kw={"accept": ".csv,.txt,.xlsx"},
    )
    submit = SubmitField(_l("Import the corrections"))
