"""The Italian catalogue covers every interface string, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "it" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle)


def _walked(dirpath: str) -> bool:
    """Every folder but hidden ones and caches: babel's default filter also skips folders
    starting with "_", which hid templates/_macros/ from the catalogue."""
    name = Path(dirpath).name
    return not name.startswith(".") and name != "__pycache__"


def source_ids() -> set[str]:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS, directory_filter=_walked
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_every_source_string_is_in_the_catalogue():
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue() if m.id}
    found = source_ids()
    assert "Sign in" in found and len(found) > 50  # the extraction itself works
    assert "Waiting for its turn…" in found  # templates/_macros/ is read too
    missing = found - known
    assert not missing, f"run pybabel extract/update and translate: {sorted(missing)}"


def test_every_entry_translated_and_not_fuzzy():
    for message in catalogue():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"


def test_placeholders_match():
    for message in catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == expected, message.id
