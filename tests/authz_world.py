"""A small real world for the authorization matrix: for every kind of id a URL can carry,
an object that is the signed-in user's own (or in their scope) and one that is someone
else's.

``FACTORIES`` maps each URL parameter name to a function ``(world, side) -> value``;
``tests/test_authz_matrix.py`` fails when a route carries a parameter with no factory, so a
new kind of object cannot escape the matrix. ``SCOPED`` says for whom someone else's object
must be refused; everywhere else the role alone decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.accounts.models import AccountFlag, AccountPhone, AccountSource, Contact, PhoneKind
from app.accounts.status import AccountStatus
from app.campaigns.models import Campaign, QueueEntry, QueueState
from app.campaigns.teams import set_teams
from app.distribution.exporting import start_export
from app.distribution.models import ExportRun, ExportStatus, Wave
from app.distribution.services import confirm_wave, create_wave
from app.imports.models import BatchStatus, DuplicatePair, ImportBatch, SourceKind
from app.imports.pipeline import Report
from app.jobs.models import JobRun, JobStatus
from app.scripting.services import load_script
from app.security import Role
from app.territory.models import TerritoryRule
from app.users.models import User
from app.users.teams import create_team
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from app.workday.models import PauseReason
from app.workspace.merging import merge_accounts
from config import ROOT
from tests import factories
from tests.integration.distribution.conftest import run_jobs

OWN, OTHER = "own", "other"
SIDES = (OWN, OTHER)
# The signed-in user of each run of the matrix: "zoned" is staff confined to zone NORD.
VIEWERS = ("agent", "supervisor", "staff", "zoned", "admin")
VIEWER_ROLES = {
    "agent": Role.AGENT,
    "supervisor": Role.SUPERVISOR,
    "staff": Role.STAFF,
    "zoned": Role.STAFF,
    "admin": Role.ADMIN,
}
SECRET = "Riservata Altrui"  # in every name on the other side: a refusal must not show it
SCRIPT = ROOT / "call_scripts" / "fleet_qualification.toml"


class World:
    """Everything two sides need, built once per test, each object on first use."""

    def __init__(self, app: Flask, session: Session, viewer: str) -> None:
        self.app = app
        self.session = session
        self.viewer = viewer
        mk = factories.user
        self.users = {
            "agent": mk(session, Role.AGENT, username="agent-a"),
            "agent_b": mk(session, Role.AGENT, username="agent-b"),
            "supervisor": mk(session, Role.SUPERVISOR, username="supervisor"),
            "staff": mk(session, Role.STAFF, username="staff"),
            "admin": mk(session, Role.ADMIN, username="admin"),
        }
        self.zones = {OWN: factories.zone(session, "NORD", "Nord")}
        self.zones[OTHER] = factories.zone(session, "SUD", "Sud")
        self.users["zoned"] = mk(session, Role.STAFF, username="zoned-nord")
        self.users["zoned"].zone_id = self.zones[OWN].id
        self.users["zoned_other"] = mk(session, Role.STAFF, username="zoned-sud")
        self.users["zoned_other"].zone_id = self.zones[OTHER].id
        # Two call centres: agent A and the supervisor in one, agent B in the other; each
        # side's campaign is open to its own team only.
        self.teams = {
            side: create_team(session, code=f"CC-{side}", name=self.name(side, "Call center"))
            for side in SIDES
        }
        self.users["agent"].team = self.users["supervisor"].team = self.teams[OWN]
        self.users["agent_b"].team = self.teams[OTHER]
        self.script_id = load_script(session, SCRIPT).id
        self._made: dict[tuple[str, str], Any] = {}

    @property
    def me(self) -> User:
        return self.users[self.viewer]

    def once(self, name: str, side: str, make: Callable[[], Any]) -> Any:
        if (name, side) not in self._made:
            self._made[name, side] = make()
            self.session.flush()
        return self._made[name, side]

    def name(self, side: str, what: str) -> str:
        return f"{what} {SECRET}" if side == OTHER else f"{what} Propria"

    # -- accounts, campaigns and the desk ------------------------------------------------
    def account(self, side: str, **kw) -> Any:
        """A ready account of the side's zone, with a phone and a contact."""

        def make():
            found = factories.account(
                self.session,
                company_name=self.name(side, "Trasporti"),
                zone_id=self.zones[side].id,
                province="MI" if side == OWN else "NA",
                status=AccountStatus.READY,
                **kw,
            )
            found.phones.append(AccountPhone(raw="0212345678", e164="+390212345678",
                                             kind=PhoneKind.FIXED, position=0))  # fmt: skip
            found.contacts.append(Contact(full_name=self.name(side, "Mario")))
            return found

        return self.once("account", side, make)

    def campaign(self, side: str) -> Campaign:
        """The side's campaign, open to the side's team only. Its name is no secret: staff
        and unteamed supervisors see every campaign."""

        def make():
            found = factories.campaign(self.session, name=f"Campagna {side}",
                                       call_script_id=self.script_id)  # fmt: skip
            set_teams(self.session, found, [self.teams[side].id])
            return found

        return self.once("campaign", side, make)

    def agent(self, side: str) -> User:
        return self.users["agent" if side == OWN else "agent_b"]

    def entry(self, side: str) -> QueueEntry:
        """An entry agent A (own) or agent B (other) holds on the desk right now."""

        def make():
            entry = factories.queue_entry(self.session, self.campaign(side), self.account(side))
            entry.state, entry.lease_holder_id = QueueState.LEASED, self.agent(side).id
            entry.lease_expires_at = datetime.now(UTC) + timedelta(hours=1)
            self.account(side).status = AccountStatus.IN_CALL
            return entry

        return self.once("entry", side, make)

    # -- distribution --------------------------------------------------------------------
    def salesperson(self, side: str) -> Any:
        def make():
            code = "N" if side == OWN else "S"
            dealer = factories.dealer(self.session, self.zones[side], f"D-{code}")
            return factories.salesperson(self.session, dealer, f"{code}-V01")

        return self.once("salesperson", side, make)

    def wave(self, side: str) -> Wave:
        """A confirmed wave built by the side's zoned staff member, of their zone's one
        qualified account, through the real services."""

        def make():
            person, zone = self.salesperson(side), self.zones[side]
            province = "MI" if side == OWN else "NA"
            rule = TerritoryRule(province=province, zone_id=zone.id,
                                 dealer_id=person.dealer_id, salesperson_id=person.id)  # fmt: skip
            self.session.add(rule)
            factories.qualified(self.session, self.campaign(side), self.agent(side),
                                province=province, zone_id=zone.id,
                                company_name=self.name(side, "Autolinee"))  # fmt: skip
            builder = self.users["zoned" if side == OWN else "zoned_other"]
            wave = create_wave(self.session, self.name(side, "Ondata"), 50, by=builder.id,
                               zone_id=zone.id)  # fmt: skip
            confirm_wave(self.session, wave, by=builder.id)
            return wave

        return self.once("wave", side, make)

    def run(self, side: str) -> ExportRun:
        """A finished export of the side's wave (spreadsheets, no PDF), its files
        published by the real export jobs."""

        def make():
            wave = self.wave(side)
            with self.app.test_request_context():
                run = start_export(self.session, wave, pdf=False, by=self.users["staff"].id)
            self.session.commit()
            run_jobs(self.app, self.session)
            self.session.refresh(run)
            assert run.status == ExportStatus.DONE, run.message
            return run

        return self.once("run", side, make)

    # -- imports, privacy, jobs ----------------------------------------------------------
    def batch(self, side: str) -> ImportBatch:
        return self.once("batch", side, lambda: _add(self.session, ImportBatch(
            source_kind=SourceKind.CUSTOMER_BASE, filename=f"{self.name(side, 'clienti')}.csv",
            status=BatchStatus.DONE, uploaded_by_id=self.users["staff"].id,
            report=Report(rows_read=1, accounts_created=1).as_dict())))  # fmt: skip

    def pair(self, side: str) -> DuplicatePair:
        def make():
            a = factories.account(self.session, company_name=self.name(side, "Doppio A"),
                                  zone_id=self.zones[side].id)  # fmt: skip
            b = factories.account(self.session, company_name=self.name(side, "Doppio B"),
                                  zone_id=self.zones[side].id)  # fmt: skip
            return _add(self.session, DuplicatePair(account_a_id=a.id, account_b_id=b.id,
                                                    score=0.93, reasons=["name"]))  # fmt: skip

        return self.once("pair", side, make)

    def merge(self, side: str) -> Any:
        def make():
            survivor = factories.account(self.session, company_name=self.name(side, "Fusa"),
                                         zone_id=self.zones[side].id)  # fmt: skip
            merged = factories.account(self.session, company_name=self.name(side, "Fusa bis"),
                                       zone_id=self.zones[side].id)  # fmt: skip
            return merge_accounts(self.session, survivor, merged, user_id=self.users["staff"].id)

        return self.once("merge", side, make)

    def source(self, side: str) -> Any:
        """A row an import joined to an account that had another row."""

        def make():
            found = factories.account(self.session, company_name=self.name(side, "Unita"),
                                      zone_id=self.zones[side].id)  # fmt: skip
            for number in (2, 3):
                row = _add(self.session, AccountSource(
                    account_id=found.id, import_batch_id=self.batch(side).id,
                    source_kind="customer_base", row_number=number, fingerprint=f"f{number}",
                    data={"RAGIONE SOCIALE": found.company_name}))  # fmt: skip
            return row

        return self.once("source", side, make)

    def doubt(self, side: str) -> Any:
        def make():
            found = factories.account(self.session, company_name=self.name(side, "Dubbio"),
                                      zone_id=self.zones[side].id)  # fmt: skip
            _add(self.session, AccountFlag(account_id=found.id, field="vat_number",
                                           value="IT123", reason="vat_invalid"))  # fmt: skip
            return found

        return self.once("doubt", side, make)

    def flag(self, side: str) -> AccountFlag:
        """The doubt on ``doubt``'s account (the review queue decides one doubt)."""
        account = self.doubt(side)
        return self.session.scalars(
            sa.select(AccountFlag).where(AccountFlag.account_id == account.id)
        ).one()

    def card(self, side: str) -> Any:
        """A pending paper card with a scan, typed by someone else than the viewer (own) or
        by agent B's side's staff (other): cards are national, as imports are."""

        def make():
            typist = self.users["zoned_other"] if side == OTHER else self.users["staff"]
            return factories.paper_card(
                self.session, typist, values={"company_name": self.name(side, "Scheda")},
                scan=b"\x89PNG\r\n\x1a\n", scan_type="image/png", scan_name="scheda.png",
                scan_size=8,
            )  # fmt: skip

        return self.once("card", side, make)

    def job(self, side: str) -> JobRun:
        """A finished job the signed-in user started (own), or another user's."""
        owner = self.me if side == OWN else self.users["agent_b"]
        return self.once("job", side, lambda: _add(self.session, JobRun(
            id=uuid.uuid4().hex, kind="imports.run", status=JobStatus.FINISHED, progress=1,
            total=1, created_by_id=owner.id)))  # fmt: skip

    def subscription(self, side: str) -> WebhookSubscription:
        """Webhook subscriptions are the administrators', nobody's own: one per side."""
        return self.once("subscription", side, lambda: _add(self.session, WebhookSubscription(
            name=self.name(side, "Integrazione"), url=f"https://crm.example.com/{side}",
            events=["call.recorded"], secret=f"whsec_{side}")))  # fmt: skip

    def delivery(self, side: str) -> WebhookDelivery:
        return self.once("delivery", side, lambda: _add(self.session, WebhookDelivery(
            subscription_id=self.subscription(side).id, event="call.recorded",
            event_id=str(uuid.uuid4()), payload={"call_id": 1})))  # fmt: skip


