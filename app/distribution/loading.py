"""Reading a wave's accounts into the plain records the writers use (``sheets``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Account
from app.accounts.sites import SiteView, qualified_site, views
from app.campaigns.models import Campaign
from app.columns import local_midnight
from app.desk.models import CallAttempt
from app.distribution.models import Wave, WaveAccount
from app.distribution.sheets import (
    AccountSheet,
    ChoiceLabel,
    ContactItem,
    FleetItem,
    Pack,
    Recipient,
    SiteItem,
    WaveInfo,
)
from app.scripting.models import CallScript
from app.scripting.schema import OTHER_BRAND
from app.scripting.services import script_of
from app.territory.models import Dealer, Salesperson, Zone
from app.users.models import User

CHUNK = 1000


def wave_info(wave: Wave) -> WaveInfo:
    stamp = wave.confirmed_at or wave.created_at
    return WaveInfo(id=wave.id, label=wave.label, confirmed_on=stamp.date() if stamp else date.min)


def salespeople_of(session: Session, wave: Wave) -> list[int]:
    """The wave's salespeople, by code: the order of the files and of the parts."""
    return list(
        session.scalars(
            sa.select(Salesperson.id)
            .where(
                Salesperson.id.in_(
                    sa.select(WaveAccount.salesperson_id).where(WaveAccount.wave_id == wave.id)
                )
            )
            .order_by(Salesperson.code)
        )
    )


def recipients(session: Session, ids: Iterable[int]) -> dict[int, Recipient]:
    query = (
        sa.select(Salesperson, Dealer, Zone)
        .join(Dealer, Dealer.id == Salesperson.dealer_id)
        .join(Zone, Zone.id == Dealer.zone_id)
        .where(Salesperson.id.in_(list(ids)))
    )
    return {
        person.id: Recipient(
            id=person.id,
            code=person.code,
            full_name=person.full_name,
            email=person.email,
            dealer_code=dealer.code,
            dealer_name=dealer.name,
            zone_code=zone.code,
            zone_name=zone.name,
        )
        for person, dealer, zone in session.execute(query)
    }


def load_packs(session: Session, wave: Wave, salesperson_ids: Sequence[int]) -> list[Pack]:
    """One pack per salesperson asked for (in that order), accounts in wave order."""
    info = wave_info(wave)
    people = recipients(session, salesperson_ids)
    items = session.execute(
        sa.select(WaveAccount.salesperson_id, WaveAccount.account_id)
        .where(
            WaveAccount.wave_id == wave.id, WaveAccount.salesperson_id.in_(list(salesperson_ids))
        )
        .order_by(WaveAccount.salesperson_id, WaveAccount.position)
    ).all()
    sheets = _sheets(session, [account_id for _p, account_id in items])
    by_person: dict[int, list[AccountSheet]] = defaultdict(list)
    for person_id, account_id in items:
        by_person[person_id].append(sheets[account_id])
    return [
        Pack(recipient=people[pid], wave=info, sheets=tuple(by_person[pid]))
        for pid in salesperson_ids
        if pid in people
    ]


def _sheets(session: Session, account_ids: list[int]) -> dict[int, AccountSheet]:
    found: dict[int, AccountSheet] = {}
    for start in range(0, len(account_ids), CHUNK):
        chunk = account_ids[start : start + CHUNK]
        accounts = session.scalars(
            sa.select(Account)
            .where(Account.id.in_(chunk))
            .options(
                selectinload(Account.phones),
                selectinload(Account.sites),
                selectinload(Account.contacts),
                selectinload(Account.fleet),
                selectinload(Account.opportunities),
            )
        ).all()
        calls = _qualifying_calls(session, chunk)
        places = _places(session, accounts)
        scripts = script_choices(session, {call[4] for call in calls.values() if call[4]})
        for account in accounts:
            call = calls.get(account.id)
            choices = scripts.get(call[4], ()) if call else ()
            found[account.id] = _sheet(account, call, places, choices)
    return found


# Where a script's choices are written (their code is stored) -> the sheet field they fill.
_CHOICE_FIELDS = {"opportunity.vehicle_kind": "vehicle_kind", "contact.job_title": "job_title",
                  "fleet.lines": "brand"}  # fmt: skip


def script_choices(session: Session, script_ids: set[int]) -> dict[int, tuple[ChoiceLabel, ...]]:
    """Script version id -> the labels of its choices that fill an account's coded fields,
    so the files print what the agent chose, in either language."""
    found = {}
    for stored in session.scalars(sa.select(CallScript).where(CallScript.id.in_(script_ids))):
        found[stored.id] = tuple(
            ChoiceLabel(_CHOICE_FIELDS[q.maps_to], c.value, c.label.it, c.label.en)
            for q in script_of(stored).questions()
            if q.maps_to in _CHOICE_FIELDS
            for c in q.choices
            if c.value != OTHER_BRAND or q.maps_to != "fleet.lines"
        )
    return found


