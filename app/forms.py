"""The base form (CSRF through Flask-WTF) and validators shared by features."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from babel import support
from flask import current_app
from flask_babel import format_decimal, get_locale
from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.i18n import messages_path


class BaseForm(FlaskForm):
    """Every form of the application derives from this one, so CSRF is never forgotten."""

    class Meta:
        # Surrounding spaces are never meaningful in our inputs.
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class.__name__ in {"StringField", "EmailField"}:
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)

        def get_translations(self, form):
            """WTForms' own messages in the reader's language, each catalogue read from
            disk once per process (Flask-WTF reads it again for every request)."""
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _wtforms_catalogue(str(get_locale()))


@cache
def _wtforms_catalogue(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _strip(value: str | None) -> str | None:
    # NUL is no text anyone types, and PostgreSQL cannot store it: dropped with the spaces.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class LocalDecimalField(DecimalField):
    """A decimal shown in the reader's figures ("60,0" in Italian, "60.0" in English) and
    read whichever mark they type ("57,5" or "57.5"). No thousands separator: for small
    numbers such as percentages."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, int | float | Decimal) and self.places is not None:
            pattern = "0." + "0" * self.places if self.places else "0"
            return format_decimal(self.data, pattern)
        return super()._value()

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            valuelist = [valuelist[0].strip().replace(",", ".")]
        super().process_formdata(valuelist)
