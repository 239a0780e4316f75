"""The agent's call: open it, keep its draft, record its outcome.

The queue (``queue.py``) decides who calls whom; the script (``app.scripting``) says what
to ask and where answers go; this module ties them to one call and to the account's
status. Every function flushes and never commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, defer, make_transient_to_detached

from app.accounts.models import (
    Account,
    PhoneKind,
)
from app.accounts.phones import dialled_phone
from app.accounts.sites import SiteView
from app.audit.services import record
from app.board import tally_writes
from app.campaigns.calendar import is_callable
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.campaigns.outcomes import OutcomeRule, rules_from_config
from app.columns import utcnow
from app.desk.announcing import announce_call
from app.desk.call import Call
from app.desk.fields import FIELD_PREFIX, answers_from_fields
from app.desk.models import CallAttempt, CallDraft
from app.desk.queue import Ended, LeaseLost, Rescheduled, end_call
from app.donotcall.services import add_from_call
from app.scripting.answers import CleanedAnswers, clean_answers, required_missing
from app.scripting.models import CallScript
from app.scripting.schema import Script
from app.scripting.services import apply_answers, script_by_version


class DeskError(ValueError):
    """The call cannot go on as asked; the message is for the agent."""


class LeaseLostError(DeskError):
    """The call is no longer this agent's (its lease expired and someone else took it)."""


