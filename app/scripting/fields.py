"""Reading the single values of a script's TOML tables (texts, flags, labels, ids).

Each reader records what is wrong and returns a harmless stand-in, so the checker goes on
and reports every problem of the file at once instead of stopping at the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.scripting.problems import Problem, choose, join, near
from app.scripting.schema import Label

LABEL_KEYS = ("it", "en")
ID_RE = re.compile(r"[a-z][a-z0-9_]*")


def is_int(value: Any) -> bool:
    """A whole number, not a boolean (TOML's ``true`` is an int to Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class FieldReader:
    """Collects the problems; the script's parts are read by its subclasses."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, location: str, message: str) -> None:
        self.problems.append(Problem(location, message))

    def keys(self, table: dict[str, Any], allowed: tuple[str, ...], loc: str) -> None:
        for key in table:
            if key not in allowed:
                hint = near(key, allowed) or f" ({choose(allowed)})"
                self.error(join(loc, key), _("unknown key '%(key)s'%(hint)s", key=key, hint=hint))

    def table(self, value: Any, loc: str, what: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(loc, _("must be a table (%(what)s)", what=what))
            return None
        return value

    def text(self, table: dict[str, Any], key: str, loc: str, required: bool = True) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.error(join(loc, key), _("missing"))
            return ""
        if not isinstance(value, str) or not value.strip():
            self.error(join(loc, key), _("must be a non-empty text in quotes"))
            return ""
        return value.strip()

    def flag(self, table: dict[str, Any], key: str, loc: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            self.error(join(loc, key), _("must be true or false"))
            return False
        return value

    def label(
        self, table: dict[str, Any], key: str, loc: str, required: bool = True
    ) -> Label | None:
        loc = join(loc, key)
        if key not in table:
            if required:
                self.error(loc, _("missing (give %(key)s.it and %(key)s.en)", key=key))
            return None
        value = self.table(table[key], loc, _("with %(key)s.it and %(key)s.en", key=key))
        if value is None:
            return None
        self.keys(value, LABEL_KEYS, loc)
        return Label(it=self.text(value, "it", loc), en=self.text(value, "en", loc))

    def identifier(self, table: dict[str, Any], loc: str) -> str:
        value = self.text(table, "id", loc)
        if value and not ID_RE.fullmatch(value):
            self.error(
                join(loc, "id"),
                _(
                    "'%(value)s' must start with a lowercase letter and use only a-z, 0-9 and _",
                    value=value,
                ),
            )
        return value
