"""Why a data company's file is refused whole, kept as reasons rather than sentences.

The checks run in a job (``returning.run_return``) that has no reader: a sentence written
there would be in the default language whatever the reader's. So a refusal is a list of
reasons (``{"reason": code, ...values}``), kept on the batch, and each page renders them in
its reader's language (``sentence``)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.spreadsheets.reading import FileRefused

Reason = dict[str, Any]
SHOWN = 10  # repeated or unknown keys named one by one; the rest counted


class ReturnRefused(FileRefused):
    """The file cannot land; ``reasons`` say why. Nothing of it was written."""

    def __init__(self, reasons: list[Reason]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(self.errors))

    @property
    def errors(self) -> list[str]:
        """The reasons as sentences, in the current language."""
        return [sentence(reason) for reason in self.reasons]


def missing_columns(names: list[str]) -> Reason:
    return {"reason": "missing_columns", "names": names}


def repeated_key(row: int, key: str, first: int) -> Reason:
    return {"reason": "repeated_key", "row": row, "key": key, "first": first}


def unknown_key(row: int, key: str) -> Reason:
    return {"reason": "unknown_key", "row": row, "key": key}


def more(reason: str, count: int) -> Reason:
    """``count`` further keys of ``reason`` ("repeated_key", "unknown_key") not listed."""
    return {"reason": f"more_{reason}", "count": count}


BY_KEY_ONLY: Reason = {"reason": "by_key_only"}


def sentence(reason: Reason) -> str:
    """One reason as a sentence the reader can act on."""
    code = reason.get("reason")
    if code == "missing_columns":
        return _("The file lacks the column(s) %(names)s of the data company's layout: "
                 "nothing was imported.", names=", ".join(reason["names"]))  # fmt: skip
    if code == "repeated_key":
        return _("Row %(row)d repeats the KEY %(key)s of row %(first)d.", row=reason["row"],
                 key=reason["key"], first=reason["first"])  # fmt: skip
    if code == "unknown_key":
        return _("Row %(row)d: the KEY %(key)s names no account.", row=reason["row"],
                 key=reason["key"])  # fmt: skip
    if code == "more_unknown_key":
        return _("And %(count)d more unknown keys.", count=reason["count"])
    if code == "more_repeated_key":
        return _("And %(count)d more repeated keys.", count=reason["count"])
    if code == "by_key_only":
        return _("Rows are matched by KEY only: nothing was imported.")
    raise ValueError(f"unknown refusal reason {code!r}")
