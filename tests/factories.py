"""Test data builders, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import count

from sqlalchemy.orm import Session

from app.accounts.keys import new_account_key
from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.board import tally_writes
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry, QueueState
from app.campaigns.outcomes import rules_from_config
from app.cards.models import CardKind, CardStatus, PaperCard
from app.desk.models import CallAttempt
from app.security import Role
from app.territory.models import Dealer, Salesperson, Zone
from app.users.models import User
from app.users.services import create_user

PASSWORD = "correct-horse-battery"
_sequence = count(1)


def user(session: Session, role: Role = Role.AGENT, username: str | None = None, **kw) -> User:
    username = username or f"{role.value}{next(_sequence)}"
    return create_user(session, username=username, password=PASSWORD, role=role, **kw)


def users_by_role(session: Session) -> dict[str, User]:
    return {role.value: user(session, role, username=role.value) for role in Role}


def zone(session: Session, code: str = "NORD", name: str = "Nord") -> Zone:
    z = Zone(code=code, name=name)
    session.add(z)
    session.flush()
    return z


def dealer(session: Session, zone: Zone, code: str = "D-MI") -> Dealer:
    d = Dealer(code=code, name=f"Dealer {code}", zone=zone)
    session.add(d)
    session.flush()
    return d


def salesperson(session: Session, dealer: Dealer, code: str = "MI-V01") -> Salesperson:
    s = Salesperson(code=code, full_name=f"Venditore {code}", dealer=dealer)
    session.add(s)
    session.flush()
    return s


def account(session: Session, **kw) -> Account:
    defaults = {"key": new_account_key(), "company_name": f"Trasporti {next(_sequence)} SRL"}
    a = Account(**{**defaults, **kw})
    session.add(a)
    session.flush()
    return a


_new_account = account  # ``queue_entry`` takes an ``account`` argument


def campaign(session: Session, **kw) -> Campaign:
    n = next(_sequence)
    defaults = {"code": f"C{n}", "name": f"Campagna {n}", "status": CampaignStatus.ACTIVE}
    c = Campaign(**{**defaults, **kw})
    session.add(c)
    session.flush()
    return c


def queue_entry(
    session: Session, campaign: Campaign, account: Account | None = None, **kw
) -> QueueEntry:
    """A waiting entry; its account (a new QUEUED one unless given) is created alongside."""
    account = account or _new_account(session, status=AccountStatus.QUEUED)
    entry = QueueEntry(campaign_id=campaign.id, account_id=account.id, **kw)
    session.add(entry)
    session.flush()
    return entry


def call(session: Session, entry: QueueEntry, agent: User, outcome: str, started_at: datetime,
         ended_at: datetime | None) -> CallAttempt:  # fmt: skip
    """A call's row, not counted yet: add what it captured, then ``counted``."""
    found = CallAttempt(campaign_id=entry.campaign_id, account_id=entry.account_id,
                        agent_id=agent.id, outcome=outcome, started_at=started_at,
                        ended_at=ended_at)  # fmt: skip
    session.add(found)
    session.flush()
    return found


def counted(session: Session, found: CallAttempt, *, final: bool | None = None) -> CallAttempt:
    """Count ``found`` on the board as the desk does once its answers are written."""
    campaign = session.get(Campaign, found.campaign_id)
    rule = rules_from_config(campaign.outcomes)[found.outcome]
    final = rule.final if final is None else final
    if final:
        entry = (
            session.query(QueueEntry)
            .filter_by(campaign_id=found.campaign_id, account_id=found.account_id)
            .one()
        )
        entry.state = QueueState.DONE
    tally_writes.record_call(session, found, final=final)
    tally_writes.write_pending(session)  # as the desk's commit does (tests roll back instead)
    session.flush()
    return found


