"""Phone numbers: parsed with phonenumbers (region IT), stored in E.164 with their kind."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

from app.accounts.models import PhoneKind

_KINDS = {
    PhoneNumberType.FIXED_LINE: PhoneKind.FIXED,
    PhoneNumberType.MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneKind.OTHER,
}


def format_international(e164: str | None) -> str:
    """``+390212345678`` as people read it: ``+39 02 1234 5678``."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def format_national(e164: str | None) -> str:
    """A phone as Italians write it in a file they read: ``+390357824902`` becomes
    ``035 782 4902`` (no leading + that a spreadsheet would take for a formula); a foreign
    number keeps its country code (``+44 20 7946 0958``), one that does not parse is as
    stored."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "IT")
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 39:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def parse_phone(raw: str, region: str = "IT") -> tuple[str | None, PhoneKind]:
    """Return ``(e164, kind)``; an unparseable or invalid number gives ``(None, INVALID)``.

    Nothing is repaired here: a fixed number that lost its leading 0 stays invalid, to be
    flagged for a person, never guessed.
    """
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None, PhoneKind.INVALID
    # Rome's "06 698..." numbers are valid (phonenumbers files them under Vatican City,
    # which shares +39): validity, not the region, decides. number_type() is UNKNOWN
    # exactly when is_valid_number() is False (both check the number against its region's
    # patterns), so one call gives both: half the time of an import's phone cleaning.
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        return None, PhoneKind.INVALID
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, _KINDS.get(kind, PhoneKind.OTHER)


# The shortest Italian number worth dialling, leading 0 included: phonenumbers accepts a
# six-digit "02 1234", which no Milan line has (landlines have 8 to 11 digits today).
MIN_DIALABLE_DIGITS = 8


def dialable_phone(raw: str) -> str | None:
    """The E.164 form of an Italian number a person gives on the phone, or None: it must be
    valid (``parse_phone``), Italian (+39, Vatican City included) and long enough to dial.
    The desk's check: what is refused here is refused beside the field."""
    e164, _kind = parse_phone(raw)
    if e164 is None or not e164.startswith("+39"):
        return None
    return e164 if len(e164) - 3 >= MIN_DIALABLE_DIGITS else None
