"""Stored accounts a card looks like: the warning "this looks like ROSSI TRASPORTI S.R.L.,
Bergamo (BG)" while the card is typed, and on its check step.

Found and compared with the import's own de-duplication, not a measure of its own: the
card is a row (``matching.entity_of_record``), the accounts sharing an identifier with it
are those the import would load (``matching.stored_ids``), and each pair is settled or
scored as the import scores it (``scoring.decided_by_identifiers``, ``compare``,
``score``). What is shown is wider than what the import would merge, since a warning costs
a glance and a missed duplicate costs a call: the same valid VAT number, tax code, phone
or email; a name the import calls similar (``compare``'s name level 2 or 3) in the same
municipality, postcode or province; or any pair the import would send to review.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.names import company_display
from app.accounts.status import AccountStatus
from app.imports.blocking import Entity
from app.imports.matching import account_entities, entity_of_record, stored_ids
from app.imports.records import Record
from app.imports.scoring import UNSURE, compare, decided_by_identifiers, score

SHOWN = 5  # candidates listed: the best ones
LOOKED_AT = 200  # accounts sharing a name word and a place, compared at most
MIN_WORD = 3  # name words shorter than this find nothing worth a warning
SIMILAR_NAME = 2  # ``scoring.compare``'s name level: token sort ratio 90 or more


@dataclass(frozen=True)
class Candidate:
    """A stored account the card looks like, and why."""

    account_id: int
    key: str
    name: str  # as people read it: "ROSSI TRASPORTI S.R.L."
    municipality: str | None
    province: str | None
    score: float
    reasons: tuple[str, ...]  # the import's evidence codes
    same_vat: bool

    @property
    def place(self) -> str:
        town = self.municipality or ""
        return f"{town} ({self.province})" if town and self.province else town or ""


def similar_accounts(
    session: Session, record: Record, *, exclude: Collection[int] = ()
) -> list[Candidate]:
    """The stored accounts ``record`` (a card's cleaned values) looks like, the surest
    first; never ``exclude`` (the account an edit card corrects)."""
    if record.rejected:
        return []
    card = entity_of_record(record)
    province = record.fields.get("province")
    ids = _sharing_identifiers(session, card) | _namesakes_nearby(session, card, province)
    ids -= set(exclude)
    if not ids:
        return []
    shown = _shown(session, ids)
    found = []
    for account in account_entities(session, ids):
        account_id: int = account.ref[1]  # type: ignore[index]
        row = shown[account_id]
        value, reasons = score(card, account)
        if not _looks_alike(card, account, value, province == row.province):
            continue
        found.append(Candidate(account_id, row.key, company_display(row.company_name,
                               row.legal_form), row.municipality, row.province, value,
                               reasons, "same_vat" in reasons))  # fmt: skip
    found.sort(key=lambda c: (not c.same_vat, -c.score, c.account_id))
    return found[:SHOWN]


def _looks_alike(card: Entity, account: Entity, value: float, same_province: bool) -> bool:
    settled = decided_by_identifiers(card, account)
    if settled is not None:
        return settled[0] >= UNSURE  # a different valid VAT number: another company
    name, phone, _vat, place, postcode, _street, _door, email, tax = compare(card, account)
    if 1 in (phone, email, tax) or value >= UNSURE:
        return True
    return name >= SIMILAR_NAME and (1 in (place, postcode) or same_province)


def _live(query: sa.Select) -> sa.Select:
    return query.where(
        Account.status != AccountStatus.MERGED,
        Account.practice.is_(False),
        Account.anonymised_at.is_(None),
    )


def _sharing_identifiers(session: Session, card: Entity) -> set[int]:
    """Accounts with the card's VAT number, tax code, email or a phone of its (as the
    import finds them); its place is left to ``_namesakes_nearby``, which narrows it by
    the name."""
    newest = session.scalar(sa.select(sa.func.max(Account.id))) or 0
    found = stored_ids(session, [dataclasses.replace(card, istat=None, postcode=None)], newest)
    if not found:
        return set()
    query = _live(sa.select(Account.id).where(Account.id.in_(found)))
    return set(session.scalars(query))


def _namesakes_nearby(session: Session, card: Entity, province: str | None) -> set[int]:
    """Accounts of the card's municipality, postcode or province whose name holds one of
    the words that tell its name apart (the import's block words: not *trasporti*,
    *srl*...); compared then as the import compares names."""
    words = [word for word in card.words if len(word) >= MIN_WORD]
    places = [
        column == value
        for column, value in (
            (Account.istat_code, card.istat),
            (Account.postcode, card.postcode),
            (Account.province, province),
        )
        if value
    ]
    if not words or not places:
        return set()
    name = sa.func.lower(Account.company_name)
    query = _live(sa.select(Account.id)).where(
        sa.or_(*places), sa.or_(*(name.contains(word, autoescape=True) for word in words))
    )
    return set(session.scalars(query.order_by(Account.id.desc()).limit(LOOKED_AT)))


def _shown(session: Session, ids: set[int]) -> dict[int, Account]:
    query = sa.select(Account).where(Account.id.in_(ids))
    return {account.id: account for account in session.scalars(query)}
