"""One company with every kind of data the application can hold about it and its people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import (
    Account,
    AccountFlag,
    AccountPhone,
    AccountSite,
    AccountSource,
    Contact,
    FleetLine,
    Horizon,
    Opportunity,
    PhoneKind,
)
from app.accounts.status import AccountStatus
from app.audit.services import record
from app.board import counts
from app.board.models import BoardOutcomeTally, BoardTally, QualityCheck, Verdict
from app.cards.models import CardKind, CardStatus
from app.desk.models import CallDraft
from app.distribution.models import Wave, WaveAccount, WaveStatus
from app.donotcall.models import DncEntry, DncSource
from app.extensions import db
from app.imports.models import FieldChange, ImportBatch, ImportRejection, SourceKind
from app.security import Role
from tests import factories

# Every personal value of the seeded company; none may survive anonymisation.
PERSONAL = {
    "name": "Autotrasporti Bianchi Mario",
    "street": "Via Gorizia",
    "site_street": "Via Monte Nero",  # the street of the company's other site
    "vat": "01114601006",
    "tax_code": "BNCMRA70A01F205Z",
    "email": "mario@bianchi-trasporti.it",
    "phone_raw": "02 8765 4321",
    "phone": "+390287654321",
    "notes": "Il titolare preferisce essere chiamato dopo le 15",
    "contact": "Luisa Verdesca",
    "contact_phone": "+393471112233",
    "contact_email": "luisa.verdesca@bianchi-trasporti.it",
}


@dataclass
class Seeded:
    account: Account
    contact: Contact
    call_id: int
    campaign_id: int
    agent_id: int
    merged: Account


def board_figures(session) -> dict[str, object]:
    """Everything the board shows, recounted and as kept in its tallies."""
    figures: dict[str, object] = {
        str(by): sorted(counts.gather(session, by=by).items(), key=repr)
        for by in (None, *counts.DIMENSIONS)
    }
    for model in (BoardTally, BoardOutcomeTally):
        rows = session.execute(sa.select(model.__table__)).all()
        figures[model.__tablename__] = sorted(tuple(r) for r in rows)
    return figures


def dump(session) -> str:
    """Every row of every table, as text: where a personal value could hide."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in session.execute(sa.select(table)).all():
            parts.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(parts)


