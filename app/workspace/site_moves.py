"""A merge's sites: the merged account's sites that the survivor does not have become the
survivor's other sites; undoing the merge gives them back.

Why apart from the other rows a merge moves: a site the survivor already has (the same
place, ``app.accounts.sites.same_place``) stays where it was, and the phones that point at
it point at the survivor's instead; a moved site is never a second head office.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account, AccountPhone, AccountSite
from app.accounts.sites import Place, place_index


def move_sites(session: Session, survivor: Account, merged: Account) -> dict[str, Any]:
    """Move ``merged``'s sites the survivor lacks to it (after the survivor took the values
    it lacked); point the moved phones at the survivor's sites. Returns what undo needs."""
    kept = list(
        session.scalars(
            sa.select(AccountSite)
            .where(AccountSite.account_id == survivor.id)
            .order_by(AccountSite.position)
        )
    )
    # The survivor's places: its own address (its head office's) first.
    places = [Place.of(survivor), *(Place.of(s) for s in kept if not s.head_office)]
    ids: list[int | None] = [None, *(s.id for s in kept if not s.head_office)]
    ids[0] = next((s.id for s in kept if s.head_office), None)
    position = max((s.position for s in kept), default=-1) + 1
    moved: list[list[Any]] = []  # [site id, its position, head office] before the merge
    same: dict[int, int | None] = {}  # a merged site -> the survivor's site it is
    for site in session.scalars(
        sa.select(AccountSite)
        .where(AccountSite.account_id == merged.id)
        .order_by(AccountSite.position)
    ):
        found = place_index(places, Place.of(site))
        if found is not None:
            same[site.id] = ids[found]
            continue
        moved.append([site.id, site.position, site.head_office])
        site.account_id, site.position, site.head_office = survivor.id, position, False
        places.append(Place.of(site))
        ids.append(site.id)
        position += 1
    session.flush()
    repointed: dict[str, int] = {}
    for phone in session.scalars(
        sa.select(AccountPhone).where(
            AccountPhone.account_id == survivor.id, AccountPhone.site_id.in_(list(same))
        )
    ):
        repointed[str(phone.id)] = phone.site_id  # type: ignore[assignment]
        phone.site_id = same[phone.site_id]  # type: ignore[index]
    return {"moved": moved, "phones": repointed}


def move_back(session: Session, merged: Account, snapshot: dict[str, Any]) -> None:
    """Undo ``move_sites``: the sites go back to ``merged`` as they were, and the phones
    point at them again (the phones themselves go back with the merge's other rows)."""
    for site_id, position, head_office in snapshot.get("moved", []):
        session.execute(
            sa.update(AccountSite)
            .where(AccountSite.id == site_id)
            .values(account_id=merged.id, position=position, head_office=head_office)
            .execution_options(synchronize_session=False)
        )
    for phone_id, site_id in snapshot.get("phones", {}).items():
        session.execute(
            sa.update(AccountPhone)
            .where(AccountPhone.id == int(phone_id))
            .values(site_id=site_id)
            .execution_options(synchronize_session=False)
        )