def qualified(
    session: Session,
    campaign: Campaign,
    agent: User,
    *,
    horizon: str = "3",
    ended_at: datetime | None = None,
    fleet: dict[str, int] | None = None,
    contact: str | None = "Mario Rossi",
    notes: str | None = None,
    **account_kw,
) -> Account:
    """A qualified account as the desk leaves it: its final call, the purchase horizon,
    the fleet by brand and the purchasing manager that call captured."""
    from app.accounts.models import Contact, FleetLine, Horizon, Opportunity

    found = _new_account(session, status=AccountStatus.QUALIFIED, **account_kw)
    ended_at = ended_at or datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    attempt = CallAttempt(campaign_id=campaign.id, account_id=found.id, agent_id=agent.id,
                          outcome="qualified", started_at=ended_at, ended_at=ended_at,
                          notes=notes, final=True)  # fmt: skip
    session.add(attempt)
    session.flush()
    session.add(Opportunity(account_id=found.id, horizon=Horizon(horizon),
                            call_attempt_id=attempt.id, vehicle_kind="trattore stradale",
                            quantity=2))  # fmt: skip
    for brand, vehicles in (fleet if fleet is not None else {"IVECO": 12, "Volvo": 3}).items():
        session.add(FleetLine(account_id=found.id, brand=brand, vehicle_count=vehicles,
                              call_attempt_id=attempt.id))  # fmt: skip
    if contact:
        session.add(Contact(account_id=found.id, full_name=contact,
                            job_title="Responsabile acquisti", is_purchasing_manager=True,
                            call_attempt_id=attempt.id))  # fmt: skip
    session.flush()
    session.expire(found)
    return found


def doubtful_account(
    session: Session, ref, municipality: str | None, province: str | None,
    postcode: str | None, **kw,
) -> Account:  # fmt: skip
    """An account to review as an import leaves it: the place cleaned by
    ``clean_location`` against ``ref`` (an ``app.imports.pipeline.Reference``), with the
    doubts the cleaning raised."""
    from app.accounts.models import AccountFlag
    from app.accounts.normalise.location import clean_location

    cleaned = clean_location(ref.index, ref.provinces, municipality, province, postcode)
    values = {k: cleaned.values.get(k) for k in ("municipality", "province", "postcode",
                                                  "istat_code")}  # fmt: skip
    found = account(session, status=AccountStatus.TO_REVIEW, **{**values, **kw})
    session.add_all(AccountFlag(account_id=found.id, field=f.field, value=f.value,
                                reason=f.reason) for f in cleaned.flags)  # fmt: skip
    session.flush()
    return found


@contextmanager
def committed_doubt(app, email: str, *, actions: tuple[str, ...] = ()) -> Iterator[int]:
    """A committed account held for one e-mail doubt, for tests of two real transactions:
    its id; removed after with its changes, flags and the audit entries no user made on it
    (or of ``actions``)."""
    import sqlalchemy as sa

    from app.accounts.models import AccountFlag
    from app.audit.models import AuditEntry
    from app.extensions import db
    from app.imports.models import FieldChange

    with app.app_context():
        found = account(db.session, company_name="BIANCHI", email=email,
                        status=AccountStatus.TO_REVIEW)  # fmt: skip
        db.session.add(AccountFlag(account_id=found.id, field="email", value=email,
                                   reason="email_invalid"))  # fmt: skip
        db.session.commit()
        account_id = found.id
    yield account_id
    with app.app_context():
        for model in (FieldChange, AccountFlag):
            db.session.execute(sa.delete(model).where(model.account_id == account_id))
        ours = sa.or_(AuditEntry.object_id == str(account_id), AuditEntry.action.in_(actions))
        db.session.execute(sa.delete(AuditEntry).where(ours, AuditEntry.user_id.is_(None)))
        db.session.execute(sa.delete(Account).where(Account.id == account_id))
        db.session.commit()


def paper_card(session: Session, entered_by: User, **kw) -> PaperCard:
    """A pending card as typed, without the services' checks (a world to act on)."""
    defaults = {"kind": CardKind.NEW, "status": CardStatus.PENDING,
                "values": {"company_name": f"Trasporti {next(_sequence)} SRL"},
                "distinct_from": [], "entered_by_id": entered_by.id}  # fmt: skip
    card = PaperCard(**{**defaults, **kw})
    session.add(card)
    session.flush()
    return card