def _add(session: Session, obj: Any) -> Any:
    session.add(obj)
    session.flush()
    return obj


FACTORIES: dict[str, Callable[[World, str], Any]] = {
    "campaign_id": lambda w, side: w.campaign(side).id,
    "script_id": lambda w, side: w.script_id,  # call scripts are not anyone's own
    "entry_id": lambda w, side: w.entry(side).id,
    "agent_id": lambda w, side: w.agent(side).id,
    "wave_id": lambda w, side: w.wave(side).id,
    "run_id": lambda w, side: w.run(side).id,
    "salesperson_id": lambda w, side: w.salesperson(side).id,
    "batch_id": lambda w, side: w.batch(side).id,
    "pair_id": lambda w, side: w.pair(side).id,
    "merge_id": lambda w, side: w.merge(side).id,
    "source_id": lambda w, side: w.source(side).id,
    "account_id": lambda w, side: w.doubt(side).id,
    "flag_id": lambda w, side: w.flag(side).id,
    "job_id": lambda w, side: w.job(side).id,
    "card_id": lambda w, side: w.card(side).id,
    "key": lambda w, side: w.account(side).key,
    "contact_id": lambda w, side: w.account(side).contacts[0].id,
    "user_id": lambda w, side: (w.me if side == OWN else w.users["agent_b"]).id,
    "team_id": lambda w, side: w.teams[side].id,
    # The pause reasons are the staff's list, nobody's own: a seeded one on either side.
    "reason_id": lambda w, side: _pause_reason(w.session, side),
    "subscription_id": lambda w, side: w.subscription(side).id,
    "delivery_id": lambda w, side: w.delivery(side).id,
    # A salesperson's pack link (public: the signed token is the access).
    "token": lambda w, side: _pack_token(w, side),
    # API keys are the administrators', nobody's own.
    "key_id": lambda w, side: _api_key(w.session, side),
}


