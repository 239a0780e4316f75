"""Merging two accounts a person confirmed are one company, and undoing it.

The survivor (the older account) keeps its values and takes from the other what it lacks;
the other account's phones, sources, contacts, fleet, opportunities, calls and open flags
move to the survivor, and its sites the survivor does not have become the survivor's other
sites (``site_moves``), and the other account is marked MERGED (it is kept: its key still
finds the survivor). Everything moved, and every value the survivor took, is written in the
merge's snapshot, so that ``undo`` puts each back where it was, unless a person changed
that value since (then the newer value stays).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.models import (
    Account,
    AccountFlag,
    AccountPhone,
    AccountSource,
    Contact,
    FlagStatus,
    FleetLine,
    Opportunity,
)
from app.accounts.status import AccountStatus, can_transition
from app.audit.services import record as audit
from app.board import tally_writes
from app.columns import utcnow
from app.desk.models import CallAttempt
from app.imports.combining import ACCOUNT_FIELDS
from app.imports.models import AccountMerge, DuplicatePair, PairStatus
from app.results.models import AccountResult
from app.workspace.site_moves import move_back, move_sites

# Rows that belong to the company, moved with it: snapshot name -> model.
CHILDREN: dict[str, Any] = {
    "phones": AccountPhone,
    "sources": AccountSource,
    "contacts": Contact,
    "fleet": FleetLine,
    "opportunities": Opportunity,
    "calls": CallAttempt,
    "flags": AccountFlag,
    "results": AccountResult,  # the conversion figures follow the company
}


class MergeError(ValueError):
    """The merge (or its undo) cannot be done; the message says why."""


def merge_pair(session: Session, pair: DuplicatePair, *, user_id: int | None) -> AccountMerge:
    """Confirm ``pair``: the accounts are one company."""
    if pair.status != PairStatus.PENDING:
        raise MergeError(_("This pair has already been decided."))
    first = session.get_one(Account, pair.account_a_id)
    second = session.get_one(Account, pair.account_b_id)
    survivor, merged = (first, second) if first.id < second.id else (second, first)
    merge = merge_accounts(session, survivor, merged, user_id=user_id, pair=pair)
    pair.status, pair.decided_by_id, pair.decided_at = PairStatus.CONFIRMED, user_id, utcnow()
    return merge


def reject_pair(session: Session, pair: DuplicatePair, *, user_id: int | None) -> None:
    """Two companies: the pair is never proposed again."""
    if pair.status != PairStatus.PENDING:
        raise MergeError(_("This pair has already been decided."))
    pair.status, pair.decided_by_id, pair.decided_at = PairStatus.REJECTED, user_id, utcnow()
    audit(session, "imports.pair_rejected", user_id=user_id, obj=pair)


def merge_accounts(
    session: Session,
    survivor: Account,
    merged: Account,
    *,
    user_id: int | None,
    pair: DuplicatePair | None = None,
) -> AccountMerge:
    for account in (survivor, merged):
        if account.status == AccountStatus.MERGED:
            raise MergeError(_("Account %(key)s was already merged.", key=account.key))
    if not can_transition(merged.status, AccountStatus.MERGED):
        raise MergeError(
            _(
                "Account %(key)s is in a campaign or being worked: take it out of the "
                "campaign before merging it.",
                key=merged.key,
            )
        )
    taken: dict[str, Any] = {}
    for name in ACCOUNT_FIELDS:
        value = getattr(merged, name)
        if value and not getattr(survivor, name):
            taken[name] = value
            setattr(survivor, name, value)
    known_phones = {p.raw for p in survivor.phones}
    recount = _campaigns_called_both(session, survivor.id, merged.id)
    moved: dict[str, list[int]] = {}
    for name, model in CHILDREN.items():
        query = sa.select(model).where(model.account_id == merged.id)
        if model is AccountFlag:
            query = query.where(AccountFlag.status == FlagStatus.OPEN)
        rows = list(session.scalars(query))
        if model is AccountPhone:
            rows = [p for p in rows if p.raw not in known_phones]
        for row in rows:
            row.account_id = survivor.id
        moved[name] = [row.id for row in rows]
    sites = move_sites(session, survivor, merged)  # those the survivor lacks: other sites
    snapshot = {"taken": taken, "moved": moved, "sites": sites,
                "merged_status": merged.status.value}  # fmt: skip
    merged.status = AccountStatus.MERGED
    merged.merged_into_id = survivor.id
    merge = AccountMerge(
        survivor_id=survivor.id,
        merged_id=merged.id,
        pair_id=pair.id if pair else None,
        snapshot=snapshot,
        merged_by_id=user_id,
    )
    session.add(merge)
    session.flush()
    _recount(session, recount)
    session.expire(survivor)
    session.expire(merged)
    audit(session, "imports.merge", user_id=user_id, obj=merge, survivor=survivor.key,
          merged=merged.key)  # fmt: skip
    return merge


def _campaigns_called_both(session: Session, one: int, other: int) -> set[int]:
    """Campaigns that called both accounts: once their calls are one account's, the
    board's count of accounts called there changes."""
    c = CallAttempt
    both = (
        sa.select(c.campaign_id)
        .where(c.account_id == one)
        .intersect(sa.select(c.campaign_id).where(c.account_id == other))
    )
    return set(session.scalars(both))


