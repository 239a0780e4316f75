"""How a company's name (and a street) reads to people: "Rossi Trasporti S.r.l.", "Via
dell'Industria", whatever the source's case.

Accounts keep the normalised form (``normalise.company``: upper case, the legal form apart,
as ``SRL``), which de-duplication and search compare. People read pages and files, where
an all-capitals name shouts and a bare ``SRL`` looks like a code; this module is the one
place that turns the stored form into the written one, so every page and file agrees.
"""

from __future__ import annotations

import re

from app.accounts.normalise.company import split_legal_form, tidy_name

# The stored legal form -> how Italians write it after the name.
WRITTEN_FORMS: dict[str, str] = {
    "SRL": "S.r.l.",
    "SRLS": "S.r.l.s.",
    "SPA": "S.p.A.",
    "SAPA": "S.a.p.a.",
    "SNC": "S.n.c.",
    "SAS": "S.a.s.",
    "SS": "S.s.",
    "SCARL": "S.c.a r.l.",
    "SC": "Soc. coop.",
    "SCPA": "S.c.p.A.",
    "DI": "ditta individuale",
}
# Short words written in lower case inside a name (never as its first word).
SMALL_WORDS = frozenset(
    {"a", "al", "alla", "allo", "ai", "agli", "alle", "con", "da", "dal", "dalla",
     "dei", "degli", "del", "della", "delle", "dello", "di", "e", "ed", "in", "la",
     "le", "lo", "gli", "il", "i", "nel", "nella", "per", "su", "sul", "sulla", "tra",
     "dell", "dall", "nell", "sull", "all"}  # "Via dell'Industria"
)  # fmt: skip
_ROMAN = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})", re.IGNORECASE)  # II, IV, XX, XXIII...
_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits: a word or a code


def _word(match: re.Match[str], first: bool) -> str:
    if any(c.isdigit() for c in match.group(0)):
        return match.group(0)  # "2000", "A4", "3D": a number or a code, as given
    if len(match.group(0)) > 1 and _ROMAN.fullmatch(match.group(0)):
        return match.group(0).upper()  # "Vittorio Emanuele II", "Via XX Settembre"
    word = match.group(0).lower()
    after_dot = match.start() > 0 and match.string[match.start() - 1] == "."
    if after_dot:  # "F.LLI" -> "F.lli"; initials "A.B.C." stay capitals
        return word.upper() if len(word) == 1 else word
    if word in SMALL_WORDS and not first:
        return word
    return word[:1].upper() + word[1:]


def written_name(name: str) -> str:
    """``"ROSSI TRASPORTI DI MARIO ROSSI & C."`` -> ``"Rossi Trasporti di Mario Rossi & C."``:
    each word capitalised, small linking words in lower case but the first, an apostrophe
    starting a new word (``DELL'ADDA`` -> ``Dell'Adda``), an abbreviation after its dot in
    lower case (``F.LLI`` -> ``F.lli``); digits and punctuation as given."""
    out: list[str] = []
    position = 0
    for index, match in enumerate(_WORD.finditer(name)):
        out.append(name[position : match.start()])
        out.append(_word(match, first=index == 0))
        position = match.end()
    out.append(name[position:])
    return "".join(out)


def written_parts(name: str | None, legal_form: str | None = None) -> tuple[str, str | None]:
    """(name, legal form) as people read them, for files that give each its column: the
    name written normally, the form the way Italians write it (an unknown one as stored).
    A name that still carries its form (stored before it was taken apart) gives it up."""
    name = (name or "").strip()
    if not legal_form:
        name, legal_form = split_legal_form(tidy_name(name))
    if not legal_form:
        return written_name(name), None
    form = legal_form.strip()
    return written_name(name), WRITTEN_FORMS.get(form.upper(), form)


def company_display(name: str | None, legal_form: str | None = None) -> str:
    """The company as people read it, in one string: ``"Rossi Trasporti S.r.l."``."""
    written, form = written_parts(name, legal_form)
    return f"{written} {form}".strip() if form else written
