"""The timesheet as rows for a CSV or an XLSX file (``app.spreadsheets.downloads``): a row
per agent and day, a total row after each team, the grand total last. Lengths of time are
``Duration`` cells (``h:mm``); the hourly figures are numbers in XLSX and text in the
reader's decimal notation in CSV, as on the board."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from app.columns import ROME
from app.spreadsheets.downloads import Duration
from app.timesheets.services import Line, Timesheet

Number = Callable[[Decimal | None], Any]


def as_text(value: Decimal | None) -> str:
    """A figure as the reader's spreadsheet reads it (0,5 in Italian); empty for none."""
    return "" if value is None else format_decimal(value, format="0.00")


def as_number(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _local(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(ROME).replace(tzinfo=None)


def header(sheet: Timesheet, reason_label: Callable[[Any], str]) -> list[str]:
    return [
        _("Team"), _("Agent"), _("Day"), _("First call"), _("Last call"), _("Signed in"),
        _("Ready"), _("Dialling"), _("Talk"), _("Wrap-up"), _("Paused"),
        *(_("Paused: %(reason)s", reason=reason_label(r)) for r in sheet.reasons),
        _("Calls"), _("Qualified"), _("Calls per signed-in hour"),
        _("Qualified per signed-in hour"), _("Signed-in hours (decimal)"),
    ]  # fmt: skip


def _row(sheet: Timesheet, line: Line, number: Number, *first: Any) -> list[Any]:
    t, c = line.times, line.calls
    hours = Decimal(str(t.signed_in)) / 3600 if t.signed_in else None
    return [
        *first, _local(c.first_call), _local(c.last_call), Duration(t.signed_in),
        Duration(t.ready), Duration(t.dialling), Duration(t.talk), Duration(t.wrap_up),
        Duration(t.paused), *(Duration(t.pauses.get(r.id, 0.0)) for r in sheet.reasons),
        c.calls, c.qualified, number(line.calls_per_hour), number(line.qualified_per_hour),
        number(hours),
    ]  # fmt: skip


def rows(sheet: Timesheet, number: Number, reason_label: Callable[[Any], str]) -> list[list[Any]]:
    """The header, then every team's lines and total, then the grand total."""
    found = [header(sheet, reason_label)]
    for team in sheet.teams:
        name = team.team.name if team.team else _("No team")
        for entry in team.days:
            found.append(_row(sheet, entry.line, number, name, entry.agent.name, entry.day))
        found.append(_row(sheet, team.total, number, name, _("Total"), None))
    found.append(_row(sheet, sheet.total, number, _("All teams"), _("Total"), None))
    return found