def _recount(session: Session, campaign_ids: set[int]) -> None:
    """The board's tallies of campaigns whose calls changed account, from their calls
    (rare: both accounts of a merge called in the same campaign)."""
    for campaign_id in sorted(campaign_ids):
        tally_writes.rebuild(session, campaign_id)


def undo_merge(session: Session, merge: AccountMerge, *, user_id: int | None) -> None:
    """Give the merged account back its rows and status, and the survivor its values."""
    if merge.undone_at is not None:
        raise MergeError(_("This merge has already been undone."))
    survivor = session.get_one(Account, merge.survivor_id)
    merged = session.get_one(Account, merge.merged_id)
    snapshot = merge.snapshot
    calls = snapshot["moved"].get("calls") or []
    c = CallAttempt
    recount = set(  # campaigns where the survivor has calls of its own beside those
        session.scalars(
            sa.select(c.campaign_id)
            .where(c.id.in_(calls))
            .intersect(
                sa.select(c.campaign_id).where(c.account_id == survivor.id, c.id.not_in(calls))
            )
        )
    )
    for name, value in snapshot["taken"].items():
        if getattr(survivor, name) == value:  # unless a person changed it since
            setattr(survivor, name, None)
    for name, ids in snapshot["moved"].items():
        model = CHILDREN[name]
        if ids:
            session.execute(
                sa.update(model)
                .where(model.id.in_(ids), model.account_id == survivor.id)
                .values(account_id=merged.id)
            )
    move_back(session, merged, snapshot.get("sites", {}))
    merged.status = AccountStatus(snapshot["merged_status"])
    merged.merged_into_id = None
    merge.undone_at, merge.undone_by_id = utcnow(), user_id
    if merge.pair_id is not None:
        pair = session.get_one(DuplicatePair, merge.pair_id)
        pair.status = PairStatus.UNDONE
    session.flush()
    _recount(session, recount)
    session.expire_all()
    audit(session, "imports.merge_undone", user_id=user_id, obj=merge)


def reopen_pair(session: Session, pair: DuplicatePair, *, user_id: int | None) -> None:
    """Take back ``user_id``'s decision on ``pair`` (the review queue's undo): a merge is
    undone, and the pair waits for a person again."""
    if pair.status == PairStatus.PENDING:
        raise MergeError(_("This pair is already waiting for a decision."))
    if pair.status != PairStatus.UNDONE and pair.decided_by_id != user_id:
        raise MergeError(_("Someone else decided this pair since: nothing was undone."))
    if pair.status == PairStatus.CONFIRMED:
        merge = session.scalar(
            sa.select(AccountMerge).where(
                AccountMerge.pair_id == pair.id, AccountMerge.undone_at.is_(None)
            )
        )
        if merge is None:  # pragma: no cover - a confirmed pair always has its merge
            raise MergeError(_("This merge has already been undone."))
        undo_merge(session, merge, user_id=user_id)
    pair.status, pair.decided_by_id, pair.decided_at = PairStatus.PENDING, None, None
    session.flush()
    audit(session, "imports.pair_reopened", user_id=user_id, obj=pair)
