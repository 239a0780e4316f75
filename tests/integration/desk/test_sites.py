"""A company with several sites on the desk: the card lists them, the outcome records which
one the call qualified (docs/desk.md, "Sites")."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from app.accounts.models import AccountPhone, AccountSite, PhoneKind
from app.accounts.phones import dialled_phone
from app.accounts.sites import default_site_id, site_of_phone, views
from app.accounts.status import AccountStatus
from app.campaigns.queueing import enqueue_accounts
from app.desk.models import CallAttempt
from tests import factories
from tests.integration.desk.conftest import queued_account
from tests.integration.desk.test_desk_views import page_tokens, start
from tests.integration.desk.test_outcomes import QUALIFYING

MILANO = {"street": "VIA ROMA", "house_number": "1", "postcode": "20121",
          "municipality": "Milano", "province": "MI", "istat_code": "015146"}  # fmt: skip
TORINO = {"street": "CORSO FRANCIA", "house_number": "10", "postcode": "10121",
          "municipality": "Torino", "province": "TO", "istat_code": "001272"}  # fmt: skip


def company_with_sites(session, campaign):
    """Head office in Milan, another site in Turin; the desk dials Turin's number first."""
    account = factories.account(
        session, company_name="LOGISTICA SABAUDA", status=AccountStatus.READY, **MILANO
    )
    head = AccountSite(account_id=account.id, position=0, head_office=True, **MILANO)
    turin = AccountSite(account_id=account.id, position=1, **TORINO)
    session.add_all([head, turin])
    session.flush()
    session.add_all([
        AccountPhone(account_id=account.id, position=0, raw="011 1234567", e164="+390111234567",
                     kind=PhoneKind.FIXED, site_id=turin.id),
        AccountPhone(account_id=account.id, position=1, raw="02 5801234", e164="+39025801234",
                     kind=PhoneKind.FIXED, site_id=head.id),
    ])  # fmt: skip
    session.flush()
    enqueue_accounts(session, campaign, [account.id])
    return account, head, turin


def test_the_card_lists_the_sites_the_head_office_marked_with_their_numbers(
    client, auth, users, session, campaign, office_hours
):
    _account, head, turin = company_with_sites(session, campaign)
    url = start(client, auth, campaign)
    page = html.unescape(client.get(url).get_data(as_text=True))
    sites = page.split('data-testid="sites"')[1].split("</ol>")[0]
    milan, torino = sites.split('data-testid="site"')[1:]
    assert "data-head-office" in milan and "Sede principale" in milan
    assert "VIA ROMA 1, 20121 Milano (MI)" in milan and "+39 02 580 1234" in milan
    assert "CORSO FRANCIA 10, 10121 Torino (TO)" in torino and "+39 011 123 4567" in torino
    assert "data-head-office" not in torino
    # The outcome's list of sites: the dialled number's site chosen, reached by Alt+U.
    select = page.split('data-testid="site-qualified"')[0].rsplit("<select", 1)[1]
    assert 'accesskey="u"' in select
    chosen = page.split('data-testid="site-qualified"')[1].split("</select>")[0]
    assert f'<option value="{turin.id}" selected>' in chosen
    assert f'<option value="{head.id}">Sede principale: VIA ROMA 1' in chosen


def test_the_outcome_records_the_site_the_agent_chose(
    client, auth, users, session, campaign, office_hours
):
    account, head, _turin = company_with_sites(session, campaign)
    url = start(client, auth, campaign)
    csrf, token, _ = page_tokens(client, url)
    data = {**QUALIFYING, "csrf_token": csrf, "client_token": token, "outcome": "qualified",
            "site": str(head.id)}  # fmt: skip
    assert client.post(url + "/outcome", data=data).status_code == 302
    call = session.scalars(sa.select(CallAttempt).where(CallAttempt.account_id == account.id)).one()
    assert call.site_id == head.id
    # The call corrected the account's address: the head office's row says the same.
    session.refresh(head)
    assert (head.street, head.house_number) == ("Via Roma", "1")


