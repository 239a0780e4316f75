"""How the script checker words a problem and says where it is.

A problem reads ``location: message``, the location a dotted path into the file
(``sections[2].questions[1].type``), so a person who is not a programmer can find it.

Messages are in the language of the moment (``gettext``): the user's on the pages,
English in the shell (its commands force it) and outside an application (no
translation). A problem is worded when the text is checked; no list of problems is kept
(``services.script_of`` caches only scripts that parsed).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _


@dataclass(frozen=True)
class Problem:
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ScriptError(ValueError):
    """The script cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def join(location: str, key: str) -> str:
    """The location of ``key`` inside the table at ``location``."""
    return f"{location}.{key}" if location else key


def choose(options: Iterable[str]) -> str:
    return _("choose one of: %(options)s", options=", ".join(options))


def either(options: Iterable[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    words = list(options)
    if len(words) < 2:
        return "".join(words)
    return _("%(options)s or %(last)s", options=", ".join(words[:-1]), last=words[-1])


def near(word: str, options: Iterable[str]) -> str:
    """A "did you mean" hint for a typo (with a leading space), or nothing when no option
    is close."""
    close = difflib.get_close_matches(word, list(options), n=1)
    return " " + _("(did you mean '%(word)s'?)", word=close[0]) if close else ""
