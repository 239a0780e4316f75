"""Loading script versions and writing a call's answers onto the account."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import (
    Account,
    Contact,
    FleetLine,
    Horizon,
    Opportunity,
    TonnageClass,
)
from app.accounts.normalise.address import split_house_number
from app.audit.services import record
from app.scripting.answers import CleanedAnswers, is_blank
from app.scripting.known import (
    fleet_rows,
    known_values,
    latest,
    line_key,
    same_contact,
    same_opportunity,
)
from app.scripting.models import CallScript
from app.scripting.parser import parse_script
from app.scripting.schema import OTHER_BRAND, Question, Script


class InvalidAnswers(ValueError):
    """Answers that cannot be written; ``errors`` maps question ids to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class Applied:
    """What ``apply_answers`` wrote, for the audit log and the agent's confirmation."""

    account_fields: list[str] = field(default_factory=list)
    contact: Contact | None = None
    fleet_lines: list[FleetLine] = field(default_factory=list)
    opportunity: Opportunity | None = None

    @property
    def changed(self) -> list[str]:
        """What the call corrected, as ``account.<field>``, ``contact``, ``fleet`` and
        ``opportunity``: a value confirmed as it was is not a change."""
        parts = [f"account.{name}" for name in self.account_fields]
        parts += ["contact"] if self.contact is not None else []
        parts += ["fleet"] if self.fleet_lines else []
        return parts + (["opportunity"] if self.opportunity is not None else [])


