"""The review queues one at a time: a decision, then the next item at once; what is left
always on the page; skip, and undo of the last decision; a stale page never overwrites."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, AccountFlag, FlagStatus
from app.accounts.normalise.municipality import bundled_index
from app.accounts.status import AccountStatus
from app.imports import doubts
from app.imports.models import DuplicatePair, FieldChange, PairStatus
from app.imports.pipeline import Reference
from app.territory.municipalities import (
    BUNDLED_REFERENCE_DATE,
    bundled_municipalities,
    search_key,
)
from app.workspace.keys import REVIEW_KEYS
from tests import factories
from tests.conftest import CSRF_RE, csrf_token


@pytest.fixture(scope="module")
def reference() -> Reference:
    """The bundled ISTAT list as the reference (as tests/integration/imports does)."""
    provinces = {search_key(r.province_name): r.province_code for r in bundled_municipalities()}
    return Reference(bundled_index(), provinces, BUNDLED_REFERENCE_DATE)


@pytest.fixture
def ref(reference, monkeypatch):
    monkeypatch.setattr(doubts, "reference", lambda _session: reference)
    return reference


@pytest.fixture
def queue(session, ref):
    """Three accounts to review: Cernusco with Milan's CAP (a suggestion), Castro with no
    clue (none), Monza in "XX" (the account's value is the fix)."""
    made = [
        factories.doubtful_account(session, ref, "Cernusco sul Naviglio", "MI", "20100",
                                   company_name="ROSSI"),
        factories.doubtful_account(session, ref, "Castro", None, None, company_name="NERI"),
        factories.doubtful_account(session, ref, "Monza", "XX", "20900", company_name="VERDI"),
    ]  # fmt: skip
    session.commit()
    return made


def _flag(session, account: Account) -> AccountFlag:
    return session.scalars(sa.select(AccountFlag).where(AccountFlag.account_id == account.id)).one()


def _item(page: str) -> tuple[int, str, str]:
    """The shown doubt's flag id, the left count, the account version on the page."""
    flag = re.search(r'data-flag="(\d+)"', page)
    left = re.search(r'data-testid="left" data-left="(\d+)"', page)
    version = re.search(r'name="version" value="(\d+)"', page)
    return int(flag.group(1)) if flag else 0, left.group(1), version.group(1) if version else ""


def _decide(client, flag_id: int, page: str, **data):
    token = CSRF_RE.search(page).group(1)
    fields = {"csrf_token": token, "version": _item(page)[2], **data}
    return client.post(f"/workspace/doubts/next/{flag_id}", data=fields)


def test_doubts_one_at_a_time_until_none_is_left(client, session, queue, users, auth):
    cernusco, castro, monza = queue
    auth.login("staff")
    page = client.get("/workspace/doubts/next").get_data(as_text=True)
    flag_id, left, _version = _item(page)
    assert flag_id == _flag(session, cernusco).id and left == "3"
    assert "Accetta il suggerimento" in page and "20063" in page
    for name in ("accept", "keep", "edit", "skip", "undo"):  # the keys are on the page
        assert f"<kbd>{REVIEW_KEYS[name].upper()}</kbd>" in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)

    accepted = _decide(client, flag_id, page, decision="accept", token=token)
    assert accepted.status_code == 303
    assert accepted.headers["Location"].endswith(f"/workspace/doubts/next?start={flag_id + 1}")
    page = client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert _item(page)[:2] == (_flag(session, castro).id, "2")
    assert "Nessun suggerimento" in page and "Ultima decisione" in page

    kept = _decide(client, _item(page)[0], page, decision="keep")
    page = client.get(kept.headers["Location"]).get_data(as_text=True)
    assert _item(page)[:2] == (_flag(session, monza).id, "1")
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    last = _decide(client, _item(page)[0], page, decision="accept", token=token)
    page = client.get(last.headers["Location"]).get_data(as_text=True)
    assert 'data-left="0"' in page and "Niente da rivedere" in page
    session.expire_all()
    assert [a.status for a in queue] == [AccountStatus.READY] * 3
    assert (cernusco.postcode, castro.municipality, monza.province) == ("20063", "Castro", "MB")