def _pack_token(world: World, side: str) -> str:
    from app.distribution.pack_mail import link_token

    with world.app.app_context():
        return link_token(world.run(side), world.salesperson(side))


def _api_key(session: Session, side: str) -> int:
    from app.api.services import create_key

    key, _token = create_key(session, name=f"Integrazione {side}", scopes=["calls:read"],
                             actor_id=None)  # fmt: skip
    return key.id


def _pause_reason(session: Session, side: str) -> int:
    code = "break" if side == OWN else "lunch"
    return session.scalar(sa.select(PauseReason.id).where(PauseReason.code == code))


# Parameter -> viewers to whom someone else's object must be refused. Not listed: the
# role decides alone (supervisors see every entry of the campaigns they see;
# imports and paper cards are national: a file covers all of Italy; users and teams are the
# administrator's, docs/access.md).
SCOPED: dict[str, frozenset[str]] = {
    # An agent works, a supervisor of a team watches, only the campaigns open to the team.
    "campaign_id": frozenset({"agent", "supervisor"}),
    "entry_id": frozenset({"agent"}),  # the desk: only the entry the agent holds
    # A supervisor of a team reads the figures of its agents only (the timesheets) and
    # sees and acts on them only on the floor.
    "agent_id": frozenset({"supervisor"}),
    "job_id": frozenset({"agent", "supervisor", "staff", "zoned"}),  # the starter, or admin
    "wave_id": frozenset({"zoned"}),
    "run_id": frozenset({"zoned"}),
    "salesperson_id": frozenset({"zoned"}),
    "key": frozenset({"zoned"}),  # privacy requests: zoned staff answer for their zone
    "contact_id": frozenset({"zoned"}),
}


@cache
def snapshot_sql() -> tuple[str, ...]:
    """What a refused request must leave as it was: leases, waves, exports, accounts."""
    return (
        "SELECT id, state, lease_holder_id, callback_agent_id, next_call_at FROM queue_entries",
        "SELECT id, status FROM waves",
        "SELECT id, status FROM export_runs",
        "SELECT id, status, salesperson_id, anonymised_at, merged_into_id FROM accounts",
        "SELECT id, full_name FROM contacts",
        "SELECT id, undone_at FROM account_merges",
        "SELECT id, state, ended_at, seen_at FROM agent_states",  # the desk's moments
        "SELECT id, session_version FROM users",  # the floor's sign-out
        "SELECT id, text, read_at FROM floor_messages",  # the floor's messages
    )
