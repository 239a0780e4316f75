"""Where a problem is in the file: the checker's locations as a line and a column.

The checker reports a problem by its path into the parsed TOML
(``sections[2].questions[1].type``), since ``tomllib`` keeps no positions. A person fixes
the file in an editor, so this module reads the text once more, leniently, and notes where
each table, key and array item starts; a problem is then placed at its own key, or, for
something missing, at the nearest table that holds it (the top of the file for the script
itself). TOML syntax errors already carry their line and column.

The scanner understands what TOML allows (dotted and quoted keys, ``[table]`` and
``[[array]]`` headers, inline tables, arrays over several lines, the four kinds of
string); it never fails: on anything it cannot read it moves on to the next line.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from app.scripting.problems import Problem

Path = tuple[str | int, ...]
Position = tuple[int, int]  # line and column, from 1

SYNTAX_RE = re.compile(r"line (\d+), column (\d+)")
SEGMENT_RE = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")
BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
SCALAR_END = ",]}\n#"


@dataclass(frozen=True)
class Located:
    """A problem with the line and column where it is (from 1)."""

    line: int
    column: int
    location: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}"
        if self.location:
            return f"{where}: {self.location}: {self.message}"
        return f"{where}: {self.message}"


def locate_problems(text: str, problems: list[Problem]) -> list[Located]:
    """Each problem of ``text`` with its line and column, in the order of the file (the
    checker's order where two share a place)."""
    positions: dict[Path, Position] | None = None
    located = []
    for problem in problems:
        syntax = _syntax_position(text, problem.location)
        if syntax is not None:
            located.append(Located(*syntax, "", problem.message))
            continue
        if positions is None:
            positions = key_positions(text)
        line, column = locate(positions, problem.location)
        located.append(Located(line, column, problem.location, problem.message))
    return sorted(located, key=lambda p: (p.line, p.column))


def _syntax_position(text: str, location: str) -> Position | None:
    """A TOML syntax error's own position (``line 4, column 19`` or the end)."""
    match = SYNTAX_RE.fullmatch(location)
    if match:
        return int(match.group(1)), int(match.group(2))
    if location == "end of document":
        lines = text.split("\n")
        return len(lines), len(lines[-1]) + 1
    return None


def locate(positions: dict[Path, Position], location: str) -> Position:
    """The position of ``location``, or of the nearest part of it the file has."""
    path = parse_location(location)
    while path:
        if path in positions:
            return positions[path]
        path = path[:-1]
    return 1, 1


def parse_location(location: str) -> Path:
    """``sections[2].questions[1].type`` -> ``("sections", 2, "questions", 1, "type")``."""
    parts: list[str | int] = []
    for segment in location.split(".") if location else ():
        match = SEGMENT_RE.fullmatch(segment)
        if match is None:
            break
        parts.append(match.group(1))
        parts.extend(int(n) for n in re.findall(r"\d+", match.group(2)))
    return tuple(parts)


def key_positions(text: str) -> dict[Path, Position]:
    """Where each table, key and array item of ``text`` starts, by its path."""
    return _Scanner(text).scan()


class _Scanner:
    """One pass over the text. Array items and arrays of tables are numbered from 1, as
    the checker numbers them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.positions: dict[Path, Position] = {}
        self.table: Path = ()
        self.arrays: dict[Path, int] = {}  # array of tables -> its last item's number

    # -- positions ----------------------------------------------------------------------
    def position(self, index: int) -> Position:
        line = bisect.bisect_right(self.line_starts, index)
        return line, index - self.line_starts[line - 1] + 1

    def mark(self, path: Path, index: int) -> None:
        self.positions.setdefault(path, self.position(index))

    # -- characters ---------------------------------------------------------------------
    def peek(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.text[j] if j < len(self.text) else ""

    def skip_blanks(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.i += 1

    def skip_space(self) -> None:
        """Blanks, newlines and comments (inside an array)."""
        while self.peek():
            if self.peek() in " \t\r\n":
                self.i += 1
            elif self.peek() == "#":
                self.skip_line()
            else:
                return

    def skip_line(self) -> None:
        end = self.text.find("\n", self.i)
        self.i = len(self.text) if end < 0 else end + 1

    # -- the document -------------------------------------------------------------------
    def scan(self) -> dict[Path, Position]:
        while self.i < len(self.text):
            start = self.i
            self.skip_blanks()
            char = self.peek()
            if char == "[":
                self.header()
            elif char not in ("", "\n", "\r", "#"):
                self.key_value(self.table)
            self.skip_line()
            if self.i <= start:  # never loop on a line it cannot read
                self.i = start + 1
        return self.positions

    def header(self) -> None:
        start = self.i
        array = self.peek(1) == "["
        self.i += 2 if array else 1
        keys = self.keys()
        path: Path = ()
        for n, key in enumerate(keys):
            path = (*path, key)
            last = n == len(keys) - 1
            if last and array:
                self.arrays[path] = self.arrays.get(path, 0) + 1
                self.mark(path, start)
                path = (*path, self.arrays[path])
            elif path in self.arrays:
                path = (*path, self.arrays[path])
        self.mark(path, start)
        self.table = path

    def keys(self) -> list[str]:
        """A dotted key: its parts, unquoted."""
        keys: list[str] = []
        while True:
            self.skip_blanks()
            key = self.simple_key()
            if key is None:
                return keys
            keys.append(key)
            self.skip_blanks()
            if self.peek() != ".":
                return keys
            self.i += 1

    def simple_key(self) -> str | None:
        char = self.peek()
        if char in ('"', "'"):
            end = self.string_end(self.i)
            key = self.text[self.i + 1 : end - 1]
            self.i = end
            return key
        match = BARE_KEY_RE.match(self.text, self.i)
        if match is None:
            return None
        self.i = match.end()
        return match.group()

    def key_value(self, table: Path) -> None:
        start = self.i
        keys = self.keys()
        if not keys:
            return
        for n in range(1, len(keys) + 1):
            self.mark((*table, *keys[:n]), start)
        self.skip_blanks()
        if self.peek() != "=":
            return
        self.i += 1
        self.skip_blanks()
        self.value((*table, *keys))

    # -- values -------------------------------------------------------------------------
    def value(self, path: Path) -> None:
        char = self.peek()
        if char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        elif char in ('"', "'"):
            self.i = self.string_end(self.i)
        else:
            while self.peek() and self.peek() not in SCALAR_END:
                self.i += 1

    def array(self, path: Path) -> None:
        self.i += 1
        number = 0
        while self.peek():
            self.skip_space()
            if self.peek() in ("]", ""):
                break
            if self.peek() == ",":
                self.i += 1
                continue
            number += 1
            self.mark((*path, number), self.i)
            before = self.i
            self.value((*path, number))
            if self.i == before:  # not a value: leave it to the caller
                return
        self.i += 1 if self.peek() == "]" else 0

    def inline_table(self, path: Path) -> None:
        self.i += 1
        while self.peek() and self.peek() not in "}\n":
            self.skip_blanks()
            if self.peek() == ",":
                self.i += 1
                continue
            if self.peek() in ("}", "\n", ""):
                break
            before = self.i
            self.key_value(path)
            if self.i == before:
                return
        self.i += 1 if self.peek() == "}" else 0

    def string_end(self, start: int) -> int:
        """The index just past the string that starts at ``start``."""
        quote = self.text[start]
        if self.text.startswith(quote * 3, start):
            end = self._find_closing(start + 3, quote * 3, escapes=quote == '"')
            for _extra in range(2):  # up to two more quotes belong to the content
                if end < len(self.text) and self.text[end] == quote:
                    end += 1
            return end
        return self._find_closing(start + 1, quote, escapes=quote == '"', one_line=True)

    def _find_closing(self, j: int, closing: str, *, escapes: bool, one_line: bool = False):
        text = self.text
        while j < len(text):
            if escapes and text[j] == "\\":
                j += 2
                continue
            if one_line and text[j] == "\n":
                return j  # an unclosed string ends with its line
            if text.startswith(closing, j):
                return j + len(closing)
            j += 1
        return len(text)
