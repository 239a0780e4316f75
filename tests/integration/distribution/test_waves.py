"""Waves on the database: candidates, draft, confirm, cancel, sent, never twice."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.distribution import services
from app.distribution.models import ExportRun, ExportStatus, WaveAccount, WaveStatus


def test_candidates_carry_the_latest_horizon_and_skip_what_a_wave_holds(session, network):
    a = network.qualified(session, horizon="6", province="MI")
    network.qualified(session, horizon="3", province="MI")
    factory_other = network.qualified(session, horizon="12", province="MI")
    factory_other.status = AccountStatus.QUEUED  # QC sent it back: not waiting any more
    session.flush()
    found = {c.account_id: c for c in services.candidates(session)}
    assert len(found) == 2 and found[a.id].horizon == "6"
    assert found[a.id].qualified_at is not None
    services.create_wave(session, "Novembre", 50, by=None)
    assert services.candidates(session) == []


def test_overview_shows_each_salesperson_the_pools_and_the_uncovered(session, network):
    network.qualified(session, horizon="3", province="TO", postcode="10121")
    network.qualified(session, horizon="6", province="TO", postcode="10121")
    network.qualified(session, horizon="3", province="MI")
    lost = network.qualified(session, horizon="12", province="PA")  # no rule for Palermo
    found = services.overview(session)
    assert found.routed == {network.torino.id: {"3": 1, "6": 1, "12": 0, "none": 0}}
    pool = tuple(sorted(p.id for p in network.milano))
    assert found.pools == {pool: {"3": 1, "6": 0, "12": 0, "none": 0}}
    assert [c.account_id for c in found.uncovered] == [lost.id]
    assert found.total == 4


def test_assigning_an_owner_by_hand_covers_an_account(session, network):
    lost = network.qualified(session, horizon="12", province="PA")
    changed = services.assign_owner(session, [lost.id], network.torino, by=None)
    assert changed == 1 and services.overview(session).uncovered == []
    network.torino.active = False
    with pytest.raises(services.DistributionError, match="not active"):
        services.assign_owner(session, [lost.id], network.torino, by=None)


def test_a_wave_deals_fairly_then_confirm_distributes_and_cancel_gives_back(session, network):
    for n in range(7):
        network.qualified(session, horizon=["3", "6", "12"][n % 3], province="MI")
    wave = services.create_wave(session, "Novembre 2026", 3, by=None)
    items = session.scalars(sa.select(WaveAccount).where(WaveAccount.wave_id == wave.id)).all()
    assert Counter(i.salesperson_id for i in items) == {p.id: 3 for p in network.milano}
    assert Counter(i.horizon for i in items) == {"3": 3, "6": 2, "12": 1}  # urgent first
    positions = sorted((i.salesperson_id, i.position) for i in items)
    assert [p for _s, p in positions] == [1, 2, 3, 1, 2, 3]
    # A draft reserves its accounts; they are still qualified.
    assert {services_status(session, i.account_id) for i in items} == {AccountStatus.QUALIFIED}
    dropped = services.confirm_wave(session, wave, by=None)
    assert dropped == 0 and wave.status == WaveStatus.CONFIRMED
    assert {services_status(session, i.account_id) for i in items} == {AccountStatus.DISTRIBUTED}
    # The seventh account waits for a later wave; a second wave takes only it.
    second = services.create_wave(session, "Dicembre 2026", 3, by=None)
    assert len(second.accounts) == 1
    services.cancel_wave(session, second, by=None)
    returned = services.cancel_wave(session, wave, by=None)
    assert returned == 6 and wave.status == WaveStatus.CANCELLED
    assert {services_status(session, i) for i in [x.account_id for x in items]} == {
        AccountStatus.QUALIFIED
    }
    assert len(services.candidates(session)) == 7
    audit = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "distribution.wave_cancelled")
    ).all()
    assert sorted(len(e.details["accounts"]) for e in audit) == [1, 6]


def services_status(session, account_id):
    from app.accounts.models import Account

    return session.get(Account, account_id).status


def test_an_account_is_never_handed_out_twice(session, network):
    account = network.qualified(session, province="MI")
    wave = services.create_wave(session, "Uno", 50, by=None)
    with pytest.raises(services.DistributionError, match="nothing to hand out"):
        services.create_wave(session, "Due", 50, by=None)
    # Even written straight to the table, the database refuses a second row.
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(
            sa.insert(WaveAccount).values(
                wave_id=wave.id,
                account_id=account.id,
                salesperson_id=network.milano[0].id,
                horizon="3",
                source="owner",
                position=9,
            )
        )


def test_confirm_drops_an_account_that_quality_control_sent_back(session, network):
    kept = network.qualified(session, province="MI")
    sent_back = network.qualified(session, province="MI")
    wave = services.create_wave(session, "Novembre", 50, by=None)
    sent_back.status = AccountStatus.QUEUED
    session.flush()
    assert services.confirm_wave(session, wave, by=None) == 1
    held = session.scalars(
        sa.select(WaveAccount.account_id).where(WaveAccount.wave_id == wave.id)
    ).all()
    assert held == [kept.id]


def test_sent_needs_an_export_and_then_the_wave_cannot_be_cancelled(session, network):
    network.qualified(session, province="MI")
    wave = services.create_wave(session, "Novembre", 50, by=None)
    with pytest.raises(services.DistributionError, match="confirmed"):
        services.mark_sent(session, wave, by=None)
    services.confirm_wave(session, wave, by=None)
    with pytest.raises(services.DistributionError, match="Export"):
        services.mark_sent(session, wave, by=None)
    session.add(ExportRun(wave_id=wave.id, status=ExportStatus.DONE, job_ids=[]))
    session.flush()
    services.mark_sent(session, wave, by=None)
    assert wave.status == WaveStatus.SENT
    with pytest.raises(services.DistributionError, match="cannot be cancelled"):
        services.cancel_wave(session, wave, by=None)
    with pytest.raises(services.DistributionError, match="draft"):
        services.confirm_wave(session, wave, by=None)


@pytest.mark.parametrize("bad", [0, -1, 1001])
def test_per_salesperson_must_be_sensible(session, network, bad):
    with pytest.raises(services.DistributionError, match="between 1 and 1000"):
        services.preview_wave(session, bad)


def test_a_wave_needs_a_name(session, network):
    network.qualified(session, province="MI")
    with pytest.raises(services.DistributionError, match="name"):
        services.create_wave(session, "   ", 50, by=None)
