"""A phone number from a file, repaired only where nothing is guessed.

Excel and Access drop a number's leading 0 ("0363 957514" becomes 363957514), and what is
left may read as another number altogether: a nine-digit mobile (363...), a premium number
(0899..., Salerno's, becomes 899...), a toll-free one. The rule:

- a number right as written is kept (``parse_phone``), whatever the account's province;
- the 0 is given back only when the result is a valid landline whose area's district seat
  is in the account's province (``phone_areas``), with the subscriber part not starting
  with 0 (800 123456 is a toll-free number, never Bari's "080 0123456"): recorded as
  ``phone_leading_zero_restored``. A repair always gives a landline, never a mobile;
- otherwise a number that was invalid stays invalid (``phone_invalid``), and one that read
  as something else is not trusted: a premium or special number (``SPECIAL``) is kept with
  its E.164 form but flagged ``phone_not_callable``; a nine-digit "mobile" that also reads
  as a landline elsewhere is ``phone_mobile_or_landline``, and one outside TIM's old 33x and
  36x blocks (the only nine-digit mobiles ever issued; all others have ten digits) is
  ``phone_mobile_too_short``. Neither is stored as callable: a person decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

from app.accounts.models import PhoneKind
from app.accounts.phone_areas import area_province
from app.accounts.phones import parse_phone

RESTORED = "phone_leading_zero_restored"
# TIM's first mobile blocks (0330, 0335-0339, 0360, 0368... before 2000): the only
# nine-digit mobiles still in use; every later block has ten digits.
NINE_DIGIT_MOBILE_BLOCKS = ("33", "36")


@dataclass(frozen=True)
class PhoneReading:
    e164: str | None
    kind: PhoneKind
    change: str | None = None  # the correction's reason, when the number was repaired
    flag: str | None = None  # the doubt's reason, when a person must decide


def read_phone(raw: str, province: str | None) -> PhoneReading:
    """The number as stored for an account of ``province``: kept, repaired or flagged."""
    e164, kind = parse_phone(raw)
    if kind in (PhoneKind.FIXED, PhoneKind.OTHER):
        return PhoneReading(e164, kind)
    if kind == PhoneKind.MOBILE and not _nine_digit_mobile(e164):
        return PhoneReading(e164, kind)
    landline, fits = _lost_zero(raw, province)
    if landline is not None and fits:
        return PhoneReading(landline, PhoneKind.FIXED, change=RESTORED)
    if kind == PhoneKind.SPECIAL:
        return PhoneReading(e164, kind, flag="phone_not_callable")
    if kind == PhoneKind.MOBILE:
        if landline is not None:
            return PhoneReading(None, PhoneKind.INVALID, flag="phone_mobile_or_landline")
        if not (e164 or "")[3:].startswith(NINE_DIGIT_MOBILE_BLOCKS):
            return PhoneReading(None, PhoneKind.INVALID, flag="phone_mobile_too_short")
        return PhoneReading(e164, kind)
    return PhoneReading(None, PhoneKind.INVALID, flag="phone_invalid")


def _nine_digit_mobile(e164: str | None) -> bool:
    return e164 is not None and e164.startswith("+39") and len(e164) == 3 + 9


def _lost_zero(raw: str, province: str | None) -> tuple[str | None, bool]:
    """The landline ``raw`` would be with its 0 back (E.164), and whether its area is in
    ``province``; ``(None, False)`` when it would be none."""
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits or text.startswith(("+", "00")) or digits.startswith("0"):
        return None, False  # written in full: no 0 was lost
    try:
        number = phonenumbers.parse("0" + digits, "IT")
    except phonenumbers.NumberParseException:  # pragma: no cover - digits always parse
        return None, False
    if phonenumbers.number_type(number) != PhoneNumberType.FIXED_LINE:
        return None, False
    national = phonenumbers.national_significant_number(number)
    area = phonenumbers.length_of_geographical_area_code(number)
    if not area or national[area:].startswith("0"):
        return None, False
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, bool(province) and area_province(number) == province
