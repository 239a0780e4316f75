"""Confirming, rejecting and undoing a merge from the review."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, AccountFlag, AccountPhone, FlagStatus, FleetLine, PhoneKind
from app.accounts.status import AccountStatus
from app.imports.models import DuplicatePair, PairStatus
from app.workspace.merging import MergeError, merge_pair, reject_pair, undo_merge
from tests import factories


@pytest.fixture
def pair(session):
    older = factories.account(session, company_name="TRASPORTI VERDI", street="VIA ROMA",
                              municipality="Milano", status=AccountStatus.READY)  # fmt: skip
    newer = factories.account(session, company_name="TRASPORTI VERDI LUIGI", email="v@verdi.it",
                              postcode="20121", status=AccountStatus.TO_REVIEW)  # fmt: skip
    older.phones.append(AccountPhone(raw="02 1234567", e164="+39021234567", kind=PhoneKind.FIXED))
    newer.phones.append(AccountPhone(raw="02 1234567", e164="+39021234567", kind=PhoneKind.FIXED))
    newer.phones.append(AccountPhone(raw="333 1234567", e164="+393331234567",
                                     kind=PhoneKind.MOBILE))  # fmt: skip
    newer.fleet.append(FleetLine(brand="Iveco", vehicle_count=4))
    session.flush()
    session.add(AccountFlag(account_id=newer.id, field="municipality", value="X",
                            reason="municipality_not_found"))  # fmt: skip
    pair = DuplicatePair(account_a_id=older.id, account_b_id=newer.id, score=0.85,
                         reasons=["same_phone"])  # fmt: skip
    session.add(pair)
    session.flush()
    return pair, older, newer


def test_a_confirmed_pair_becomes_one_account(session, pair, users) -> None:
    pair, older, newer = pair
    merge = merge_pair(session, pair, user_id=users["staff"].id)
    assert pair.status == PairStatus.CONFIRMED
    assert newer.status == AccountStatus.MERGED and newer.merged_into_id == older.id
    # The survivor keeps its values and takes what it lacked.
    assert (older.company_name, older.email, older.postcode) == (
        "TRASPORTI VERDI", "v@verdi.it", "20121")  # fmt: skip
    assert sorted(p.raw for p in older.phones) == ["02 1234567", "333 1234567"]
    assert [f.brand for f in older.fleet] == ["Iveco"]
    flags = session.scalars(sa.select(AccountFlag.account_id)).all()
    assert flags == [older.id]
    assert merge.snapshot["taken"] == {"email": "v@verdi.it", "postcode": "20121"}


def test_an_undone_merge_gives_everything_back(session, pair, users) -> None:
    pair, older, newer = pair
    merge = merge_pair(session, pair, user_id=users["staff"].id)
    undo_merge(session, merge, user_id=users["staff"].id)
    older, newer = session.get(Account, older.id), session.get(Account, newer.id)
    assert newer.status == AccountStatus.TO_REVIEW and newer.merged_into_id is None
    assert (older.email, older.postcode) == (None, None)
    assert [p.raw for p in older.phones] == ["02 1234567"]
    assert sorted(p.raw for p in newer.phones) == ["02 1234567", "333 1234567"]
    assert [f.brand for f in newer.fleet] == ["Iveco"]
    assert session.get(DuplicatePair, pair.id).status == PairStatus.UNDONE
    with pytest.raises(MergeError, match="already been undone"):
        undo_merge(session, merge, user_id=None)


def test_undo_keeps_a_value_changed_since_the_merge(session, pair, users) -> None:
    pair, older, _ = pair
    merge = merge_pair(session, pair, user_id=None)
    older.email = "ufficio@verdi.it"  # a person corrected it after the merge
    session.flush()
    undo_merge(session, merge, user_id=None)
    assert session.get(Account, older.id).email == "ufficio@verdi.it"


def test_a_rejected_pair_is_decided_once(session, pair, users) -> None:
    pair, _older, newer = pair
    reject_pair(session, pair, user_id=users["staff"].id)
    assert pair.status == PairStatus.REJECTED and newer.status == AccountStatus.TO_REVIEW
    with pytest.raises(MergeError, match="already been decided"):
        merge_pair(session, pair, user_id=None)


def test_an_account_in_a_campaign_is_not_merged(session, pair) -> None:
    pair, _, newer = pair
    newer.status = AccountStatus.QUEUED
    session.flush()
    with pytest.raises(MergeError, match="in a campaign"):
        merge_pair(session, pair, user_id=None)
    assert pair.status == PairStatus.PENDING


def test_only_open_flags_move(session, pair) -> None:
    pair, _older, newer = pair
    session.add(AccountFlag(account_id=newer.id, field="email", value="x", reason="email_invalid",
                            status=FlagStatus.RESOLVED))  # fmt: skip
    session.flush()
    merge_pair(session, pair, user_id=None)
    resolved = session.scalars(sa.select(AccountFlag).where(
        AccountFlag.status == FlagStatus.RESOLVED)).one()  # fmt: skip
    assert resolved.account_id == newer.id


def test_a_merge_of_two_accounts_called_in_one_campaign_recounts_its_board(
    session, pair, users
) -> None:
    """Their calls become one account's: the board counts one account called, not two,
    and two again once the merge is undone."""
    from datetime import UTC, datetime

    from app.board import tally_reads, tally_writes
    from app.board.counts import Slice, gather
    from app.security import Role

    pair, older, newer = pair
    campaign = factories.campaign(session)
    agent = factories.user(session, Role.AGENT, "caller")
    t = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    for account in (older, newer):
        entry = factories.queue_entry(session, campaign, account)
        factories.counted(session, factories.call(session, entry, agent, "not_interested", t, t))

    def called() -> tuple[int, int]:
        tally_writes.write_pending(session)
        kept = tally_reads.read(session, campaign.id, None, None).total.called
        return kept, gather(session, Slice(campaign_id=campaign.id))[None].called

    assert called() == (2, 2)
    merge = merge_pair(session, pair, user_id=users["staff"].id)
    assert called() == (1, 1)
    undo_merge(session, merge, user_id=users["staff"].id)
    assert called() == (2, 2)


def test_a_merge_gives_the_survivor_the_other_accounts_sites_and_undo_takes_them_back(
    session, users
) -> None:
    """Two accounts of one company at two addresses: the survivor keeps its head office and
    gets the other's as another site, with its number; a site both have is not doubled."""
    from app.accounts.models import AccountSite
    from app.accounts.sites import views
    from app.workspace.merging import merge_accounts

    milan = {"street": "VIA ROMA", "house_number": "1", "municipality": "Milano",
             "istat_code": "015146"}  # fmt: skip
    turin = {"street": "CORSO FRANCIA", "house_number": "10", "municipality": "Torino",
             "istat_code": "001272"}  # fmt: skip
    older = factories.account(session, company_name="LOGISTICA", status=AccountStatus.READY,
                              **milan)  # fmt: skip
    newer = factories.account(session, company_name="LOGISTICA", status=AccountStatus.READY,
                              **turin)  # fmt: skip
    sites = [
        AccountSite(account_id=older.id, position=0, head_office=True, **milan),
        AccountSite(account_id=newer.id, position=0, head_office=True, **turin),
        AccountSite(account_id=newer.id, position=1, **{**milan, "house_number": None}),
    ]
    session.add_all(sites)
    session.flush()
    newer.phones.append(AccountPhone(raw="011 1234567", e164="+390111234567",
                                     kind=PhoneKind.FIXED, site_id=sites[1].id))  # fmt: skip
    newer.phones.append(AccountPhone(raw="02 7654321", e164="+39027654321",
                                     kind=PhoneKind.FIXED, site_id=sites[2].id))  # fmt: skip
    session.flush()
    merge = merge_accounts(session, older, newer, user_id=None)
    older = session.get(Account, older.id)
    shown = [(s.head_office, s.place.municipality, {p.raw for p in s.phones}) for s in views(older)]
    assert shown == [(True, "Milano", {"02 7654321"}), (False, "Torino", {"011 1234567"})]
    undo_merge(session, merge, user_id=None)
    newer = session.get(Account, newer.id)
    assert [(s.head_office, s.municipality) for s in newer.sites] == [
        (True, "Torino"), (False, "Milano")]  # fmt: skip
    phones = {p.raw: p.site_id for p in newer.phones}
    assert phones == {"011 1234567": sites[1].id, "02 7654321": sites[2].id}
    assert [s.municipality for s in session.get(Account, older.id).sites] == ["Milano"]


def test_a_merge_moves_the_results_after_the_hand_off_and_undo_takes_them_back(
    session, pair, users
) -> None:
    """The conversion figures follow the company: a sale recorded on the account merged
    away counts for the one that survives."""
    from datetime import date

    from app.columns import utcnow
    from app.results.models import AccountResult

    pair, older, newer = pair
    sale = AccountResult(account_id=newer.id, outcome="sold", occurred_on=date(2026, 11, 2),
                         vehicles=2, source="staff", recorded_at=utcnow())  # fmt: skip
    session.add(sale)
    session.flush()
    merge = merge_pair(session, pair, user_id=users["staff"].id)
    session.refresh(sale)
    assert sale.account_id == older.id
    undo_merge(session, merge, user_id=users["staff"].id)
    session.refresh(sale)
    assert sale.account_id == newer.id
