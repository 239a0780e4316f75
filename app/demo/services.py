"""``seed_demo``: a realistic, reproducible demo base, safe to run again (idempotent)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.invented import FIRST_NAMES, SURNAMES
from app.accounts.models import Account, AccountPhone, AccountSource, TonnageClass
from app.accounts.normalise.address import clean_street
from app.accounts.normalise.company import clean_company
from app.accounts.phones import parse_phone
from app.accounts.segments import Segment
from app.accounts.status import AccountStatus
from app.audit.services import record
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.practice import copy_for_practice
from app.campaigns.queueing import enqueue_segment
from app.campaigns.services import create_campaign, find_campaign, set_status
from app.demo.cards import seed_pending_card
from app.demo.floor import seed_live_floor
from app.demo.generator import DemoRow, Place, generate_rows
from app.demo.history import seed_past_calls
from app.demo.network import DEALERS, SALESPEOPLE_PER_DEALER, ZONES
from app.imports.models import BatchStatus, ImportBatch, SourceKind
from app.scripting.services import load_script
from app.security import Role
from app.territory.models import (
    Dealer,
    Municipality,
    MunicipalityPostcode,
    Province,
    Salesperson,
    TerritoryRule,
    Zone,
)
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from app.users.services import create_user, find_user
from config import ROOT

DEMO_SEED = 2026
DEMO_CAMPAIGN = "PILOTA-16T"
PRACTICE_CAMPAIGN = "PROVA"  # the demo agents may work it at any hour, on any day
PRACTICE_ACCOUNTS = 100
DEMO_SCRIPT = ROOT / "call_scripts" / "fleet_qualification.toml"
DEMO_FILENAME = "demo-anagrafica-clienti.csv"
DEMO_PASSWORD = "qualifica-demo"  # noqa: S105  # nosec B105 # printed on purpose: demo data only
DEMO_USERS = (
    ("admin", "Amministratore Demo", Role.ADMIN),
    ("supervisore", "Silvia Supervisore", Role.SUPERVISOR),
    ("staff", "Marco Marketing", Role.STAFF),
    ("segreteria", "Sara Segreteria", Role.STAFF),  # types paper cards; staff validate them
    ("agente1", "Anna Agente", Role.AGENT),
    ("agente2", "Bruno Agente", Role.AGENT),
    ("agente3", "Chiara Agente", Role.AGENT),
)


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    credentials: list[tuple[str, str, str]] = field(default_factory=list)


def seed_demo(session: Session, *, accounts: int = 2000, seed: int = DEMO_SEED) -> SeedReport:
    """Create what is missing of the demo; what exists is left as it is.

    The same seed always produces the same rows, so a second run finds every key already
    present and adds nothing.
    """
    report = SeedReport()
    _seed_municipalities(session, report)
    _seed_network(session, report)
    _seed_users(session, report)
    _seed_accounts(session, report, accounts, seed)
    _seed_campaign(session, report)
    past = seed_past_calls(session, DEMO_CAMPAIGN, DEMO_SEED, current_app.config["TIMEZONE"])
    if past:
        report.created["past calls"] = past
    _seed_practice(session, report)
    if seed_pending_card(session):
        report.created["paper cards waiting for validation"] = 1
    live = seed_live_floor(session, DEMO_CAMPAIGN, PRACTICE_CAMPAIGN)
    if live:
        report.created["agents at work now"] = live
    record(session, "demo.seed", details_created=dict(report.created))
    return report


def _seed_municipalities(session: Session, report: SeedReport) -> None:
    if session.scalar(select(func.count()).select_from(Municipality)):
        return
    counts = load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    report.created["municipalities"] = counts["municipalities_added"]


def _seed_network(session: Session, report: SeedReport) -> None:
    zones = {z.code: z for z in session.scalars(select(Zone))}
    for code, name, manager in ZONES:
        if code not in zones:
            zones[code] = Zone(code=code, name=name, manager_name=manager)
            session.add(zones[code])
            report.created["zones"] += 1
    dealers = {d.code: d for d in session.scalars(select(Dealer))}
    rules = {
        (r.province, r.postcode_prefix, r.istat_code)
        for r in session.scalars(select(TerritoryRule))
    }
    existing_people = set(session.scalars(select(Salesperson.code)))
    rng = random.Random(DEMO_SEED)  # nosec B311 # demo data, not a secret
    for code, name, zone, city, province, covered in DEALERS:
        if code not in dealers:
            dealers[code] = Dealer(
                code=code, name=name, zone=zones[zone], municipality_name=city, province=province
            )
            session.add(dealers[code])
            report.created["dealers"] += 1
        for n in range(1, SALESPEOPLE_PER_DEALER + 1):
            person_code = f"{code[2:]}-V{n:02d}"
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            if person_code in existing_people:
                continue
            email_name = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
            session.add(
                Salesperson(
                    code=person_code,
                    full_name=f"{first} {last}",
                    email=f"{email_name}@example.it",
                    dealer=dealers[code],
                )
            )
            report.created["salespeople"] += 1
        session.flush()
        for prov in covered:
            if (prov, "", "") not in rules:
                session.add(TerritoryRule(province=prov, zone=zones[zone], dealer=dealers[code]))
                report.created["territory_rules"] += 1
    session.flush()


def _seed_users(session: Session, report: SeedReport) -> None:
    for username, full_name, role in DEMO_USERS:
        if find_user(session, username) is None:
            create_user(
                session, username=username, password=DEMO_PASSWORD, role=role, full_name=full_name
            )
            report.created["users"] += 1
        report.credentials.append((role.value, username, DEMO_PASSWORD))


def _places(session: Session) -> list[Place]:
    """Municipalities of the provinces the demo network covers, in a stable order."""
    covered = sorted({p for *_, provinces in DEALERS for p in provinces})
    postcodes: dict[str, list[str]] = defaultdict(list)
    for belfiore, cap in session.execute(
        select(MunicipalityPostcode.belfiore, MunicipalityPostcode.postcode)
        .join(Municipality)
        .where(Municipality.province_code.in_(covered))
        .order_by(MunicipalityPostcode.belfiore, MunicipalityPostcode.postcode)
    ):
        postcodes[belfiore].append(cap)
    query = (
        select(Municipality, Province.name)
        .join(Province)
        .where(Municipality.province_code.in_(covered))
        .order_by(Municipality.belfiore)
    )
    return [
        Place(
            m.name,
            m.province_code,
            name,
            m.istat_code[:3],
            tuple(postcodes[m.belfiore]),
            istat_code=m.istat_code,
        )
        for m, name in session.execute(query)
        if postcodes[m.belfiore]
    ]


def _seed_accounts(session: Session, report: SeedReport, count: int, seed: int) -> None:
    """Once: the generated rows depend on the municipality table, so after a reference
    update a second run would draw other companies; the demo batch marks it done."""
    if session.scalar(select(ImportBatch).where(ImportBatch.filename == DEMO_FILENAME)):
        return
    rows = generate_rows(random.Random(seed), _places(session), count)  # nosec B311 # demo
    existing = set(session.scalars(select(Account.key)))
    batch = ImportBatch(
        source_kind=SourceKind.DEMO,
        filename=DEMO_FILENAME,
        status=BatchStatus.DONE,
        rows_read=count,
    )
    session.add(batch)
    session.flush()
    territory = {
        rule.province: rule
        for rule in session.scalars(
            select(TerritoryRule).where(TerritoryRule.postcode_prefix == "")
        )
    }
    for number, row in enumerate(rows, start=1):
        if row.key in existing:
            continue
        rule = territory.get(row.true_province)
        account = Account(
            key=row.key,
            **(_as_imported(row) if not row.defects else _as_written(row)),
            postcode=row.postcode,
            municipality=row.municipality,
            province=row.province,
            vat_number=row.vat_number or None,
            email=row.email or None,
            tonnage_class=row.tonnage_class,
            # Rows without defects count as already cleaned (their municipality is the real
            # one drawn, with its ISTAT code); the rest await normalisation.
            status=AccountStatus.NEW if row.defects else AccountStatus.READY,
            **({} if row.defects else _istat(row.true_istat)),
            zone_id=rule.zone_id if rule else None,
            dealer_id=rule.dealer_id if rule else None,
        )
        for position, raw in enumerate(row.phones):
            e164, kind = parse_phone(raw)
            account.phones.append(AccountPhone(position=position, raw=raw, e164=e164, kind=kind))
        account.sources.append(
            AccountSource(
                import_batch_id=batch.id,
                source_kind=SourceKind.DEMO.value,
                row_number=number,
                data={
                    **row.as_source(),
                    "_defects": row.defects,
                    "_duplicate_of": row.duplicate_of,
                },
            )
        )
        session.add(account)
        report.created["accounts"] += 1
    session.flush()


def _as_imported(row: DemoRow) -> dict[str, object]:
    """A clean row's name and address as an import stores them (``normalise``): the name
    in capitals with its legal form apart, the house number apart from the street; pages
    and files then write them the Italian way, as for imported accounts."""
    company = clean_company(row.company_name).values
    address = clean_street(row.street).values
    return {
        "company_name": company["company_name"],
        "legal_form": company.get("legal_form"),
        "street": address.get("street"),
        "house_number": address.get("house_number"),
    }


def _as_written(row: DemoRow) -> dict[str, object]:
    """A row left for normalisation (its defects on purpose): as the source wrote it."""
    return {"company_name": row.company_name, "street": row.street}


def _istat(code: str) -> dict[str, object]:
    """The ISTAT code of a clean row's municipality, as matching it would store it."""
    return {"istat_code": code, "istat_reference_date": BUNDLED_REFERENCE_DATE} if code else {}


