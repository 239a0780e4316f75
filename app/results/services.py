"""Recording a result: the one path for the upload pages, the API and the shell.

``record_result`` checks the values (``check_values``), finds the hand-off the result
follows, and adds the row in the caller's transaction (audited; the caller commits). A
result names an account that a confirmed wave handed out: what happens to accounts the
call centre never handed off is not ours to count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.audit.services import record
from app.columns import ROME, utcnow
from app.desk.models import CallAttempt
from app.distribution.models import Wave, WaveAccount, WaveStatus
from app.distribution.result_terms import LostReason, ResultOutcome
from app.results.models import AccountResult
from app.webhooks.events import emit

SOURCES = frozenset({"salesperson_file", "crm_extract", "staff"})
API_PREFIX = "api:"
MAX_VALUE = Decimal("999999999999.99")  # Numeric(14, 2)
MAX_VEHICLES = 10_000
HANDED_OFF = (WaveStatus.CONFIRMED, WaveStatus.SENT)


class ResultRefused(ValueError):
    """The result cannot be recorded; ``errors`` says why, for the person who sent it."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class HandOff:
    """The wave that handed an account out, and when the call centre qualified it."""

    wave_id: int
    salesperson_id: int
    qualified_on: date | None  # local day of its qualifying call


def local_today() -> date:
    return utcnow().astimezone(ROME).date()


def valid_source(source: str) -> bool:
    if source in SOURCES:
        return True
    name = source.removeprefix(API_PREFIX)
    return source.startswith(API_PREFIX) and 0 < len(name) <= 60


def check_values(
    outcome: str,
    occurred_on: date | None,
    *,
    vehicles: int | None = None,
    value: Decimal | None = None,
    reason: str | None = None,
    notes: str | None = None,
    qualified_on: date | None = None,
    today: date,
) -> list[str]:
    """What is wrong with a result, as sentences the sender can act on; empty when none.

    A sale needs its date; a date is never in the future nor before the qualification;
    vehicles and value belong to a sale (vehicles at least 1, value at least 0); a reason
    belongs to a loss, and a loss needs one (from the list, or in words)."""
    errors: list[str] = []
    try:
        kind = ResultOutcome(outcome)
    except ValueError:
        choices = ", ".join(o.value for o in ResultOutcome)
        return [
            _("Unknown result %(value)s: use one of %(choices)s.", value=outcome, choices=choices)
        ]
    if occurred_on is None and kind == ResultOutcome.SOLD:
        errors.append(_("A sale needs its date."))
    if occurred_on is not None and occurred_on > today:
        errors.append(_("The date %(day)s is in the future.", day=occurred_on.isoformat()))
    if occurred_on is not None and qualified_on is not None and occurred_on < qualified_on:
        errors.append(
            _(
                "The date %(day)s is before the account was qualified (%(qualified)s).",
                day=occurred_on.isoformat(),
                qualified=qualified_on.isoformat(),
            )
        )
    if kind != ResultOutcome.SOLD and (vehicles is not None or value is not None):
        errors.append(_("Only a sale has vehicles and a value sold."))
    if vehicles is not None and not 1 <= vehicles <= MAX_VEHICLES:
        errors.append(_("Vehicles sold: a whole number from 1 to %(max)s.", max=MAX_VEHICLES))
    if value is not None and not Decimal(0) <= value <= MAX_VALUE:
        errors.append(_("Value sold: an amount in euros, 0 or more."))
    if reason is not None and kind != ResultOutcome.LOST:
        errors.append(_("Only a lost account has a reason it was lost."))
    if reason is not None and reason not in set(LostReason):
        choices = ", ".join(r.value for r in LostReason)
        errors.append(
            _("Unknown reason %(value)s: use one of %(choices)s.", value=reason, choices=choices)
        )
    if kind == ResultOutcome.LOST and reason is None and not (notes or "").strip():
        errors.append(_("Say why the account was lost: a reason from the list, or in words."))
    return errors


def hand_off(session: Session, account_id: int) -> HandOff | None:
    """The confirmed (or sent) wave that handed ``account_id`` out, with the local day of
    the final call that qualified it; None when no such wave holds it."""
    found = session.execute(
        sa.select(WaveAccount.wave_id, WaveAccount.salesperson_id)
        .join(Wave, Wave.id == WaveAccount.wave_id)
        .where(WaveAccount.account_id == account_id, Wave.status.in_(HANDED_OFF))
    ).first()
    if found is None:
        return None
    ended = session.scalar(
        sa.select(CallAttempt.ended_at)
        .where(CallAttempt.account_id == account_id, CallAttempt.final.is_(True))
        .order_by(CallAttempt.ended_at.desc(), CallAttempt.id.desc())
        .limit(1)
    )
    qualified_on = ended.astimezone(ROME).date() if ended else None
    return HandOff(found.wave_id, found.salesperson_id, qualified_on)


