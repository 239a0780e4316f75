"""The base form (CSRF through Flask-WTF) and validators shared by features."""

from __future__ import annotations

from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    """Every form of the application derives from this one, so CSRF is never forgotten."""

    class Meta:
        # Surrounding spaces are never meaningful in our inputs.
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class.__name__ in {"StringField", "EmailField"}:
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)


def _strip(value: str | None) -> str | None:
    # NUL is no text anyone types, and PostgreSQL cannot store it: dropped with the spaces.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value
