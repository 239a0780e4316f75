"""Searching the do-not-call list: whether a number, VAT number or account is on it, and
why (which entries, from which source), with the accounts those entries name."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.donotcall.models import DncEntry
from app.donotcall.reading import phone_e164, vat_compact
from app.donotcall.services import matching_accounts


@dataclass(frozen=True)
class Found:
    """Why a number, VAT number or account is on the list: its entries and the accounts
    they name."""

    query: str
    e164: str | None
    vat_number: str | None
    account: Account | None
    entries: list[DncEntry]
    accounts: list[Account]


def look_up(session: Session, text: str) -> Found:
    """Search the list for a phone number, a VAT number or an account key."""
    text = text.strip()
    e164 = phone_e164(text) if text else None
    vat = vat_compact(text) if text else None
    account = (
        session.scalar(sa.select(Account).where(Account.key == text.upper())) if text else None
    )
    conditions: list[sa.ColumnElement[bool]] = []
    if e164:
        conditions.append(DncEntry.e164 == e164)
    if vat:
        conditions.append(DncEntry.vat_number == vat)
    if account is not None:
        conditions.append(DncEntry.account_id == account.id)
        if account.vat_number:
            conditions.append(DncEntry.vat_number == account.vat_number)
        numbers = [p.e164 for p in account.phones if p.e164]
        if numbers:
            conditions.append(DncEntry.e164.in_(numbers))
    if not conditions:
        return Found(text, None, None, None, [], [])
    matches = sa.or_(*conditions)
    entries = list(
        session.scalars(
            sa.select(DncEntry).where(matches).order_by(DncEntry.created_at.desc()).limit(50)
        )
    )
    ids = matching_accounts(session, matches)[:50]
    accounts = list(
        session.scalars(sa.select(Account).where(Account.id.in_(ids)).order_by(Account.key))
    )
    return Found(text, e164, vat, account, entries, accounts)