def _seed_campaign(session: Session, report: SeedReport) -> None:
    """An active campaign with the shipped script, queuing the clean accounts over 16 t."""
    if session.scalar(select(Campaign).where(Campaign.code == DEMO_CAMPAIGN)):
        return
    script = load_script(session, DEMO_SCRIPT)
    campaign = Campaign(
        code=DEMO_CAMPAIGN,
        name="Pilota mezzi pesanti oltre 16 t",
        status=CampaignStatus.ACTIVE,
        call_script_id=script.id,
    )
    session.add(campaign)
    session.flush()
    report.created["campaigns"] += 1
    over_16 = Segment(statuses=[AccountStatus.READY], tonnage=[TonnageClass.EXTRA_HEAVY])
    report.created["queued accounts"] += enqueue_segment(session, campaign, over_16).queued


def _seed_practice(session: Session, report: SeedReport) -> None:
    """A practice campaign, active, with practice copies of the oldest clean accounts of
    the base (the pilot's qualified ones bring their fleets): the demo agents can try the
    desk at any hour and on any day, and nobody is phoned."""
    if find_campaign(session, PRACTICE_CAMPAIGN) is not None:
        return
    script = load_script(session, DEMO_SCRIPT)
    campaign = create_campaign(
        session,
        code=PRACTICE_CAMPAIGN,
        name="Prova: addestramento al desk",
        script_name=script.name,
        practice=True,
    )
    set_status(session, campaign, CampaignStatus.ACTIVE)
    report.created["campaigns"] += 1
    S = AccountStatus
    base = Segment(statuses=[S.READY, S.QUEUED, S.QUALIFIED, S.NOT_INTERESTED])
    made = copy_for_practice(
        session,
        base,
        limit=PRACTICE_ACCOUNTS,
        user_id=None,
        rng=random.Random(DEMO_SEED),  # nosec B311 # invented demo data
    )
    report.created["practice accounts"] += len(made)
    report.created["queued practice accounts"] += enqueue_segment(
        session, campaign, Segment(practice=True)
    ).queued
