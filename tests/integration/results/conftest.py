"""Qualified accounts handed off in a confirmed wave, ready for their results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from app.accounts.models import Account
from app.distribution import services
from app.distribution.models import Wave
from tests.integration.distribution.conftest import Network, exports, network, run_jobs
from tests.integration.webhooks.conftest import receiver, webhook_settings  # noqa: F401

__all__ = ["Handed", "exports", "handed", "network", "run_jobs"]

QUALIFIED_AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@dataclass
class Handed:
    network: Network
    wave: Wave
    milano: list[Account]  # two, for the Milan pool
    torino: Account  # for TO-V01


@pytest.fixture
def handed(session, network) -> Handed:
    milano = [
        network.qualified(
            session,
            horizon="3",
            province="MI",
            company_name="Trasporti Alfa SRL",
            vat_number="01234567897",
            ended_at=QUALIFIED_AT,
        ),
        network.qualified(
            session,
            horizon="6",
            province="MI",
            company_name="Logistica Beta SpA",
            ended_at=QUALIFIED_AT,
        ),
    ]
    torino = network.qualified(
        session,
        horizon="12",
        province="TO",
        postcode="10121",
        company_name="Autotrasporti Gamma",
        ended_at=QUALIFIED_AT,
    )
    wave = services.create_wave(session, "Ottobre 2026", 50, by=None)
    services.confirm_wave(session, wave, by=None)
    return Handed(network, wave, milano, torino)
