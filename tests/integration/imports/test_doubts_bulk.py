"""Accepting a reason's suggested fixes at once: through ``resolve``, audited, bounded,
and never over a doubt that changed since the page showed it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Account, AccountFlag, FlagStatus
from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.extensions import db
from app.imports import accepting, doubts
from app.imports.models import FieldChange
from tests import factories
from tests.conftest import csrf_token

REASON = "postcode_not_of_municipality"


@pytest.fixture
def ref(reference, monkeypatch):
    monkeypatch.setattr(doubts, "reference", lambda _session: reference)
    return reference


def _cernusco(session, ref, name: str):
    """Cernusco sul Naviglio has one CAP, 20063; the file wrote Milan's 20100."""
    return factories.doubtful_account(session, ref, "Cernusco sul Naviglio", "MI", "20100",
                                      company_name=name)  # fmt: skip


def test_a_reasons_suggestions_are_accepted_and_stale_ones_skipped(session, ref, users):
    fixed, saved_meanwhile, resolved_meanwhile = (
        _cernusco(session, ref, n) for n in ("ROSSI", "VERDI", "BIANCHI")
    )
    shown = accepting.offers(session, REASON)
    assert [o.account.id for o in shown.offers] == [
        fixed.id, saved_meanwhile.id, resolved_meanwhile.id]  # fmt: skip
    assert {o.suggestion.shown for o in shown.offers} == {"20063"} and shown.next_start is None
    tokens = [o.token for o in shown.offers]
    # Meanwhile someone corrects one account by hand and keeps another's doubt.
    saved_meanwhile.company_name = "VERDI LUIGI"
    session.flush()
    kept = doubts.open_flags(session, resolved_meanwhile.id)[0]
    doubts.resolve(session, resolved_meanwhile, {}, {kept.id}, user_id=users["admin"].id)

    tally = accepting.accept(session, tokens, user_id=users["staff"].id)

    assert (tally.accepted, tally.stale, tally.refused, tally.ready) == (1, 2, 0, 1)
    assert (fixed.postcode, fixed.status) == ("20063", AccountStatus.READY)
    assert saved_meanwhile.postcode == "20100"  # not overwritten: its doubt still waits
    assert [f.reason for f in doubts.open_flags(session, saved_meanwhile.id)] == [REASON]
    assert resolved_meanwhile.postcode == "20100"  # kept as it was, by the person
    change = session.scalars(sa.select(FieldChange).where(FieldChange.account_id == fixed.id)).one()
    assert (change.before, change.after, change.reason) == ("20100", "20063", "corrected_in_review")
    actions = session.execute(sa.select(AuditEntry.action, AuditEntry.details).where(
        AuditEntry.user_id == users["staff"].id).order_by(AuditEntry.id)).all()  # fmt: skip
    assert [a for a, _ in actions] == ["imports.doubts_resolved", "imports.suggestions_accepted"]
    assert actions[0][1]["via"] == "bulk"
    assert actions[1][1] == {"reasons": [REASON], "accepted": 1, "stale": 2, "refused": 0}


def test_the_accounts_value_is_accepted_as_it_is(session, ref, users):
    """Monza, province "XX": the import put Monza's province on the account already."""
    account = factories.doubtful_account(session, ref, "Monza", "XX", "20900")
    (offer,) = accepting.offers(session, "province_unknown").offers
    assert offer.suggestion.shown == "MB" and offer.suggestion.values == {}
    tally = accepting.accept(session, [offer.token], user_id=users["staff"].id)
    assert tally.accepted == 1 and account.status == AccountStatus.READY
    assert account.province == "MB"
    assert session.scalar(sa.select(sa.func.count(FieldChange.id))) == 0  # nothing rewritten


def test_a_fix_that_still_raises_a_doubt_is_refused(session, ref, users):
    """Accepted, the postcode is cleaned with the whole place: an unknown province stored
    on the account since makes the cleaning doubt again, so nothing is saved."""
    account = _cernusco(session, ref, "NERI")
    account.province = "XX"
    session.flush()
    (offer,) = accepting.offers(session, REASON).offers
    tally = accepting.accept(session, [offer.token], user_id=users["staff"].id)
    assert (tally.accepted, tally.refused) == (0, 1)
    assert account.postcode == "20100" and account.status == AccountStatus.TO_REVIEW


def test_two_doubts_of_one_account_are_one_save(session, ref, users):
    """Province unknown and postcode of another comune, on one account: both accepted."""
    account = factories.doubtful_account(session, ref, "Cernusco sul Naviglio", "XX", "20100")
    tokens = [o.token for reason in ("province_unknown", REASON)
              for o in accepting.offers(session, reason).offers]  # fmt: skip
    assert len(tokens) == 2
    tally = accepting.accept(session, tokens, user_id=users["staff"].id)
    assert (tally.accepted, tally.stale) == (2, 0)
    assert (account.province, account.postcode, account.status) == (
        "MI", "20063", AccountStatus.READY)  # fmt: skip


