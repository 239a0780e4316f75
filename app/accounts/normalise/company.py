"""Company names: trimmed, upper case, punctuation tidied, the legal form stored apart.

Italian sources write the same legal form many ways (``S.R.L.``, ``Srl``, ``s. r. l.``,
``SOC. COOP. A R.L.``); comparing names for de-duplication only works once the form is
recognised and taken out. Forms are recognised at the end of the name (or, for *ditta* and
cooperatives, at its start) by their letters alone, dots and spaces ignored. Two-letter
forms that are also words (``S.S.``, ``D.I.``) count only when written with dots.
"""

from __future__ import annotations

import re

from app.accounts.normalise.changes import Cleaned, squash

# Letters of a written form (dots, spaces and commas removed) -> the stored form.
LEGAL_FORMS: dict[str, str] = {
    "SRL": "SRL",
    "SRLS": "SRLS",
    "SRLSEMPLIFICATA": "SRLS",
    "SRLUNIPERSONALE": "SRL",
    "SRLU": "SRL",
    "SPA": "SPA",
    "SAPA": "SAPA",
    "SNC": "SNC",
    "SAS": "SAS",
    "SCARL": "SCARL",
    "SCRL": "SCARL",
    "SOCCOOPARL": "SCARL",
    "SOCCOOPRL": "SCARL",
    "SOCIETACOOPERATIVAARL": "SCARL",
    "SOCCOOP": "SC",
    "SOCIETACOOPERATIVA": "SC",
    "SCPA": "SCPA",
    "DITTAINDIVIDUALE": "DI",
    "IMPRESAINDIVIDUALE": "DI",
}
# Only with dots: as bare letters these are words or initials.
DOTTED_ONLY: dict[str, str] = {"SS": "SS", "DI": "DI", "SC": "SC"}
# Forms also written before the name.
LEADING: dict[str, str] = {
    "DITTA": "DI",
    "DITTAINDIVIDUALE": "DI",
    "IMPRESAINDIVIDUALE": "DI",
    "SOCCOOP": "SC",
    "SOCIETACOOPERATIVA": "SC",
}
MAX_FORM_TOKENS = 5

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u201c": '"',
                         "\u201d": '"'})  # fmt: skip
_SPACE_BEFORE = re.compile(r"\s+([,.;:)])")
_SPACE_AFTER = re.compile(r"([(])\s+")
_NO_SPACE_AFTER = re.compile(r"([,;])(?=[^\W\d_])")
_AMPERSAND = re.compile(r"\s*&\s*")
_EDGE_JUNK = re.compile(r"^[\s,;:\-]+|[\s,;:\-]+$")


def _letters(tokens: list[str]) -> str:
    return "".join(re.sub(r"[^A-Z0-9]", "", t) for t in tokens)


def _dotted(tokens: list[str]) -> bool:
    return any("." in t for t in tokens)


def split_legal_form(name: str) -> tuple[str, str | None]:
    """``("ROSSI TRASPORTI", "SRL")`` from ``"ROSSI TRASPORTI S.R.L."``; the name is
    returned as given (upper case expected) when no form is recognised."""
    tokens = name.split()
    for size in range(min(MAX_FORM_TOKENS, len(tokens) - 1), 0, -1):
        tail = tokens[-size:]
        letters = _letters(tail)
        form = LEGAL_FORMS.get(letters)
        if form is None and _dotted(tail):
            form = DOTTED_ONLY.get(letters)
        if form is not None:
            return _EDGE_JUNK.sub("", " ".join(tokens[:-size])), form
    for size in range(min(MAX_FORM_TOKENS, len(tokens) - 1), 0, -1):
        form = LEADING.get(_letters(tokens[:size]))
        if form is not None:
            return _EDGE_JUNK.sub("", " ".join(tokens[size:])), form
    return name, None


def tidy_name(raw: str) -> str:
    """Upper case, one space, typographic quotes made plain, no space before punctuation."""
    text = squash(raw).translate(_QUOTES).upper()
    text = _AMPERSAND.sub(" & ", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _SPACE_AFTER.sub(r"\1", text)
    text = _NO_SPACE_AFTER.sub(r"\1 ", text)
    return _EDGE_JUNK.sub("", text)


def clean_company(raw_name: str | None, raw_form: str | None = None) -> Cleaned:
    """Clean ``company_name`` and fill ``legal_form`` (from its own column, else the name).

    A name that is empty once cleaned is flagged: an account needs a name.
    """
    result = Cleaned(values={})
    tidy = tidy_name(raw_name or "")
    if tidy != (raw_name or ""):
        result.set("company_name", raw_name, tidy, "name_tidied")
    name, form = split_legal_form(tidy)
    given_form = None
    if raw_form and squash(raw_form):
        letters = _letters(tidy_name(raw_form).split())
        given_form = LEGAL_FORMS.get(letters) or DOTTED_ONLY.get(letters)
        if given_form is None:
            result.flag("legal_form", raw_form, "legal_form_unknown")
    if form is not None:
        result.set("company_name", tidy, name, "legal_form_taken_from_name")
        if given_form is not None and given_form != form:
            result.flag("legal_form", raw_form, "legal_form_conflicts_with_name")
    else:
        result.values["company_name"] = tidy
    chosen = given_form or form
    reason = "legal_form_normalised" if given_form else "legal_form_taken_from_name"
    result.set("legal_form", raw_form, chosen, reason)
    if not result.values["company_name"]:
        result.flag("company_name", raw_name, "company_name_missing")
    return result
