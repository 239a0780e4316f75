"""Phone numbers: parsed with phonenumbers (region IT), stored in E.164 with their kind.

Which kinds an agent may call: fixed lines, mobiles, and ``OTHER`` (VoIP "55" numbers, which
AGCOM gives businesses as ordinary lines at ordinary rates; a foreign number that may be
either). Never: premium (89x, 144, 166), shared cost (84x) and personal (178, 199) numbers,
which charge the caller on top; toll-free numbers (800, 803), inbound lines the called
company pays for, reaching a customer service rather than the person a campaign wants;
voicemail deposits, pagers and universal access numbers, where nobody answers. Those are
``SPECIAL``: kept, with their E.164 form, for matching and the do-not-call list."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

from app.accounts.models import Account, AccountPhone, PhoneKind

_KINDS = {
    PhoneNumberType.FIXED_LINE: PhoneKind.FIXED,
    PhoneNumberType.MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneKind.OTHER,
    PhoneNumberType.VOIP: PhoneKind.OTHER,
    **dict.fromkeys(
        (PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.TOLL_FREE,
         PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.VOICEMAIL, PhoneNumberType.PAGER,
         PhoneNumberType.UAN),
        PhoneKind.SPECIAL,
    ),
}  # fmt: skip
CALLABLE_KINDS = frozenset({PhoneKind.FIXED, PhoneKind.MOBILE, PhoneKind.OTHER})
# The import fields that hold phone numbers (a doubt on one is a doubt on a number).
PHONE_FIELDS = ("phone", "phone_2", "mobile")


def is_callable_number(e164: str | None, kind: PhoneKind | str) -> bool:
    """Whether an agent may be given this number to dial."""
    return e164 is not None and kind in CALLABLE_KINDS


def dialled_phone(account: Account) -> AccountPhone | None:
    """The number the desk offers to call: the account's first callable one (never a
    premium or special number, nor one a call found unusable)."""
    return next((p for p in account.phones if is_callable_number(p.e164, p.kind)), None)


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
    """Return ``(e164, kind)``; an unparseable or invalid number gives ``(None, INVALID)``,
    a valid number no agent calls ``(e164, SPECIAL)``.

    Nothing is repaired here: a fixed number that lost its leading 0 stays invalid (or
    reads as whatever it now looks like); the import's repair, which knows the account's
    province, is ``app.accounts.normalise.phone``.
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
    return e164, _KINDS.get(kind, PhoneKind.SPECIAL)


# The shortest Italian number worth dialling, leading 0 included: phonenumbers accepts a
# six-digit "02 1234", which no Milan line has (landlines have 8 to 11 digits today).
MIN_DIALABLE_DIGITS = 8


def dialable_phone(raw: str) -> str | None:
    """The E.164 form of an Italian number a person gives on the phone, or None: it must be
    valid (``parse_phone``), callable (no premium or special number), Italian (+39, Vatican
    City included) and long enough to dial. The desk's check: what is refused here is
    refused beside the field."""
    e164, kind = parse_phone(raw)
    if not is_callable_number(e164, kind) or e164 is None or not e164.startswith("+39"):
        return None
    return e164 if len(e164) - 3 >= MIN_DIALABLE_DIGITS else None