@pytest.fixture
def seeded(session) -> Seeded:
    p = PERSONAL
    zone = factories.zone(session)
    dealer = factories.dealer(session, zone)
    seller = factories.salesperson(session, dealer)
    agent = factories.user(session, Role.AGENT)
    checker = factories.user(session, Role.SUPERVISOR)
    campaign = factories.campaign(session)
    account = factories.account(
        session,
        company_name=p["name"],
        street=p["street"],
        house_number="12",
        postcode="20121",
        municipality="Milano",
        province="MI",
        istat_code="015146",
        vat_number=p["vat"],
        tax_code=p["tax_code"],
        email=p["email"],
        notes=p["notes"],
        zone_id=zone.id,
        dealer_id=dealer.id,
        status=AccountStatus.QUEUED,
    )
    merged = factories.account(
        session,
        company_name=p["name"] + " SNC",
        email=p["email"],
        status=AccountStatus.MERGED,
        merged_into_id=account.id,
    )
    session.add(
        AccountPhone(
            account_id=account.id, raw=p["phone_raw"], e164=p["phone"], kind=PhoneKind.FIXED
        )
    )
    session.add_all([
        AccountSite(account_id=account.id, position=0, head_office=True, street=p["street"],
                    house_number="12", postcode="20121", municipality="Milano", province="MI"),
        AccountSite(account_id=account.id, position=1, street=p["site_street"],
                    house_number="3", postcode="10121", municipality="Torino", province="TO"),
    ])  # fmt: skip
    batch = ImportBatch(source_kind=SourceKind.CUSTOMER_BASE, filename="clienti.xlsx")
    session.add(batch)
    session.flush()
    session.add(
        AccountSource(
            account_id=account.id,
            import_batch_id=batch.id,
            source_kind="customer_base",
            row_number=7,
            fingerprint="f" * 32,
            used_fields=["company_name"],
            data={"Ragione sociale": p["name"], "Telefono": p["phone_raw"], "Mail": p["email"]},
        )
    )
    session.add(
        ImportRejection(
            batch_id=batch.id,
            row_number=9,
            reason="company_name_missing",
            data={"Ragione sociale": "", "Mail": p["email"]},
        )
    )
    session.add(
        ImportRejection(
            batch_id=batch.id,
            row_number=10,
            reason="company_name_missing",
            data={"Ragione sociale": "", "Mail": "altro@example.it"},
        )
    )
    session.add(
        FieldChange(
            account_id=account.id,
            batch_id=batch.id,
            field="company_name",
            before=p["name"].upper(),
            after=p["name"],
            reason="name_tidied",
        )
    )
    session.add(
        AccountFlag(
            account_id=account.id,
            field="street",
            value=p["street"] + " sn",
            reason="address_unclear",
        )
    )
    entry = factories.queue_entry(session, campaign, account)
    started = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)
    call = factories.call(
        session, entry, agent, "qualified", started, started + timedelta(minutes=6)
    )
    call.answers = {
        "referral_name": p["contact"],
        "referral_phone": p["contact_phone"],
        "fleet_size": 14,
    }
    call.notes = f"Parlato con {p['contact']}, richiamare"
    contact = Contact(
        account_id=account.id,
        full_name=p["contact"],
        job_title="Acquisti",
        phone=p["contact_phone"],
        email=p["contact_email"],
        is_purchasing_manager=True,
        call_attempt_id=call.id,
    )
    session.add(contact)
    session.add(
        Opportunity(
            account_id=account.id,
            horizon=Horizon.M6,
            call_attempt_id=call.id,
            vehicle_kind="trattore",
            quantity=2,
            notes=f"{p['contact']} vuole due trattori",
        )
    )
    session.add(
        FleetLine(account_id=account.id, brand="IVECO", vehicle_count=14, call_attempt_id=call.id)
    )
    session.flush()
    factories.counted(session, call)
    account.status = AccountStatus.QUALIFIED
    session.add(
        QualityCheck(
            call_attempt_id=call.id,
            verdict=Verdict.VERIFIED,
            checked_by_id=checker.id,
            note=f"Confermato da {p['contact']}",
        )
    )
    later = factories.queue_entry(session, factories.campaign(session), account)
    session.add(
        CallDraft(
            queue_entry_id=later.id,
            agent_id=agent.id,
            answers={"f_referral_name": p["contact"]},
            notes=p["contact_email"],
        )
    )
    wave = Wave(label="Ondata ottobre", status=WaveStatus.CONFIRMED, zone_id=zone.id)
    session.add(wave)
    session.flush()
    session.add(
        WaveAccount(
            wave_id=wave.id,
            account_id=account.id,
            salesperson_id=seller.id,
            horizon="6",
            source="rule",
            position=1,
        )
    )
    session.add(
        DncEntry(
            e164=p["phone"], account_id=account.id, source=DncSource.AGENT, added_by_id=agent.id
        )
    )
    session.flush()
    # The salesperson's paper card, typed in and validated: its values and its scan.
    typed = {"company_name": p["name"], "street": p["street"], "email": p["email"],
             "phone": p["phone_raw"], "notes": p["notes"]}  # fmt: skip
    factories.paper_card(session, agent, kind=CardKind.EDIT, status=CardStatus.VALIDATED,
                         account_id=account.id, values=typed, baseline=typed,
                         scan=f"%PDF-1.4 {p['contact']}".encode(), scan_type="application/pdf",
                         scan_name=f"{p['name']}.pdf", scan_size=40)  # fmt: skip
    record(session, "test.account_touched", obj=account, key=account.key)
    session.flush()
    session.expire_all()
    return Seeded(account, contact, call.id, campaign.id, agent.id, merged)


@pytest.fixture
def long_ago() -> datetime:
    return datetime(2022, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def today() -> date:
    return date(2026, 11, 23)