def test_a_page_reads_on_past_doubts_without_a_suggestion(session, ref, monkeypatch):
    monkeypatch.setattr(accepting, "SCAN", 3)
    for _ in range(4):  # Bergamo has nine CAPs: no suggestion
        factories.doubtful_account(session, ref, "Bergamo", "BG", "20100")
    last = _cernusco(session, ref, "ULTIMA")
    first = accepting.offers(session, REASON)
    assert first.offers == [] and first.next_start is not None
    second = accepting.offers(session, REASON, first.next_start)
    assert [o.account.id for o in second.offers] == [last.id] and second.next_start is None
    assert accepting.offers(session, REASON, limit=0).offers == []


def test_a_request_accepts_at_most_a_batch(session, ref, monkeypatch):
    monkeypatch.setattr(accepting, "BATCH", 2)
    with pytest.raises(accepting.TooMany):
        accepting.accept(session, ["1:1:x", "2:1:x", "3:1:x"], user_id=None)


def test_the_pages(client, session, ref, users, auth, monkeypatch):
    accounts = [_cernusco(session, ref, f"AUTOTRASPORTI {n}") for n in range(3)]
    session.commit()
    auth.login("staff")
    listing = client.get("/workspace/doubts").get_data(as_text=True)
    assert f'href="/workspace/doubts/suggested?reason={REASON}"' in listing
    assert 'data-left="3"' in listing
    page = client.get(f"/workspace/doubts/suggested?reason={REASON}").get_data(as_text=True)
    tokens = re.findall(r'name="offer" value="([^"]+)"', page)
    assert len(tokens) == 3 and "20063" in page and 'data-left="3"' in page
    assert client.post(f"/workspace/doubts/suggested?reason={REASON}",
                       data={"offer": tokens}).status_code == 400  # no CSRF token  # fmt: skip
    token = csrf_token(client, "/workspace/doubts")
    monkeypatch.setattr(accepting, "BATCH", 2)
    refused = client.post(f"/workspace/doubts/suggested?reason={REASON}",
                          data={"csrf_token": token, "offer": tokens},
                          follow_redirects=True)  # fmt: skip
    assert "Al massimo 2 suggerimenti" in refused.get_data(as_text=True)
    response = client.post(f"/workspace/doubts/suggested?reason={REASON}",
                           data={"csrf_token": token, "offer": tokens[:2]},
                           follow_redirects=True)  # fmt: skip
    text = response.get_data(as_text=True)
    assert "2 suggerimenti accettati" in text and 'data-left="1"' in text
    session.expire_all()
    assert [a.postcode for a in accounts] == ["20063", "20063", "20100"]
    open_left = sa.select(sa.func.count(AccountFlag.id)).where(
        AccountFlag.status == FlagStatus.OPEN
    )
    assert session.scalar(open_left) == 1
    by_hand = client.get("/workspace/doubts/suggested?reason=vat_invalid")
    assert by_hand.headers["Location"].endswith("/workspace/doubts?reason=vat_invalid")


@pytest.fixture
def committed(app, reference, monkeypatch):
    """A committed account whose e-mail has a suggested fix, for two real transactions;
    removed after."""
    monkeypatch.setattr(doubts, "reference", lambda _session: reference)
    accepted = ("imports.suggestions_accepted",)
    with factories.committed_doubt(app, "x@bianchi,it", actions=accepted) as account_id:
        yield account_id


def test_an_account_saved_by_another_transaction_is_read_again_and_skipped(app, committed):
    """The page was shown (the offer read at version n, its objects kept); another
    transaction then saves the account. Accepting reads the account again as it locks it,
    so the suggestion is skipped as stale rather than failing on the row that moved on."""
    with app.app_context():
        engine = db.engine
        with Session(engine, expire_on_commit=False) as shown, Session(engine) as other:
            (offer,) = accepting.offers(shown, "email_invalid").offers
            assert offer.suggestion.shown == "x@bianchi.it"
            shown.commit()  # the page's request ended; its objects stay as they were read
            saved = other.get_one(Account, committed)
            saved.company_name = "BIANCHI LUIGI"
            other.commit()
            tally = accepting.accept(shown, [offer.token], user_id=None)
            shown.commit()
            assert (tally.accepted, tally.stale) == (0, 1)
        with Session(engine) as check:
            account = check.get_one(Account, committed)
            assert (account.email, account.company_name) == ("x@bianchi,it", "BIANCHI LUIGI")
