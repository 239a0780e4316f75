from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import Optional

from app.forms import BaseForm


class RangeForm(BaseForm):
    """The days to show (GET, changes nothing): this month by default."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
