"""What ``tomllib`` says about a file that is not TOML, in the language of the moment.

``tomllib`` words its errors in English only. The ones it is known to give (Python 3.11's
wording) are translated here, their quoted parts kept; any other is shown as it words it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

# tomllib's wording as a pattern, its translation; the first that matches the whole reason.
DETAILS: tuple[tuple[str, Callable[..., str]], ...] = (
    ("Invalid statement", lambda: _("Invalid statement")),
    ("Expected newline or end of document after a statement",
     lambda: _("Expected newline or end of document after a statement")),
    ("Expected '=' after a key in a key/value pair",
     lambda: _("Expected '=' after a key in a key/value pair")),
    (r"Expected '\]' at the end of a table declaration",
     lambda: _("Expected ']' at the end of a table declaration")),
    (r"Expected '\]\]' at the end of an array declaration",
     lambda: _("Expected ']]' at the end of an array declaration")),
    ("Expected (?P<what>.+)", lambda what: _("Expected %(what)s", what=what)),
    ("Found invalid character (?P<char>.+)",
     lambda char: _("Found invalid character %(char)s", char=char)),
    ("Illegal character (?P<char>.+)", lambda char: _("Illegal character %(char)s", char=char)),
    ("Cannot declare (?P<key>.+) twice", lambda key: _("Cannot declare %(key)s twice", key=key)),
    ("Cannot overwrite a value", lambda: _("Cannot overwrite a value")),
    ("Cannot mutate immutable namespace (?P<key>.+)",
     lambda key: _("Cannot mutate immutable namespace %(key)s", key=key)),
    ("Cannot redefine namespace (?P<key>.+)",
     lambda key: _("Cannot redefine namespace %(key)s", key=key)),
    ("Duplicate inline table key (?P<key>.+)",
     lambda key: _("Duplicate inline table key %(key)s", key=key)),
    ("Invalid initial character for a key part",
     lambda: _("Invalid initial character for a key part")),
    ("Unclosed array", lambda: _("Unclosed array")),
    ("Unclosed inline table", lambda: _("Unclosed inline table")),
    ("Unterminated string", lambda: _("Unterminated string")),
    (r"Unescaped '\\' in a string", lambda: _("Unescaped '\\' in a string")),
    ("Invalid hex value", lambda: _("Invalid hex value")),
    ("Escaped character is not a Unicode scalar value",
     lambda: _("Escaped character is not a Unicode scalar value")),
    ("Invalid date or datetime", lambda: _("Invalid date or datetime")),
    ("Invalid value", lambda: _("Invalid value")),
)  # fmt: skip


def toml_detail(detail: str) -> str:
    """``tomllib``'s reason, without its position, in the language of the moment."""
    for pattern, message in DETAILS:
        match = re.fullmatch(pattern, detail)
        if match:
            return message(**match.groupdict())
    return detail
