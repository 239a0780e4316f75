"""What the read endpoints return: queries over the features' models, the board's figures
reused as the board computes them (never recomputed here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from app.accounts.models import Account, AccountSource
from app.accounts.status import AccountStatus
from app.api.pagination import Page, Position, page
from app.board.services import campaigns_now
from app.campaigns.models import Campaign
from app.desk.models import CallAttempt
from app.distribution.models import ExportRun, Wave, WaveAccount
from app.territory.models import Salesperson

MAX_ID = 2**31 - 1  # an id beyond the columns' range names nothing (and must not reach SQL)


def _changed(query: sa.Select, column: Any, since: datetime | None) -> sa.Select:
    return query if since is None else query.where(column >= since)


# -- accounts -------------------------------------------------------------------------------


def account_row(account: Account, merged_into: str | None) -> dict[str, Any]:
    fields = ("key", "company_name", "legal_form", "vat_number", "tax_code", "street",
              "house_number", "postcode", "municipality", "province", "istat_code", "email",
              "do_not_call", "zone_id", "dealer_id", "salesperson_id", "anonymised_at",
              "created_at", "updated_at")  # fmt: skip
    return {
        **{name: getattr(account, name) for name in fields},
        "status": account.status.value,
        "merged_into": merged_into,
        "phones": [{"e164": p.e164, "raw": p.raw, "kind": p.kind.value} for p in account.phones],
    }


def _merged_keys(session: Session, accounts: list[Account]) -> dict[int, str]:
    ids = {a.merged_into_id for a in accounts if a.merged_into_id is not None}
    if not ids:
        return {}
    return dict(
        session.execute(sa.select(Account.id, Account.key).where(Account.id.in_(ids))).all()
    )


def accounts(
    session: Session,
    *,
    changed_since: datetime | None,
    vat_number: str | None,
    cursor: str | None,
    limit: int,
    external_id: str | None = None,
) -> Page:
    """Real accounts (never the invented ones of practice campaigns), by last change; with
    ``external_id``, those an integration or a file gave that id (``account_sources``)."""
    query = sa.select(Account).where(Account.practice.is_(False))
    query = _changed(query, Account.updated_at, changed_since).options(selectinload(Account.phones))
    if vat_number is not None:
        query = query.where(Account.vat_number == vat_number.strip().upper().removeprefix("IT"))
    if external_id is not None:
        given = sa.select(AccountSource.account_id).where(AccountSource.external_id == external_id)
        query = query.where(Account.id.in_(given))
    found = page(session, query, at=Account.updated_at, ident=Account.id, cursor=cursor,
                 limit=limit, row_position=lambda a: Position(a.updated_at, a.id))  # fmt: skip
    merged = _merged_keys(session, found.items)
    found.items = [account_row(a, merged.get(a.merged_into_id)) for a in found.items]
    return found


def accounts_named(session: Session, *, key: str | None, vat_number: str | None) -> list[Account]:
    """The account with ``key``; without one, the live accounts with ``vat_number`` (two
    at most: more than one is an answer already)."""
    if key:
        return list(session.scalars(sa.select(Account).where(Account.key == key)))
    return list(session.scalars(
        sa.select(Account)
        .where(Account.vat_number == vat_number, Account.status != AccountStatus.MERGED)
        .limit(2)
    ))  # fmt: skip


def account(session: Session, key: str) -> dict[str, Any] | None:
    found = session.scalar(
        sa.select(Account).where(Account.key == key, Account.practice.is_(False))
    )
    if found is None:
        return None
    return account_row(found, _merged_keys(session, [found]).get(found.merged_into_id))


# -- campaigns -------------------------------------------------------------------------------


def campaigns(session: Session, *, cursor: str | None, limit: int) -> Page:
    """Campaigns by last change, each with the board's figures (as the board shows them)."""
    found = page(session, sa.select(Campaign), at=Campaign.updated_at, ident=Campaign.id,
                 cursor=cursor, limit=limit,
                 row_position=lambda c: Position(c.updated_at, c.id))  # fmt: skip
    figures = {row["id"]: row for row in campaigns_now(session)["campaigns"]}
    found.items = [campaign_row(c, figures.get(c.id)) for c in found.items]
    return found


def campaign(session: Session, code: str) -> dict[str, Any] | None:
    found = session.scalar(sa.select(Campaign).where(Campaign.code == code))
    if found is None:
        return None
    figures = {row["id"]: row for row in campaigns_now(session)["campaigns"]}
    return campaign_row(found, figures.get(found.id))


ZERO_FIGURES = {"base": 0, "waiting": 0, "final": 0, "qualified": 0, "attempts": 0,
                "redemption": None, "contact_rate": None, "attempts_per_account": None,
                "average_handling_seconds": None, "target": None}  # fmt: skip