def by_reference(session: Session, refs: Iterable[str]) -> dict[str, AccountResult]:
    """The results already recorded under these references."""
    wanted = list(set(refs))
    if not wanted:
        return {}
    query = sa.select(AccountResult).where(AccountResult.external_ref.in_(wanted))
    return {r.external_ref: r for r in session.scalars(query) if r.external_ref}


def as_amount(value: Decimal | int | float | str | None) -> Decimal | None:
    """An amount in euros to the cent; ``ResultRefused`` when it is no number."""
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise ResultRefused([_("Value sold: an amount in euros, 0 or more.")]) from error
    if not amount.is_finite():
        raise ResultRefused([_("Value sold: an amount in euros, 0 or more.")])
    return amount.quantize(Decimal("0.01"))


def record_result(
    session: Session,
    account: Account,
    *,
    outcome: ResultOutcome | str,
    occurred_on: date | None,
    source: str,
    vehicles: int | None = None,
    value: Decimal | int | float | str | None = None,
    reason: LostReason | str | None = None,
    notes: str | None = None,
    actor: int | None = None,
    external_ref: str | None = None,
    today: date | None = None,
) -> AccountResult:
    """Record what happened to ``account`` after its hand-off, or refuse (``ResultRefused``,
    nothing written). A result already recorded under ``external_ref`` is returned as it is:
    sending it again changes nothing. A result other than a sale with no date happened
    today. ``actor``: the user id, None for an integration."""
    if external_ref is not None:
        if not 0 < len(external_ref) <= 120:
            raise ResultRefused([_("The external reference is 1 to 120 characters.")])
        if (known := by_reference(session, [external_ref]).get(external_ref)) is not None:
            return known
    handed = _handed_off(session, account, source)
    today = today or local_today()
    amount = as_amount(value)
    reason_code = str(reason) if reason is not None else None
    errors = check_values(str(outcome), occurred_on, vehicles=vehicles, value=amount,
                          reason=reason_code, notes=notes, qualified_on=handed.qualified_on,
                          today=today)  # fmt: skip
    if errors:
        raise ResultRefused(errors)
    result = AccountResult(
        account_id=account.id,
        outcome=ResultOutcome(outcome),
        occurred_on=occurred_on or today,
        vehicles=vehicles,
        value=amount,
        reason=LostReason(reason_code) if reason_code else None,
        notes=(notes or "").strip() or None,
        source=source,
        wave_id=handed.wave_id,
        salesperson_id=handed.salesperson_id,
        external_ref=external_ref,
        recorded_at=utcnow(),
        recorded_by_id=actor,
    )
    session.add(result)
    session.flush()
    emit(session, "result.recorded", {
        "result_id": result.id, "account_key": account.key, "outcome": result.outcome.value,
        "occurred_on": result.occurred_on.isoformat(), "vehicles": result.vehicles,
        "value": None if result.value is None else f"{result.value:.2f}", "source": source,
        "wave_id": result.wave_id, "salesperson_id": result.salesperson_id,
    })  # fmt: skip
    record(session, "result.record", user_id=actor, obj=account, source=source,
           outcome=result.outcome.value, occurred_on=result.occurred_on.isoformat(),
           result_id=result.id)  # fmt: skip
    return result


def _handed_off(session: Session, account: Account, source: str) -> HandOff:
    """The hand-off a result of ``source`` on ``account`` follows, or ``ResultRefused``."""
    if not valid_source(source):
        raise ResultRefused([_("Unknown source %(source)s.", source=source)])
    handed = hand_off(session, account.id)
    if handed is None:
        refusal = _("Account %(key)s was not handed to a salesperson in a confirmed wave: "
                    "there is no result to record.", key=account.key)  # fmt: skip
        raise ResultRefused([refusal])
    return handed


def current_results(session: Session, account_ids: Iterable[int]) -> dict[int, AccountResult]:
    """Each account's current result: its latest by date, then by recording."""
    ids = list(set(account_ids))
    found: dict[int, AccountResult] = {}
    for start in range(0, len(ids), 1000):
        query = (
            sa.select(AccountResult)
            .where(AccountResult.account_id.in_(ids[start : start + 1000]))
            .order_by(AccountResult.account_id, AccountResult.occurred_on, AccountResult.id)
        )
        for result in session.scalars(query):
            found[result.account_id] = result  # the last one wins
    return found


def stamp(moment: datetime) -> date:
    """A UTC moment's local day."""
    return moment.astimezone(ROME).date()


def results_report(session: Session, account_ids: list[int]) -> list[dict[str, object]]:
    """The results of ``account_ids`` as a data subject's report lists them (right of
    access): what was said of the company after its hand-off, and by which source."""
    query = (
        sa.select(AccountResult)
        .where(AccountResult.account_id.in_(account_ids))
        .order_by(AccountResult.occurred_on, AccountResult.id)
    )
    return [
        {"outcome": r.outcome.value, "occurred_on": r.occurred_on, "vehicles": r.vehicles,
         "value": r.value, "reason": r.reason.value if r.reason else None, "notes": r.notes,
         "source": r.source, "external_ref": r.external_ref, "recorded_at": r.recorded_at}
        for r in session.scalars(query)
    ]  # fmt: skip