def test_by_default_the_call_qualifies_the_site_whose_number_was_dialled(
    client, auth, users, session, campaign, office_hours
):
    account, _head, turin = company_with_sites(session, campaign)
    url = start(client, auth, campaign)
    csrf, token, _ = page_tokens(client, url)
    data = {"csrf_token": csrf, "client_token": token, "outcome": "busy"}
    assert client.post(url + "/outcome", data=data).status_code == 302
    call = session.scalars(sa.select(CallAttempt).where(CallAttempt.account_id == account.id)).one()
    assert call.site_id == turin.id


def test_a_site_of_another_company_is_refused(client, auth, users, session, campaign, office_hours):
    account, *_ = company_with_sites(session, campaign)
    other = factories.account(session, **TORINO)
    stranger = AccountSite(account_id=other.id, position=0, head_office=True, **TORINO)
    session.add(stranger)
    session.flush()
    url = start(client, auth, campaign)
    csrf, token, _ = page_tokens(client, url)
    data = {"csrf_token": csrf, "client_token": token, "outcome": "busy", "site": str(stranger.id)}
    response = client.post(url + "/outcome", data=data)
    assert response.status_code == 422
    assert "Scegli una delle sedi di questa azienda" in html.unescape(
        response.get_data(as_text=True)
    )
    count = sa.select(sa.func.count()).where(CallAttempt.account_id == account.id)
    assert session.scalar(count) == 0


def test_a_company_with_one_site_shows_its_address_and_no_list(
    client, auth, users, session, campaign, office_hours
):
    account = queued_account(session, campaign)
    url = start(client, auth, campaign)
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="sites"' not in page and 'data-testid="site-qualified"' not in page
    csrf, token, _ = page_tokens(client, url)
    client.post(url + "/outcome", data={"csrf_token": csrf, "client_token": token,
                                        "outcome": "busy"})  # fmt: skip
    call = session.scalars(sa.select(CallAttempt).where(CallAttempt.account_id == account.id)).one()
    assert call.site_id is None  # its head office, which has no row of its own yet


# Each case: sites (head office?) in position order, then phones as (site index or None,
# kind, has a number), in position order. The site the outcome records by default must be
# the one the call screen preselects, whichever way each computes it. (An account has at
# most one head office: a unique index.)
FIX, MOB, OTH, INV, SPE = (PhoneKind.FIXED, PhoneKind.MOBILE, PhoneKind.OTHER,
                           PhoneKind.INVALID, PhoneKind.SPECIAL)  # fmt: skip
SITE_CASES = {
    "no stored site": ([], [(None, FIX, True)]),
    "head office only": ([True], [(0, FIX, True)]),
    "dialled at the branch": ([True, False], [(1, FIX, True), (0, FIX, True)]),
    "dialled at the head office": ([True, False], [(0, MOB, True), (1, FIX, True)]),
    "dialled number of no site": ([True, False], [(None, FIX, True)]),
    "a special number first": ([True, False], [(1, SPE, True), (0, FIX, True)]),
    "an invalid number first": ([True, False], [(1, INV, True), (0, FIX, True)]),
    "a number kept as written first": ([True, False], [(1, FIX, False), (0, OTH, True)]),
    "no callable number": ([True, False], [(1, SPE, True)]),
    "no head office, dialled at a branch": ([False, False], [(1, FIX, True)]),
    "no head office, dialled at the first": ([False, False], [(0, FIX, True)]),
    "head office second, dialled at the first": ([False, True], [(0, FIX, True)]),
    "no phone": ([True, False], []),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(SITE_CASES))
def test_the_default_site_in_one_query_is_the_call_screens(session, case):
    heads, phones = SITE_CASES[case]
    account = factories.account(session, company_name="TRASPORTI SITI SRL", **MILANO)
    sites = [AccountSite(account_id=account.id, position=n, head_office=head, **MILANO)
             for n, head in enumerate(heads)]  # fmt: skip
    session.add_all(sites)
    session.flush()
    session.add_all([
        AccountPhone(account_id=account.id, position=n, raw=f"02 580123{n}",
                     e164=f"+3902580123{n}" if number else None, kind=kind,
                     site_id=sites[site].id if site is not None else None)
        for n, (site, kind, number) in enumerate(phones)
    ])  # fmt: skip
    session.flush()
    session.expire(account)
    shown = site_of_phone(views(account), dialled_phone(account))
    assert default_site_id(session, account.id) == shown.id
