"""The demo's paper card: one typed by the sales secretary and waiting for validation, so
that another staff member can open it and confirm or refuse it (docs/data-entry.md)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.cards.models import CardKind, PaperCard
from app.cards.services import enter_card
from app.imports.doubts import reference
from app.users.services import find_user

TYPIST = "segreteria"
# A company the invented base does not hold, written as a salesperson's card is: lower
# case, a shortened street type and municipality, the province as a name.
CARD = {
    "company_name": "autotrasporti ghisallo s.r.l.",
    "street": "v.le fulvio testi 210",
    "postcode": "20092",
    "municipality": "Cinisello B.",
    "province": "milano",
    "vat_number": "03268930165",
    "phone": "02 66012345",
    "email": "Info@TrasportiGhisallo.it",
    "tonnage_class": "gt_16",
    "vehicle_count": "7",
    "brand": "Iveco",
    "notes": "Scheda del venditore, fiera di Milano",
}


def seed_pending_card(session: Session) -> int:
    """The demo's pending card, through the one service that enters cards; none when any
    card exists already (a second seed adds nothing). Returns the cards added."""
    if session.scalar(sa.select(sa.func.count(PaperCard.id))):
        return 0
    typist = find_user(session, TYPIST)
    if typist is None:
        return 0
    enter_card(session, CardKind.NEW, CARD, by=typist.id, reference=reference(session))
    return 1