class AnswersRejected(DeskError):
    """The answers do not allow this outcome; ``errors`` maps question ids to messages."""

    def __init__(self, message: str, errors: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.errors = errors


def campaign_rules(campaign: Campaign, script: Script) -> dict[str, OutcomeRule]:
    """The campaign's outcomes that its script allows, in display order."""
    rules = rules_from_config(campaign.outcomes)
    return {code: rule for code, rule in rules.items() if code in script.outcomes}


def open_call(session: Session, entry_id: int, agent_id: int, now: datetime | None = None) -> Call:
    """The call of ``entry_id`` if this agent holds it, for a request that writes; its draft
    is created if it has none yet (``start_call`` made it when the account was claimed)."""
    return _call(session, entry_id, agent_id, now, keep=True)


def view_call(session: Session, entry_id: int, agent_id: int, now: datetime | None = None) -> Call:
    """The call of ``entry_id`` for the call screen, writing nothing (a GET never commits):
    a call with no draft yet shows an empty one, kept by the first save."""
    return _call(session, entry_id, agent_id, now, keep=False).load_card()


_DRAFT = sa.select(CallDraft).where(
    CallDraft.queue_entry_id == sa.bindparam("entry_id"),
    CallDraft.agent_id == sa.bindparam("agent_id"),
)


def _draft(
    session: Session, entry_id: int, agent_id: int, now: datetime | None, *, keep: bool
) -> CallDraft:
    draft = session.scalar(_DRAFT, {"entry_id": entry_id, "agent_id": agent_id})
    if draft is None:
        started = now or utcnow()
        draft = CallDraft(
            queue_entry_id=entry_id,
            agent_id=agent_id,
            answers={},
            created_at=started,
            updated_at=started,
        )
        if keep:
            session.add(draft)
            session.flush()
    return draft


# The call held, its campaign, account and script version in one statement, built once
# (the script's text is not read: the parsed script is kept per version).
_HELD_CALL = (
    sa.select(QueueEntry, Campaign, Account, CallScript)
    .join(Campaign, Campaign.id == QueueEntry.campaign_id)
    .join(Account, Account.id == QueueEntry.account_id)
    .outerjoin(CallScript, CallScript.id == Campaign.call_script_id)
    .options(defer(CallScript.source_text))
    .where(
        QueueEntry.id == sa.bindparam("entry_id"),
        QueueEntry.state == QueueState.LEASED,
        QueueEntry.lease_holder_id == sa.bindparam("agent_id"),
    )
)


def _call(
    session: Session, entry_id: int, agent_id: int, now: datetime | None, *, keep: bool
) -> Call:
    found = session.execute(_HELD_CALL, {"entry_id": entry_id, "agent_id": agent_id}).first()
    if found is None:
        raise LeaseLostError(_("This account is no longer assigned to you."))
    entry, campaign, account, stored = found
    if stored is None:
        raise DeskError(_("This campaign has no call script yet: tell your supervisor."))
    script = script_by_version(session, stored.id, stored.sha256)
    draft = _draft(session, entry.id, agent_id, now, keep=keep)
    rules = campaign_rules(campaign, script)
    return Call(entry, account, campaign, stored, script, rules, draft)


def record_outcome(
    session: Session,
    call: Call,
    *,
    code: str,
    fields: Mapping[str, Any],
    notes: str | None,
    client_token: str,
    callback_at: datetime | None = None,
    site: str | None = None,
    now: datetime | None = None,
) -> CallAttempt:
    """Record the call's outcome once, write its answers, and move queue and account on.
    ``site``: the site of the company the call qualified (the ``value`` of one of
    ``Call.sites``; None: ``Call.default_site``).

    Raises ``AnswersRejected`` when an answer is invalid or, for a qualifying outcome, a
    required one is missing; ``DeskError`` for an outcome the campaign does not allow, a
    site not the company's, or a callback without a future time. Nothing is written then.
    """
    now = now or utcnow()
    rule = call.rules.get(code)
    if rule is None:
        raise DeskError(_("This outcome is not available in this campaign."))
    site_id = _site(call, site).id if site else call.default_site_id
    answers = answers_from_fields(call.script, fields)
    cleaned = clean_answers(call.script, answers)
    _check_answers(call.script, rule, cleaned)
    _check_callback(call.campaign, rule, callback_at, now)
    attempt = {
        "campaign_id": call.campaign.id,
        "agent_id": call.draft.agent_id,
        "call_script_id": call.stored_script.id,
        "started_at": call.draft.created_at,
        "ended_at": now,
        "outcome": rule.code,
        "answers": dict(cleaned.values),  # what was understood; hidden answers left out
        "notes": notes or None,
        "client_token": client_token,
        "site_id": site_id,
    }
    try:
        ended = _move_on(session, call, rule, now, callback_at, attempt)
    except LeaseLost as exc:
        raise LeaseLostError(_("This account is no longer assigned to you.")) from exc
    recorded = _as_recorded(session, attempt, ended.attempt_id, ended.account_id)
    applied = None
    if rule.reached and cleaned.values:
        applied = apply_answers(session, call.account, call.script, cleaned, recorded.id)
    session.flush()  # the opportunities it captured, for the board's horizons
    tally_writes.record_call(
        session, recorded, final=ended.result in (Rescheduled.DONE, Rescheduled.EXHAUSTED)
    )
    discard_draft(session, call.draft.queue_entry_id, call.draft.agent_id)
    record(session, "desk.outcome", user_id=recorded.agent_id, obj=recorded, outcome=rule.code,
           changed=applied.changed if applied else [], flush=False)  # fmt: skip
    announce_call(session, recorded, call.campaign, call.account, qualified=rule.qualified)
    session.flush()  # the call's tally columns and the audit entry, in one
    return recorded


def _as_recorded(
    session: Session, attempt: dict[str, Any], attempt_id: int, account_id: int
) -> CallAttempt:
    """The call the end of call just inserted, as a persistent ORM object made from the
    values it was inserted with, not read back (a whole row's SELECT and its hydration): the
    tally's columns set on it are written at the next flush; a column not given here (its
    creation time) would be loaded on first use."""
    call = CallAttempt(id=attempt_id, account_id=account_id, **attempt)
    make_transient_to_detached(call)
    session.add(call)
    return call


def _site(call: Call, value: str) -> SiteView:
    found = next((site for site in call.sites if site.value == value), None)
    if found is None:
        raise DeskError(_("Choose one of this company's sites."))
    return found


def _check_answers(script: Script, rule: OutcomeRule, cleaned: CleanedAnswers) -> None:
    """Answers count only when someone answered: "busy" is never refused for a typo; a
    qualifying outcome needs every required answer."""
    if rule.reached and not cleaned.ok:
        raise AnswersRejected(_("Some answers need correcting."), cleaned.errors)
    if rule.qualified:
        missing = required_missing(script, cleaned)
        if missing:
            message = _("Answer every required question before qualifying.")
            raise AnswersRejected(message, {qid: [_("Required to qualify.")] for qid in missing})


def _check_callback(
    campaign: Campaign, rule: OutcomeRule, callback_at: datetime | None, now: datetime
) -> None:
    """A callback outcome needs a future time within the campaign's calling hours."""
    if rule.callback and (callback_at is None or callback_at <= now):
        raise DeskError(_("Choose a callback date and time in the future."))
    if rule.callback and not is_callable(callback_at, campaign.serving_hours):
        raise DeskError(_("The callback time is outside calling hours: choose another."))


def _move_on(
    session: Session,
    call: Call,
    rule: OutcomeRule,
    now: datetime,
    callback_at: datetime | None,
    attempt: dict[str, Any],
) -> Ended:
    """Record the call, place its queue entry and set the account's status the outcome
    implies, in one set-based write (``queue.end_call``); then the outcome's flags."""
    campaign = call.campaign
    retry = None
    if rule.recycles:
        retry = rule.retry_delay(
            no_answer=campaign.retry_no_answer_minutes, busy=campaign.retry_busy_minutes
        )
    agent_id = call.draft.agent_id  # who opened the call, whoever holds the entry now
    ended = end_call(
        session,
        call.entry,
        now=now,
        campaign=campaign,
        retry_after_minutes=retry,
        retry_at_minute=rule.retry_minute_of_day if rule.recycles else None,
        exhausted=rule.recycles and rule.exhausted(_times_sent_back(call, rule)),
        final=rule.final,
        final_status=rule.status if rule.final else None,
        callback_at=callback_at if rule.callback else None,
        callback_agent_id=agent_id if rule.callback else None,
        holder_id=agent_id,
        attempt=attempt,
    )
    account = call.account
    if rule.do_not_call and not call.campaign.practice:
        # On the list at once, in this transaction: the account, its VAT and its numbers.
        # Not from practice: its invented numbers may be someone's real ones.
        add_from_call(session, account, agent_id)
    if rule.unusable_number:
        dialled = dialled_phone(account)
        if dialled is not None:
            dialled.kind = PhoneKind.INVALID
    return ended


def _times_sent_back(call: Call, rule: OutcomeRule) -> int:
    """How many times this outcome already sent the account back in this campaign: its
    earlier calls ending so (the call screen has them all)."""
    return sum(
        1 for c in call.history if c.campaign_id == call.campaign.id and c.outcome == rule.code
    )


def keep_posted_answers(
    session: Session, entry_id: int, agent_id: int, fields: Mapping[str, Any], notes: str | None
) -> None:
    """An outcome refused because the lease was lost keeps what the agent typed in their own
    draft for that account (made when they were handed it), so nothing captured is lost; a
    post on a call they never held, another agent's, writes nothing."""
    draft = session.scalar(_DRAFT, {"entry_id": entry_id, "agent_id": agent_id})
    if draft is None:
        return
    draft.answers = {k: v for k, v in fields.items() if k.startswith(FIELD_PREFIX)}
    draft.notes = notes or None
    session.flush()


def discard_draft(session: Session, entry_id: int, agent_id: int) -> None:
    """The call's draft is gone: its outcome recorded, or the call given back without one
    (it starts afresh next time, answers and clock). One prebuilt statement; a draft this
    session loaded leaves the session too (SQLite may give its id to the next draft)."""
    session.execute(_DISCARD, {"entry_id": entry_id, "agent_id": agent_id})
    for loaded in CallDraft.loaded(session, entry_id, agent_id):
        session.expunge(loaded)


_DISCARD = sa.delete(CallDraft.__table__).where(
    CallDraft.queue_entry_id == sa.bindparam("entry_id"),
    CallDraft.agent_id == sa.bindparam("agent_id"),
)
