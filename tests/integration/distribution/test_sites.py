"""A company with several sites: the wave routes it by the site the call qualified, and the
files give that site's address and list the others (docs/exports.md, "Sites")."""

from __future__ import annotations

import sqlalchemy as sa

from app.accounts.models import AccountSite
from app.desk.models import CallAttempt
from app.distribution import services
from app.distribution.models import WaveAccount

MILANO = {"street": "VIALE MECENATE", "house_number": "76", "postcode": "20138",
          "municipality": "Milano", "province": "MI", "istat_code": "015146"}  # fmt: skip
TORINO = {"street": "CORSO FRANCIA", "house_number": "10", "postcode": "10121",
          "municipality": "Torino", "province": "TO", "istat_code": "001272"}  # fmt: skip


def with_sites(session, network, qualified_at: str | None, **kw):
    """A company whose head office is in Milan and another site in Turin; its qualifying
    call qualified ``qualified_at`` ("head", "turin" or None, as calls before sites)."""
    account = network.qualified(session, **MILANO, **kw)
    head = AccountSite(account_id=account.id, position=0, head_office=True, **MILANO)
    turin = AccountSite(account_id=account.id, position=1, **TORINO)
    session.add_all([head, turin])
    session.flush()
    call = session.scalars(sa.select(CallAttempt).where(CallAttempt.account_id == account.id)).one()
    call.site_id = {"head": head.id, "turin": turin.id, None: None}[qualified_at]
    session.flush()
    return account, head, turin


def salesperson_of(session, account) -> int:
    return session.scalar(
        sa.select(WaveAccount.salesperson_id).where(WaveAccount.account_id == account.id)
    )


def test_a_site_in_another_salespersons_territory_goes_to_that_salesperson(session, network):
    branch, *_ = with_sites(session, network, "turin")
    head_office, *_ = with_sites(session, network, "head")
    before_sites, *_ = with_sites(session, network, None)
    found = {c.account_id: c for c in services.candidates(session)}
    assert (found[branch.id].postcode, found[branch.id].head_office) == ("10121", False)
    assert (found[head_office.id].province, found[head_office.id].head_office) == ("MI", True)
    services.create_wave(session, "Dicembre", 50, by=None)
    assert salesperson_of(session, branch) == network.torino.id  # Turin's rule
    milano = {p.id for p in network.milano}
    assert salesperson_of(session, head_office) in milano  # Milan's pool
    assert salesperson_of(session, before_sites) in milano  # no site chosen: head office


def test_the_owner_keeps_the_head_office_not_a_site_in_anothers_territory(session, network):
    owner = network.milano[0]
    branch, *_ = with_sites(session, network, "turin", salesperson_id=owner.id)
    head_office, *_ = with_sites(session, network, "head", salesperson_id=owner.id)
    services.create_wave(session, "Dicembre", 50, by=None)
    assert salesperson_of(session, branch) == network.torino.id
    assert salesperson_of(session, head_office) == owner.id
