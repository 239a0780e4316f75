"""Names for the results pages: the outcomes and reasons for templates, the names of each
slice's keys, the campaigns a viewer may choose."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from app.accounts.labels import horizon_label
from app.accounts.models import Account
from app.campaigns.models import Campaign
from app.distribution.result_terms import outcome_label, reason_label
from app.results.figures import HandedOff
from app.territory.models import Dealer, Zone
from app.users.models import User

SLICE_TITLES = {
    "campaign": _l("By campaign"),
    "agent": _l("By agent"),
    "zone": _l("By zone"),
    "dealer": _l("By dealer"),
    "horizon": _l("By purchase horizon"),
}


def campaign_choices(session: Session, visible: set[int] | None) -> list[SelectChoice]:
    """Every campaign the viewer may see, newest first, after "all"."""
    query = sa.select(Campaign.id, Campaign.code, Campaign.name).order_by(
        Campaign.created_at.desc()
    )
    if visible is not None:
        query = query.where(Campaign.id.in_(visible))
    return [SelectChoice(0, _l("All campaigns"))] + [
        SelectChoice(row.id, f"{row.code} · {row.name}") for row in session.execute(query)
    ]


def slice_names(session: Session, items: list[HandedOff]) -> dict[str, dict[object, str]]:
    """Slice -> key -> the name people read."""

    def named(column_id, label, ids: Iterable[object]) -> dict[object, str]:
        wanted = [i for i in set(ids) if i is not None]
        if not wanted:
            return {}
        return dict(session.execute(sa.select(column_id, label).where(column_id.in_(wanted))).all())

    return {
        "campaign": named(
            Campaign.id, Campaign.code + " · " + Campaign.name, (i.campaign_id for i in items)
        ),
        "agent": {
            k: (v or "").strip()
            for k, v in named(User.id, User.full_name, (i.agent_id for i in items)).items()
        },
        "zone": named(Zone.id, Zone.code + " · " + Zone.name, (i.zone_id for i in items)),
        "dealer": named(Dealer.id, Dealer.code + " · " + Dealer.name, (i.dealer_id for i in items)),
        "horizon": {i.horizon: horizon_label(i.horizon) for i in items},
    }


def account_keys(session: Session, items: list[HandedOff]) -> dict[int, tuple[str, str]]:
    """Account id -> (key, company name), for the accounts listed."""
    ids = list({i.account_id for i in items})
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 1000):
        query = sa.select(Account.id, Account.key, Account.company_name).where(
            Account.id.in_(ids[start : start + 1000])
        )
        found.update({row.id: (row.key, row.company_name) for row in session.execute(query)})
    return found


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {
    "result_outcome_label": outcome_label,
    "lost_reason_label": reason_label,
}
