"""Zoned staff: a staff member with a zone on their user sees, hands out and exports only
that zone's accounts (docs/access.md). Admins and staff without a zone see every zone."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.accounts.models import Account
from app.audit.models import AuditEntry
from app.distribution import services
from app.distribution.models import Wave, WaveAccount
from app.security import Role
from app.territory.models import Salesperson, TerritoryRule, Zone
from app.users.models import User
from app.users.services import find_user
from tests import factories
from tests.conftest import Auth, csrf_token


@dataclass
class TwoZones:
    nord: Zone
    sud: Zone
    milano: Salesperson  # zone NORD, named by the rule for province MI
    napoli: Salesperson  # zone SUD, named by the rule for province NA
    agent: User
    campaign: object

    def qualified(self, session, zone: Zone, **kw) -> Account:
        province = "MI" if zone is self.nord else "NA"
        kw = {"province": province, "zone_id": zone.id, **kw}
        return factories.qualified(session, self.campaign, self.agent, **kw)


@pytest.fixture
def zones(session) -> TwoZones:
    nord, sud = factories.zone(session, "NORD", "Nord"), factories.zone(session, "SUD", "Sud")
    milano = factories.salesperson(session, factories.dealer(session, nord, "D-MI"), "MI-V01")
    napoli = factories.salesperson(session, factories.dealer(session, sud, "D-NA"), "NA-V01")
    for province, zone, person in (("MI", nord, milano), ("NA", sud, napoli)):
        session.add(TerritoryRule(province=province, zone=zone, dealer_id=person.dealer_id,
                                  salesperson_id=person.id))  # fmt: skip
    session.flush()
    agent = factories.user(session, Role.AGENT)
    return TwoZones(nord, sud, milano, napoli, agent, factories.campaign(session))


def zoned(session, zone: Zone, username: str = "nord") -> User:
    user = factories.user(session, Role.STAFF, username=username)
    user.zone_id = zone.id
    session.commit()
    return user


def test_a_wave_of_a_zone_takes_only_that_zones_accounts(session, zones):
    mine = [zones.qualified(session, zones.nord) for _ in range(2)]
    # No zone of its own, but its dealer is in the zone: it belongs there too.
    by_dealer = zones.qualified(session, zones.nord, zone_id=None, dealer_id=zones.milano.dealer_id)
    theirs = zones.qualified(session, zones.sud)
    wave = services.create_wave(session, "Nord, novembre", 50, by=None, zone_id=zones.nord.id)
    held = set(
        session.scalars(sa.select(WaveAccount.account_id).where(WaveAccount.wave_id == wave.id))
    )
    assert held == {a.id for a in [*mine, by_dealer]}
    assert wave.zone_id == zones.nord.id
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "distribution.wave_created")
    ).one()
    assert entry.details["zone_id"] == zones.nord.id
    # The other zone's account still waits, and a wave of every zone takes it.
    everyone = services.create_wave(session, "Tutti", 50, by=None)
    assert everyone.zone_id is None
    assert [a.account_id for a in everyone.accounts] == [theirs.id]


def test_overview_counts_only_the_zone(session, zones):
    for _ in range(3):
        zones.qualified(session, zones.nord)
    zones.qualified(session, zones.sud)
    lost = zones.qualified(session, zones.sud, province="PA")  # no rule covers Palermo
    assert services.overview(session).total == 5
    nord = services.overview(session, zones.nord.id)
    assert nord.total == 3 and nord.uncovered == []
    assert nord.routed == {zones.milano.id: {"3": 3, "6": 0, "12": 0, "none": 0}}
    sud = services.overview(session, zones.sud.id)
    assert sud.total == 2 and [c.account_id for c in sud.uncovered] == [lost.id]


def test_zoned_staff_pages_show_and_build_only_their_zone(client, session, zones):
    for _ in range(3):
        zones.qualified(session, zones.nord)
    theirs = zones.qualified(session, zones.sud, company_name="Trasporti del Sud SRL")
    other_wave = services.create_wave(session, "Ondata Sud", 50, by=None, zone_id=zones.sud.id)
    zoned(session, zones.nord)
    Auth(client).login("nord")
    page = client.get("/distribution/").get_data(as_text=True)
    assert "3 account qualificati" in page and 'data-testid="zone-scope"' in page
    assert "Ondata Sud" not in page and "Trasporti del Sud" not in page
    preview = client.get("/distribution/waves/new?label=Nord&per_salesperson=50")
    assert "NA-V01" not in preview.get_data(as_text=True)
    token = csrf_token(client, "/distribution/")
    response = client.post("/distribution/waves/new", data={
        "csrf_token": token, "label": "Nord", "per_salesperson": 50, "create": "1"})  # fmt: skip
    assert response.status_code == 302
    wave = session.scalars(sa.select(Wave).where(Wave.label == "Nord")).one()
    assert wave.zone_id == zones.nord.id and len(wave.accounts) == 3
    assert theirs.id not in {a.account_id for a in wave.accounts}
    # Another zone's wave: refused, whatever the action, and left as it was.
    assert client.get(f"/distribution/waves/{other_wave.id}").status_code == 403
    for action in ("confirm", "cancel", "sent", "export"):
        url = f"/distribution/waves/{other_wave.id}/{action}"
        assert client.post(url, data={"csrf_token": token}).status_code == 403
    session.refresh(other_wave)
    assert other_wave.status.value == "draft"


def test_unzoned_staff_and_admins_see_every_zone(client, session, zones, users):
    zones.qualified(session, zones.nord)
    zones.qualified(session, zones.sud)
    sud = services.create_wave(session, "Ondata Sud", 50, by=None, zone_id=zones.sud.id)
    session.commit()
    for username in ("staff", "admin"):
        Auth(client).login(username)
        page = client.get("/distribution/").get_data(as_text=True)
        assert "1 account qualificato" in page and "Ondata Sud" in page  # NORD's waits
        assert 'data-testid="zone-scope"' not in page
        assert client.get(f"/distribution/waves/{sud.id}").status_code == 200
        Auth(client).logout()


def test_hand_set_owners_stay_in_the_zone(session, zones):
    by = zoned(session, zones.nord).id
    mine = zones.qualified(session, zones.nord, province="PA")
    theirs = zones.qualified(session, zones.sud, province="PA")
    changed = services.assign_owner(session, [mine.id, theirs.id], zones.milano, by=by,
                                    zone_id=zones.nord.id)  # fmt: skip
    assert changed == 1
    session.refresh(theirs)
    assert theirs.salesperson_id is None
    with pytest.raises(services.DistributionError, match="another zone"):
        services.assign_owner(session, [mine.id], zones.napoli, by=by, zone_id=zones.nord.id)


def test_owner_form_offers_only_the_zones_salespeople(client, session, zones):
    mine = zones.qualified(session, zones.nord, province="PA")
    zoned(session, zones.nord)
    Auth(client).login("nord")
    page = client.get("/distribution/").get_data(as_text=True)
    assert "MI-V01" in page and "NA-V01 ·" not in page
    token = csrf_token(client, "/distribution/")
    response = client.post("/distribution/owners", follow_redirects=True, data={
        "csrf_token": token, "account_ids": [mine.id], "salesperson": zones.napoli.id})  # fmt: skip
    assert "Non è una opzione valida" in response.get_data(as_text=True)  # WTForms' Italian
    session.refresh(mine)
    assert mine.salesperson_id is None


def test_workspace_and_segments_count_only_the_zone(client, session, zones):
    for _ in range(2):
        factories.account(session, zone_id=zones.nord.id, status="ready")
    for _ in range(5):
        factories.account(session, zone_id=zones.sud.id, status="ready")
    zoned(session, zones.nord)
    Auth(client).login("nord")
    page = client.get("/workspace/").get_data(as_text=True)
    assert "Sud" not in page
    assert client.get("/workspace/segment/count").get_json()["matching"] == 2
    # Choosing the other zone finds nothing: the scope is not a filter one can undo.
    found = client.get(f"/workspace/segment/count?zones={zones.sud.id}").get_json()
    assert found["matching"] == 0


# -- setting a zone ------------------------------------------------------------------------


def test_cli_creates_and_sets_zoned_staff(runner, session, zones):
    result = runner.invoke(args=["users", "create", "lverdi", "--role", "staff", "--zone",
                                 "nord", "--password", "a-long-password"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert find_user(session, "lverdi").zone_id == zones.nord.id
    result = runner.invoke(args=["users", "set-zone", "lverdi", "SUD"])
    assert result.exit_code == 0, result.output
    assert "lverdi now sees zone SUD" in result.output
    session.expire_all()
    assert find_user(session, "lverdi").zone_id == zones.sud.id
    assert "[zone SUD]" in runner.invoke(args=["users", "list"]).output
    result = runner.invoke(args=["users", "set-zone", "lverdi", "--none"])
    assert result.exit_code == 0 and "every zone" in result.output
    session.expire_all()
    assert find_user(session, "lverdi").zone_id is None
    audited = session.scalars(sa.select(AuditEntry.details).where(
        AuditEntry.action == "user.set_zone").order_by(AuditEntry.id)).all()  # fmt: skip
    assert [d["zone"] for d in audited] == ["SUD", None]


def test_cli_zone_mistakes_are_explained(runner, session, zones):
    factories.user(session, Role.AGENT, username="agente")
    session.commit()
    cases = [
        (["users", "set-zone", "agente", "NORD"], "Only staff can have a zone"),
        (["users", "set-zone", "nessuno", "NORD"], "No user 'nessuno'"),
        (["users", "set-zone", "agente"], "Give a zone code, or --none"),
        (["users", "create", "x1", "--role", "staff", "--zone", "EST", "--password",
          "a-long-password"], "Unknown zone 'EST': known zones are NORD, SUD"),
        (["users", "create", "x2", "--role", "agent", "--zone", "NORD", "--password",
          "a-long-password"], "Only staff can have a zone"),
    ]  # fmt: skip
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    assert find_user(session, "x1") is None and find_user(session, "x2") is None


def test_users_page_shows_each_staff_members_zone(client, session, zones, users):
    zoned(session, zones.sud, username="sudista")
    Auth(client).login("admin")
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/")})
    page = client.get("/users/").get_data(as_text=True)
    assert 'data-testid="zone-sudista">SUD</td>' in page
    assert 'data-testid="zone-staff">every zone</td>' in page
    assert 'data-testid="zone-agent">—</td>' in page