def _qualifying_calls(session: Session, account_ids: list[int]) -> dict[int, tuple]:
    """Account id -> (ended_at, agent name, campaign code, notes, script version id, site
    id) of its last final call."""
    query = (
        sa.select(
            CallAttempt.account_id,
            CallAttempt.ended_at,
            User.display_name,
            Campaign.code,
            CallAttempt.notes,
            CallAttempt.call_script_id,
            CallAttempt.site_id,
        )
        .join(User, User.id == CallAttempt.agent_id)
        .join(Campaign, Campaign.id == CallAttempt.campaign_id)
        .where(CallAttempt.account_id.in_(account_ids), CallAttempt.final.is_(True))
        .order_by(CallAttempt.account_id, CallAttempt.ended_at, CallAttempt.id)
    )
    return {row[0]: tuple(row[1:]) for row in session.execute(query)}  # the last one wins


def _places(session: Session, accounts: Sequence[Account]) -> dict[str, dict[int, tuple]]:
    dealer_ids = {a.dealer_id for a in accounts if a.dealer_id}
    zone_ids = {a.zone_id for a in accounts if a.zone_id}
    dealers = {
        d.id: (d.code, d.name)
        for d in session.scalars(sa.select(Dealer).where(Dealer.id.in_(dealer_ids)))
    }
    zones = {z.id: (z.code,) for z in session.scalars(sa.select(Zone).where(Zone.id.in_(zone_ids)))}
    return {"dealers": dealers, "zones": zones}


def _sheet(
    account: Account,
    call: tuple | None,
    places: dict[str, dict[int, tuple]],
    choices: tuple[ChoiceLabel, ...],
) -> AccountSheet:
    ended_at, agent, campaign, call_notes, _script, site_id = call or (None,) * 6
    sites = views(account)
    here = qualified_site(sites, site_id)
    others = [site for site in sites if site is not here]
    opportunity = max(account.opportunities, key=lambda o: o.id, default=None)
    contacts = sorted(account.contacts, key=lambda c: (not c.is_purchasing_manager, c.id))
    fleet = sorted(account.fleet, key=lambda f: (-f.vehicle_count, f.brand.casefold(), f.id))
    notes = "\n".join(n for n in (account.notes, call_notes) if n) or None
    if call is None and account.qualified_elsewhere_on is not None:
        # Qualified by an earlier action, not by a call: its file names who and when
        # (the contact, fleet and horizon are the account's, the file's, as a call's are).
        ended_at = local_midnight(account.qualified_elsewhere_on)
        agent = opportunity.qualified_by if opportunity else None
    on_day = call is None and account.qualified_elsewhere_on is not None
    dealer = places["dealers"].get(account.dealer_id or 0, (None, None))
    zone = places["zones"].get(account.zone_id or 0, (None,))
    return AccountSheet(
        key=account.key,
        company_name=account.company_name,
        legal_form=account.legal_form,
        vat_number=account.vat_number,
        tax_code=account.tax_code,
        **here.place.values(),
        phones=tuple(p.e164 or p.raw for site in (here, *others) for p in site.phones),
        email=account.email,
        tonnage_class=account.tonnage_class.value if account.tonnage_class else None,
        fleet=tuple(
            FleetItem(f.brand, f.vehicle_count, f.tonnage_class.value if f.tonnage_class else None)
            for f in fleet
        ),
        contacts=tuple(
            ContactItem(c.full_name, c.job_title, c.phone, c.email, c.is_purchasing_manager)
            for c in contacts
        ),
        horizon=opportunity.horizon.value if opportunity else "none",
        vehicle_kind=opportunity.vehicle_kind if opportunity else None,
        quantity=opportunity.quantity if opportunity else None,
        opportunity_notes=opportunity.notes if opportunity else None,
        notes=notes,
        qualified_at=ended_at,
        qualified_on_day=on_day,
        agent_name=agent,
        campaign_code=campaign,
        zone_code=zone[0],
        dealer_code=dealer[0],
        dealer_name=dealer[1],
        choices=choices,
        head_office=here.head_office,
        site_phones=tuple(p.e164 or p.raw for p in here.phones),
        other_sites=tuple(_site_item(site) for site in others),
    )


def _site_item(site: SiteView) -> SiteItem:
    return SiteItem(
        **site.place.values(),
        head_office=site.head_office,
        phones=tuple(p.e164 or p.raw for p in site.phones),
    )