def test_skip_comes_back_at_the_end(client, session, queue, users, auth):
    auth.login("staff")
    ids = [_flag(session, a).id for a in queue]
    page = client.get("/workspace/doubts/next").get_data(as_text=True)
    skip = re.search(r'href="(/workspace/doubts/next\?start=\d+)" data-review', page).group(1)
    page = client.get(skip).get_data(as_text=True)
    assert _item(page)[0] == ids[1]
    page = client.get(f"/workspace/doubts/next?start={ids[2] + 1}").get_data(as_text=True)
    assert _item(page)[0] == ids[0]  # past the last one: from the beginning again
    only = client.get("/workspace/doubts/next?reason=province_unknown").get_data(as_text=True)
    assert _item(only)[:2] == (ids[2], "1")


def test_a_correction_that_still_doubts_is_refused_with_the_value_kept(
    client, session, queue, users, auth
):
    castro = queue[1]
    auth.login("staff")
    page = client.get("/workspace/doubts/next?reason=municipality_ambiguous").get_data(as_text=True)
    flag_id = _item(page)[0]
    same = _decide(client, flag_id, page, decision="correct", value="Castro")
    assert same.status_code == 200 and "Il valore è quello di prima" in same.get_data(as_text=True)
    refused = _decide(client, flag_id, page, decision="correct", value="Castrum")
    text = refused.get_data(as_text=True)
    assert (
        refused.status_code == 200 and 'value="Castrum"' in text and 'aria-invalid="true"' in text
    )
    fixed = _decide(client, flag_id, page, decision="correct", value="Castro (LE)")
    assert fixed.status_code == 303
    session.expire_all()
    assert (castro.istat_code, castro.province, castro.status) == (
        "075096", "LE", AccountStatus.READY)  # fmt: skip


def test_undo_puts_the_value_and_the_doubt_back(client, session, queue, users, auth):
    cernusco = queue[0]
    auth.login("staff")
    page = client.get("/workspace/doubts/next").get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    _decide(client, _item(page)[0], page, decision="accept", token=token)
    session.expire_all()
    assert cernusco.postcode == "20063" and cernusco.status == AccountStatus.READY
    page = client.get("/workspace/doubts/next").get_data(as_text=True)
    csrf = csrf_token(client, "/workspace/doubts/next")
    undone = client.post("/workspace/doubts/undo", data={"csrf_token": csrf})
    assert undone.status_code == 303
    session.expire_all()
    assert cernusco.postcode == "20100" and cernusco.status == AccountStatus.TO_REVIEW
    assert _flag(session, cernusco).status == FlagStatus.OPEN
    reasons = session.scalars(sa.select(FieldChange.reason).where(
        FieldChange.account_id == cernusco.id).order_by(FieldChange.id)).all()  # fmt: skip
    assert reasons == ["corrected_in_review", "review_undone"]
    page = client.get(undone.headers["Location"]).get_data(as_text=True)
    assert _item(page)[:2] == (_flag(session, cernusco).id, "3")
    again = client.post("/workspace/doubts/undo", data={"csrf_token": csrf}, follow_redirects=True)
    assert "più nulla da annullare" in again.get_data(as_text=True)


def test_undo_refuses_once_someone_saved_the_account(client, session, queue, users, auth):
    castro = queue[1]
    auth.login("staff")
    page = client.get("/workspace/doubts/next?reason=municipality_ambiguous").get_data(as_text=True)
    _decide(client, _item(page)[0], page, decision="keep")
    session.expire_all()
    castro.company_name = "NERI GIOVANNI"  # someone else's save
    session.commit()
    csrf = csrf_token(client, "/workspace/doubts/next")
    answer = client.post("/workspace/doubts/undo", data={"csrf_token": csrf}, follow_redirects=True)
    assert "salvato di nuovo" in answer.get_data(as_text=True)
    session.expire_all()
    assert _flag(session, castro).status == FlagStatus.RESOLVED