def campaign_row(campaign: Campaign, figures: dict[str, Any] | None) -> dict[str, Any]:
    """The board's row (up to ``FRESH_SECONDS`` old); a campaign made since: no figures."""
    shown = {name: (figures or {}).get(name, zero) for name, zero in ZERO_FIGURES.items()}
    if figures is None:
        shown["target"] = float(campaign.target_redemption)
    return {
        "code": campaign.code, "name": campaign.name, "status": campaign.status.value,
        "practice": campaign.practice, "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on, "updated_at": campaign.updated_at, **shown,
    }  # fmt: skip


# -- calls -----------------------------------------------------------------------------------


def calls(
    session: Session,
    *,
    changed_since: datetime | None,
    campaign: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """Recorded calls (ended) by the time they ended: a call is recorded once, whole."""
    query = (
        sa.select(CallAttempt, Campaign.code, Account.key)
        .join(Campaign, Campaign.id == CallAttempt.campaign_id)
        .join(Account, Account.id == CallAttempt.account_id)
        .where(CallAttempt.ended_at.is_not(None), Campaign.practice.is_(False))
    )
    query = _changed(query, CallAttempt.ended_at, changed_since)
    if campaign is not None:
        query = query.where(Campaign.code == campaign)
    found = page(session, query, at=CallAttempt.ended_at, ident=CallAttempt.id, cursor=cursor,
                 limit=limit, row_position=lambda r: Position(r[0].ended_at, r[0].id),
                 rows=True)  # fmt: skip
    found.items = [call_row(*row) for row in found.items]
    return found


def call_row(call: CallAttempt, campaign_code: str, account_key: str) -> dict[str, Any]:
    return {
        "id": call.id, "campaign": campaign_code, "account": account_key,
        "agent_id": call.agent_id, "started_at": call.started_at, "ended_at": call.ended_at,
        "outcome": call.outcome, "final": call.final, "horizon_months": call.horizon_months,
        "answers": call.answers or {}, "notes": call.notes,
    }  # fmt: skip


# -- distribution ----------------------------------------------------------------------------


def waves(session: Session, *, changed_since: datetime | None, cursor: str | None,
          limit: int) -> Page:  # fmt: skip
    query = _changed(sa.select(Wave), Wave.updated_at, changed_since)
    found = page(session, query, at=Wave.updated_at, ident=Wave.id, cursor=cursor, limit=limit,
                 row_position=lambda w: Position(w.updated_at, w.id))  # fmt: skip
    sizes = _wave_sizes(session, [w.id for w in found.items])
    found.items = [wave_row(w, sizes.get(w.id, 0)) for w in found.items]
    return found


def wave(session: Session, wave_id: int) -> dict[str, Any] | None:
    found = session.get(Wave, wave_id) if wave_id <= MAX_ID else None
    if found is None:
        return None
    return wave_row(found, _wave_sizes(session, [wave_id]).get(wave_id, 0))


def _wave_sizes(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    query = (
        sa.select(WaveAccount.wave_id, sa.func.count())
        .where(WaveAccount.wave_id.in_(ids))
        .group_by(WaveAccount.wave_id)
    )
    return {wave_id: n for wave_id, n in session.execute(query).all()}


def wave_row(wave: Wave, size: int) -> dict[str, Any]:
    return {
        "id": wave.id, "label": wave.label, "status": wave.status.value,
        "per_salesperson": wave.per_salesperson, "zone_id": wave.zone_id,
        "confirmed_at": wave.confirmed_at, "sent_at": wave.sent_at,
        "cancelled_at": wave.cancelled_at, "accounts": size, "updated_at": wave.updated_at,
    }  # fmt: skip


def wave_accounts(session: Session, wave_id: int, *, salesperson: str | None,
                  cursor: str | None, limit: int) -> Page:  # fmt: skip
    """A wave's accounts, by salesperson and their order in the salesperson's files."""
    person = aliased(Salesperson)
    query = (
        sa.select(WaveAccount, Account.key, person.code)
        .join(Account, Account.id == WaveAccount.account_id)
        .join(person, person.id == WaveAccount.salesperson_id)
        .where(WaveAccount.wave_id == wave_id)
    )
    if salesperson is not None:
        query = query.where(person.code == salesperson)
    found = page(session, query, at=None, ident=WaveAccount.id, cursor=cursor, limit=limit,
                 row_position=lambda r: Position(None, r[0].id), rows=True)  # fmt: skip
    found.items = [
        {
            "id": line.id,
            "account": key,
            "salesperson": code,
            "salesperson_id": line.salesperson_id,
            "horizon": line.horizon,
            "source": line.source,
            "position": line.position,
        }
        for line, key, code in found.items
    ]
    return found


def exports(session: Session, wave_id: int, *, cursor: str | None, limit: int) -> Page:
    query = sa.select(ExportRun).where(ExportRun.wave_id == wave_id)
    return page(session, query, at=ExportRun.updated_at, ident=ExportRun.id, cursor=cursor,
                limit=limit, row_position=lambda r: Position(r.updated_at, r.id))  # fmt: skip
