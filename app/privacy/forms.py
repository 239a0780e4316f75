"""Forms of the privacy pages: search, and the confirmations that change data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.forms import BaseForm


class SearchForm(BaseForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(
        _l("Account key, VAT number, tax code, phone, e-mail or name"),
        validators=[DataRequired(_l("Type what to look for.")), Length(min=2, max=120)],
        render_kw={"autofocus": True},
    )
    submit = SubmitField(_l("Search"))


class ConfirmForm(BaseForm):
    """Typing the account key again is the confirmation: it cannot be clicked by mistake."""

    confirm_key = StringField(
        _l("Type the account key to confirm"),
        validators=[DataRequired(_l("Type the account key to confirm."))],
    )
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Say why (the request's reference and date).")),
                    Length(max=500)],
        description=_l("For example: e-mail request of 3 May, ticket 1234."),
    )  # fmt: skip
    submit = SubmitField(_l("Anonymise"))


class EraseContactForm(ConfirmForm):
    submit = SubmitField(_l("Erase this person"))
