"""A small sales network with qualified accounts waiting for salespeople."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.territory.models import Salesperson, TerritoryRule
from app.users.models import Role, User
from tests import factories


@dataclass
class Network:
    milano: list[Salesperson]  # dealer D-MI's pool (province MI)
    torino: Salesperson  # named by the rule for postcodes 101xx
    agent: User
    campaign: object

    def qualified(self, session, **kw):
        return factories.qualified(session, self.campaign, self.agent, **kw)


@pytest.fixture
def network(session) -> Network:
    zone = factories.zone(session)
    mi = factories.dealer(session, zone, "D-MI")
    to = factories.dealer(session, zone, "D-TO")
    milano = [factories.salesperson(session, mi, f"MI-V0{n}") for n in (1, 2)]
    torino = factories.salesperson(session, to, "TO-V01")
    session.add_all(
        [
            TerritoryRule(province="MI", zone=zone, dealer=mi),
            TerritoryRule(
                province="TO", postcode_prefix="101", zone=zone, dealer=to, salesperson=torino
            ),
        ]
    )
    session.flush()
    agent = factories.user(session, Role.AGENT, full_name="Giulia Agente")
    return Network(milano, torino, agent, factories.campaign(session, code="CAMP1"))