def load_script(
    session: Session, path_or_text: Path | str, user_id: int | None = None
) -> CallScript:
    """Store the script as a new version of its name and return it.

    A ``Path`` is read as a file, a ``str`` is the script itself. Loading the same text
    again returns the latest version instead of adding an identical one. A broken script
    raises ``ScriptError`` before anything is written. A new version is audited
    (``script.load``), whoever loads it: the shell, the browser or the demo.
    """
    if isinstance(path_or_text, Path):
        text = path_or_text.read_text(encoding="utf-8")
    else:
        text = path_or_text
    script = parse_script(text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    latest = latest_version(session, script.name)
    if latest is not None and latest.sha256 == digest:
        return latest
    stored = CallScript(
        name=script.name,
        version=(latest.version + 1) if latest else 1,
        title=script.title.it[:200],
        source_text=text,
        sha256=digest,
        loaded_by_id=user_id,
    )
    session.add(stored)
    session.flush()
    record(session, "script.load", user_id=user_id, obj=stored, name=stored.name,
           version=stored.version, sha256=digest)  # fmt: skip
    return stored


def latest_version(session: Session, name: str) -> CallScript | None:
    return session.scalars(
        select(CallScript).where(CallScript.name == name).order_by(CallScript.version.desc())
    ).first()


def list_versions(session: Session) -> list[tuple[CallScript, bool]]:
    """Every stored version, by name then newest first, flagged when it is the latest."""
    newest = (
        select(CallScript.name, func.max(CallScript.version).label("version"))
        .group_by(CallScript.name)
        .subquery()
    )
    latest = {(n, v) for n, v in session.execute(select(newest.c.name, newest.c.version))}
    rows = session.scalars(select(CallScript).order_by(CallScript.name, CallScript.version.desc()))
    return [(row, (row.name, row.version) in latest) for row in rows]


def script_of(stored: CallScript) -> Script:
    """The parsed script of a stored version (versions never change, so it is cached; only
    scripts that parse are: a problem is worded in the language of the moment)."""
    return _parse_cached(stored.sha256, stored.source_text)


@lru_cache(maxsize=32)
def _parse_cached(_sha256: str, text: str) -> Script:
    return parse_script(text)


_BY_VERSION: dict[tuple[int, str], Script] = {}


def script_by_version(session: Session, script_id: int, sha256: str) -> Script:
    """The parsed script of stored version ``script_id``, whose text hashes to ``sha256``:
    for the desk's frequent requests, which know both from one small row and so do not
    load the text each time (only on this process's first sight of the version)."""
    found = _BY_VERSION.get((script_id, sha256))
    if found is None:
        text = session.execute(
            select(CallScript.source_text).where(CallScript.id == script_id)
        ).scalar_one()
        found = _parse_cached(sha256, text)
        if len(_BY_VERSION) >= 256:  # bounded: versions are few, but a process lives long
            _BY_VERSION.clear()
        _BY_VERSION[(script_id, sha256)] = found
    return found


def prefill_answers(script: Script, account: Account) -> dict[str, Any]:
    """Starting answers for the questions marked ``prefill``: the account's fields, its
    newest contact and purchase intent, its fleet (``app.scripting.known``)."""
    known = known_values(account)
    values: dict[str, Any] = {}
    for question in script.questions():
        if not (question.prefill and question.maps_to):
            continue
        if question.maps_to == "fleet.lines":
            if account.fleet:
                values[question.id] = fleet_rows(question, list(account.fleet))
        elif known.get(question.maps_to) is not None:
            values[question.id] = known[question.maps_to]
    return values


def apply_answers(
    session: Session,
    account: Account,
    script: Script | CallScript,
    cleaned: CleanedAnswers,
    call_attempt_id: int | None = None,
) -> Applied:
    """Write the mapped answers of the visible questions onto the account.

    ``cleaned`` is what ``clean_answers`` made of the answers: they are cleaned once, by
    whoever received them (the desk checks them before it records the call), and written
    as they were understood. Account fields are corrected; the contact, the opportunity
    and the fleet are what this call captured: a contact with the same name is updated
    instead of repeated, the fleet lines of earlier calls are replaced (lines from other
    sources stay), and calling again for the same attempt updates what it wrote. Blank
    and hidden answers change nothing. Raises ``InvalidAnswers`` (writing nothing) if any
    visible answer is invalid.
    """
    parsed = script_of(script) if isinstance(script, CallScript) else script
    if not cleaned.ok:
        raise InvalidAnswers(cleaned.errors)
    by_target: dict[str, tuple[Question, Any]] = {}
    for question in parsed.questions():
        value = cleaned.values.get(question.id)
        if question.maps_to and not is_blank(value):
            by_target[question.maps_to] = (question, value)
    # One flush at the end: reading the fleet and the opportunities would otherwise flush
    # the contact, then the fleet, each in a unit of work of its own.
    with session.no_autoflush:
        applied = Applied(account_fields=_apply_account(account, by_target))
        applied.contact = _apply_contact(account, by_target, call_attempt_id)
        if "fleet.lines" in by_target:
            fleet = by_target["fleet.lines"]
            applied.fleet_lines = _apply_fleet(account, *fleet, call_attempt_id)
        applied.opportunity = _apply_opportunity(account, by_target, call_attempt_id)
    session.flush()
    return applied


def _fields(by_target: dict[str, tuple[Question, Any]], model: str) -> dict[str, Any]:
    prefix = f"{model}."
    return {t[len(prefix) :]: v for t, (_q, v) in by_target.items() if t.startswith(prefix)}


def _apply_account(account: Account, by_target: dict[str, tuple[Question, Any]]) -> list[str]:
    changed = []
    for name, value in _street_apart(_fields(by_target, "account")).items():
        if name == "tonnage_class":
            value = TonnageClass(value)
        if getattr(account, name) != value:
            setattr(account, name, value)
            changed.append(name)
    return changed


def _street_apart(values: dict[str, Any]) -> dict[str, Any]:
    """Street and house number stored apart: a number left at the end of the street goes
    to the house number, unless another number was given (the same one is dropped)."""
    if "street" not in values:
        return values
    street, number = split_house_number(values["street"])
    given = values.get("house_number")
    if number is not None and (given is None or given.replace(" ", "").upper() == number):
        values = {**values, "street": street, "house_number": given or number}
    return values


def _apply_contact(
    account: Account, by_target: dict[str, tuple[Question, Any]], call_attempt_id: int | None
) -> Contact | None:
    values = _fields(by_target, "contact")
    name = values.get("full_name")
    if name is None:
        return None  # a contact without a name helps nobody
    contact = next(
        (
            c
            for c in account.contacts
            if (call_attempt_id is not None and c.call_attempt_id == call_attempt_id)
            or c.full_name.casefold() == name.casefold()
        ),
        None,
    )
    if contact is not None and same_contact(contact, values):
        return None  # confirmed as it was: not a change, and still its source's
    if contact is None:
        contact = Contact(full_name=name, is_purchasing_manager=False)
        account.contacts.append(contact)
    for key, value in values.items():
        setattr(contact, key, value)
    contact.call_attempt_id = call_attempt_id or contact.call_attempt_id
    return contact


def _apply_fleet(
    account: Account, question: Question, rows: list[dict[str, Any]], call_attempt_id: int | None
) -> list[FleetLine]:
    lines = [
        FleetLine(
            brand=_brand_name(question, row),
            vehicle_count=row["vehicle_count"],
            tonnage_class=TonnageClass(row["tonnage_class"]) if row["tonnage_class"] else None,
            call_attempt_id=call_attempt_id,
        )
        for row in rows
    ]
    current = list(account.fleet)
    if sorted(map(line_key, lines)) == sorted(map(line_key, current)):
        return []  # the fleet confirmed as it was
    if question.prefill:
        # The agent saw the whole fleet and corrected it: it replaces every line, but a
        # line confirmed unchanged keeps its source.
        kept, unused = [], list(current)
    else:
        kept = [line for line in current if line.call_attempt_id is None]
        unused = []
    new = []
    for line in lines:
        same = next((old for old in unused if line_key(old) == line_key(line)), None)
        if same is not None and same.call_attempt_id != call_attempt_id:
            unused.remove(same)
            kept.append(same)
        else:
            new.append(line)
    account.fleet = kept + new  # delete-orphan removes the replaced lines
    return new


def _brand_name(question: Question, row: dict[str, Any]) -> str:
    if row["brand"] == OTHER_BRAND:
        return row["brand_other"]
    choice = question.choice(row["brand"])
    return choice.label.en if choice is not None else row["brand"]


def _apply_opportunity(
    account: Account, by_target: dict[str, tuple[Question, Any]], call_attempt_id: int | None
) -> Opportunity | None:
    values = _fields(by_target, "opportunity")
    if "horizon" not in values:
        return None  # an opportunity is defined by its horizon, "none" included
    values["horizon"] = Horizon(values["horizon"])
    opportunity = None
    if call_attempt_id is not None:
        opportunity = next(
            (o for o in account.opportunities if o.call_attempt_id == call_attempt_id), None
        )
    if opportunity is None and same_opportunity(latest(account.opportunities), values):
        return None  # the purchase intent confirmed as it was
    if opportunity is None:
        opportunity = Opportunity(horizon=values["horizon"], call_attempt_id=call_attempt_id)
        account.opportunities.append(opportunity)
    for key in ("vehicle_kind", "quantity", "notes"):
        setattr(opportunity, key, values.get(key))
    opportunity.horizon = values["horizon"]
    return opportunity