def test_a_stale_page_overwrites_nothing(client, session, queue, users, auth):
    cernusco = queue[0]
    auth.login("staff")
    page = client.get("/workspace/doubts/next").get_data(as_text=True)
    cernusco.company_name = "ROSSI MARIO"  # saved by someone else after the page was shown
    session.commit()
    stale = _decide(client, _item(page)[0], page, decision="keep")
    assert stale.status_code == 303 and stale.headers["Location"].endswith(
        f"start={_item(page)[0]}")  # fmt: skip
    session.expire_all()
    assert _flag(session, cernusco).status == FlagStatus.OPEN
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    _decide(client, _item(page)[0], page, decision="accept", token=token)
    session.expire_all()
    assert cernusco.postcode == "20100"
    assert _decide(client, _item(page)[0], page, decision="merge").status_code == 400


# -- pairs ---------------------------------------------------------------------------------


@pytest.fixture
def pairs(session):
    made = []
    for n, score in enumerate((0.9, 0.8, 0.7)):
        a = factories.account(session, company_name=f"DOPPIO {n}", status=AccountStatus.READY)
        b = factories.account(session, company_name=f"DOPPIO {n} BIS", status=AccountStatus.READY)
        made.append(DuplicatePair(account_a_id=a.id, account_b_id=b.id, score=score,
                                  reasons=["similar_name"]))  # fmt: skip
    session.add_all(made)
    session.commit()
    return made


def _decide_pair(client, pair_id: int, button: str):
    token = csrf_token(client, f"/workspace/review/{pair_id}")
    return client.post(f"/workspace/review/{pair_id}", data={"csrf_token": token, button: "1"})


def test_pairs_skip_decide_and_undo(client, session, pairs, users, auth):
    first, second, third = pairs
    auth.login("staff")
    start = client.get("/workspace/review/next")
    assert start.headers["Location"].endswith(f"/workspace/review/{first.id}")
    page = client.get(start.headers["Location"]).get_data(as_text=True)
    assert 'data-left="3"' in page and "<kbd>M</kbd>" in page and "<kbd>D</kbd>" in page
    skipped = client.get(f"/workspace/review/next?after={first.id}")
    assert skipped.headers["Location"].endswith(f"/workspace/review/{second.id}")

    merged = _decide_pair(client, second.id, "same")
    assert merged.status_code == 302
    assert merged.headers["Location"].endswith(f"/workspace/review/{third.id}")
    page = client.get(merged.headers["Location"]).get_data(as_text=True)
    assert 'data-left="2"' in page and "Ultima decisione: unite" in page

    csrf = csrf_token(client, f"/workspace/review/{third.id}")
    undone = client.post("/workspace/review/undo", data={"csrf_token": csrf})
    assert undone.headers["Location"].endswith(f"/workspace/review/{second.id}")
    session.expire_all()
    assert second.status == PairStatus.PENDING and second.decided_by_id is None
    a, b = session.get(Account, second.account_a_id), session.get(Account, second.account_b_id)
    assert (a.status, b.status, b.merged_into_id) == (AccountStatus.READY,) * 2 + (None,)

    different = _decide_pair(client, third.id, "different")
    assert different.headers["Location"].endswith(f"/workspace/review/{first.id}")  # wraps
    client.post("/workspace/review/undo", data={"csrf_token": csrf})
    session.expire_all()
    assert third.status == PairStatus.PENDING
    for pair in (first, second, third):
        _decide_pair(client, pair.id, "different")
    assert client.get("/workspace/review/next").headers["Location"].endswith("/workspace/review")
