"""The card form (typed values, the check and the save), the decisions, the counts' range."""

from __future__ import annotations

import hashlib
import json

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.accounts.labels import TONNAGE_LABELS
from app.cards.fields import MAX_VALUE_CHARS, NEW_FIELDS, fields_of
from app.cards.scans import MAX_SCAN_BYTES
from app.forms import BaseForm
from app.imports.labels import IMPORT_FIELD_LABELS

TONNAGE_CHOICES = [SelectChoice("", "—")]
TONNAGE_CHOICES += [SelectChoice(k.value, label) for k, label in TONNAGE_LABELS.items()]


def _text(name: str, **kw: object) -> StringField:
    return StringField(IMPORT_FIELD_LABELS[name], validators=[Length(max=MAX_VALUE_CHARS)], **kw)


class CardForm(BaseForm):
    """A card's fields, named as the import names them. The check step is the default
    (Enter): saving needs the values the check step showed (``checked``)."""

    company_name = _text("company_name", render_kw={"autofocus": True})
    legal_form = _text("legal_form")
    street = _text("street")
    house_number = _text("house_number")
    postcode = _text("postcode", render_kw={"inputmode": "numeric"})
    municipality = _text("municipality")
    province = _text("province")
    vat_number = _text("vat_number", render_kw={"inputmode": "numeric"})
    tax_code = _text("tax_code")
    phone = _text("phone", render_kw={"inputmode": "tel"})
    phone_2 = _text("phone_2", render_kw={"inputmode": "tel"})
    mobile = _text("mobile", render_kw={"inputmode": "tel"})
    email = _text("email", render_kw={"inputmode": "email"})
    tonnage_class = SelectField(
        IMPORT_FIELD_LABELS["tonnage_class"],
        choices=TONNAGE_CHOICES,
        validators=[Optional()],
    )
    vehicle_count = _text("vehicle_count", render_kw={"inputmode": "numeric"})
    brand = _text("brand")
    last_purchase = _text("last_purchase", description=_l("As on the card: 30/06/2024"))
    salesperson = _text("salesperson")
    notes = TextAreaField(IMPORT_FIELD_LABELS["notes"], validators=[Length(max=MAX_VALUE_CHARS)])
    # Stored accounts the typist says are another company (checkboxes beside each warning).
    another = SelectMultipleField(coerce=int, validate_choice=False)
    checked = HiddenField()  # the digest of the values the check step showed
    # An edit: the account's version when the form was filled, so that saving never puts
    # back a value someone else changed meanwhile.
    version = HiddenField()
    scan = FileField(
        _l(
            "Scan of the paper card (PNG, JPEG or PDF, at most %(mb)s MB)",
            mb=MAX_SCAN_BYTES // 1024 // 1024,
        )
    )
    check = SubmitField(_l("Check"))
    save = SubmitField(_l("Save the card"))

    def values(self, kind: str) -> dict[str, str]:
        return {name: self[name].data or "" for name in fields_of(kind)}

    def digest(self, kind: str) -> str:
        """What the check step was shown: saving other values must be checked first."""
        text = json.dumps(self.values(kind), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def fill(self, values: dict[str, str]) -> None:
        for name in NEW_FIELDS:
            if name in values:
                self[name].data = values[name]


class ValidateForm(BaseForm):
    seen = HiddenField()  # the card as the deciding person saw it (``PaperCard.digest``)
    submit = SubmitField(_l("Confirm"))


class RefuseForm(BaseForm):
    reason = TextAreaField(
        _l("Why is it refused?"),
        validators=[DataRequired(_l("Say why the card is refused.")), Length(max=1000)],
    )
    seen = HiddenField()
    submit = SubmitField(_l("Refuse"))


class RangeForm(BaseForm):
    """The counts' days (a GET: nothing to protect)."""

    class Meta:
        csrf = False

    first = DateField(_l("From"), validators=[Optional()])
    last = DateField(_l("To"), validators=[Optional()])
