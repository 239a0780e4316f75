"""Loading lists: all or nothing, applied at once to accounts and queues, never served."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Account
from app.accounts.status import AccountStatus as S
from app.audit.models import AuditEntry
from app.campaigns.models import QueueEntry, QueueState
from app.campaigns.queueing import enqueue_accounts
from app.desk.queue import claim
from app.donotcall.models import DncEntry, DncList, DncSource
from app.donotcall.search import look_up
from app.donotcall.services import DncError, add_by_hand
from app.imports.models import SourceKind
from app.imports.services import import_now
from tests import factories
from tests.integration.donotcall.conftest import NOW, TODAY, load, with_phone, write


def ready(session, name: str, **kw) -> Account:
    return factories.account(session, company_name=name, status=S.READY, **kw)


def test_registry_extract_flags_accounts_and_withdraws_waiting_entries(
    session, campaign, users, tmp_path
):
    rome = ready(session, "Trasporti Roma SRL")
    with_phone(session, rome, "06 6982 1234", "+390669821234")
    milan = ready(session, "Autolinee Milano SPA")
    with_phone(session, milan, "02 1234 5678", "+390212345678")
    free = ready(session, "Libero SNC")
    with_phone(session, free, "347 123 4567", "+393471234567")
    enqueue_accounts(session, campaign, [rome.id, milan.id, free.id])
    held = claim(session, campaign, users["agent"].id, NOW)  # an agent holds one now
    assert held is not None
    path = write(tmp_path, "Utenza;Esito\n+39 06 6982 1234;opposto\n0212345678;OPPOSTO\n"
                           "347 123 4567;libero\n0039 333 1234567;opposto\n")  # fmt: skip

    loaded = load(session, path, user_id=users["staff"].id)

    assert (loaded.entries, loaded.free) == (3, 1)
    assert loaded.dnc_list.list_date == TODAY and loaded.dnc_list.entries == 3
    numbers = session.scalars(sa.select(DncEntry.e164).order_by(DncEntry.e164)).all()
    assert numbers == ["+390212345678", "+390669821234", "+393331234567"]
    session.refresh(rome), session.refresh(milan), session.refresh(free)
    assert rome.do_not_call and milan.do_not_call and not free.do_not_call
    entries = {e.account_id: e for e in session.scalars(sa.select(QueueEntry))}
    held_id = held.account_id
    for account in (rome, milan):
        if account.id == held_id:  # in a call now: the call goes on, its outcome is kept
            assert entries[account.id].state == QueueState.LEASED
            assert account.status == S.IN_CALL
        else:
            assert entries[account.id].state == QueueState.DONE
            assert account.status == S.DO_NOT_CALL
    assert entries[free.id].state in (QueueState.WAITING, QueueState.LEASED)
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "donotcall.import"))
    details = audit.one().details
    assert details["entries"] == 3 and details["flagged"] == 2 and details["free"] == 1


def test_a_bad_file_loads_nothing_and_names_its_lines(session, campaign, tmp_path):
    rome = ready(session, "Trasporti Roma SRL")
    with_phone(session, rome, "06 6982 1234", "+390669821234")
    path = write(tmp_path, "telefono\n0669821234\n612345678\n347 123 4567\nciao\n")
    with pytest.raises(DncError) as caught:
        load(session, path)
    message = str(caught.value)
    assert "612345678" in message and "ciao" in message
    assert [b.line for b in caught.value.bad] == [3, 5]
    assert session.scalar(sa.select(sa.func.count(DncList.id))) == 0
    assert session.scalar(sa.select(sa.func.count(DncEntry.id))) == 0
    session.refresh(rome)
    assert not rome.do_not_call


@pytest.mark.parametrize(
    ("list_date", "message"), [(None, "date of the list"), (TODAY + timedelta(days=1), "future")]
)
def test_the_list_date_is_required_and_not_in_the_future(session, tmp_path, list_date, message):
    with pytest.raises(DncError, match=message):
        load(session, write(tmp_path, "0669821234\n"), list_date=list_date)


def test_internal_opt_outs_by_vat_and_account_key(session, tmp_path):
    by_vat = ready(session, "Bianchi SPA", vat_number="01114601006")
    by_key = ready(session, "Verdi SRL")
    other = ready(session, "Neri SRL", vat_number="00743110157")
    path = write(tmp_path, f"P.IVA,Codice account,Motivo\nIT 01114601006,,PEC del 3/4\n"
                           f",{by_key.key.lower()},reclamo\n")  # fmt: skip
    loaded = load(session, path, source="internal")
    assert loaded.applied.flagged == 2
    for account in (by_vat, by_key, other):
        session.refresh(account)
    assert by_vat.do_not_call and by_key.do_not_call and not other.do_not_call
    reasons = session.scalars(sa.select(DncEntry.reason).order_by(DncEntry.id)).all()
    assert reasons == ["PEC del 3/4", "reclamo"]


def test_an_unknown_account_key_refuses_the_file(session, tmp_path):
    path = write(tmp_path, "codice account\nQNOSUCHKEY1\n")
    with pytest.raises(DncError, match="QNOSUCHKEY1"):
        load(session, path, source="internal")
    assert session.scalar(sa.select(sa.func.count(DncEntry.id))) == 0


def test_a_number_added_after_the_list_is_never_served(session, campaign, users, tmp_path):
    load(session, write(tmp_path, "0669821234\n"))
    late = ready(session, "Arrivata Dopo SRL")
    enqueue_accounts(session, campaign, [late.id])
    # The number comes later (an edit, a merge): the flag is not set, the claim still refuses.
    with_phone(session, late, "06 6982 1234", "+390669821234")
    session.refresh(late)
    assert not late.do_not_call
    assert claim(session, campaign, users["agent"].id, NOW) is None
    fine = ready(session, "Chiamabile SRL")
    with_phone(session, fine, "02 1234 5678", "+390212345678")
    enqueue_accounts(session, campaign, [fine.id])
    claimed = claim(session, campaign, users["agent"].id, NOW)
    assert claimed is not None and claimed.account_id == fine.id


@pytest.mark.parametrize("how", ["account", "vat"])
def test_listed_account_or_vat_is_never_served_even_unflagged(session, campaign, users, how):
    account = ready(session, "Bianchi SPA", vat_number="01114601006")
    enqueue_accounts(session, campaign, [account.id])
    entry = DncEntry(source=DncSource.STAFF, reason="test",
                     account_id=account.id if how == "account" else None,
                     vat_number="01114601006" if how == "vat" else None)  # fmt: skip
    session.add(entry)
    session.flush()
    assert claim(session, campaign, users["agent"].id, NOW) is None


def test_an_account_imported_after_the_list_is_flagged_and_never_served(
    app, session, campaign, users, tmp_path, reference
):
    load(session, write(tmp_path, "0669821234\n", "rpo.csv"))
    accounts = write(
        tmp_path,
        "Ragione sociale;Indirizzo;CAP;Comune;Provincia;Telefono\n"
        "Trasporti Tardivi SRL;Via Appia 10;00179;Roma;RM;06 6982 1234\n"
        "Trasporti Liberi SRL;Via Tuscolana 5;00181;Roma;RM;06 7654 3210\n",
        "clienti.csv",
    )
    with app.app_context():
        import_now(session, accounts, SourceKind.CUSTOMER_BASE, reference=reference)
    late = session.scalars(sa.select(Account).where(Account.company_name.ilike("%Tardivi%"))).one()
    other = session.scalars(sa.select(Account).where(Account.company_name.ilike("%Liberi%"))).one()
    assert late.do_not_call and not other.do_not_call
    for account in (late, other):  # as if selected by hand: the claim still refuses it
        session.add(QueueEntry(campaign_id=campaign.id, account_id=account.id))
    session.flush()
    served = []
    while (claimed := claim(session, campaign, users["agent"].id, NOW)) is not None:
        served.append(claimed.account_id)
        session.get(QueueEntry, claimed.entry_id).state = QueueState.DONE
        session.flush()
    assert late.id not in served


def test_staff_add_by_hand_applies_at_once(session, campaign, users):
    account = ready(session, "Rossi SRL")
    with_phone(session, account, "347 123 4567", "+393471234567")
    enqueue_accounts(session, campaign, [account.id])
    entry, applied = add_by_hand(session, phone="347.123.4567", reason="chiesto al telefono",
                                 user_id=users["staff"].id)  # fmt: skip
    assert entry.e164 == "+393471234567" and entry.source == DncSource.STAFF
    assert (applied.flagged, applied.withdrawn) == (1, 1)
    session.refresh(account)
    assert account.do_not_call and account.status == S.DO_NOT_CALL
    assert (
        session.scalars(
            sa.select(AuditEntry.details).where(AuditEntry.action == "donotcall.add")
        ).one()["reason"]
        == "chiesto al telefono"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone": "347 123 4567", "reason": ""}, "why"),
        ({"reason": "x"}, "phone number, a VAT number or an account key"),
        ({"phone": "612345678", "reason": "x"}, "not a valid phone number"),
        ({"vat_number": "01114601007", "reason": "x"}, "not a valid VAT number"),
        ({"account_key": "QZZZZZZZZZZ", "reason": "x"}, "No account has the key"),
    ],
)
def test_staff_add_refuses_bad_input(session, fields, message):
    with pytest.raises(DncError, match=message):
        add_by_hand(session, user_id=None, **fields)
    assert session.scalar(sa.select(sa.func.count(DncEntry.id))) == 0


def test_look_up_says_whether_and_why(session, tmp_path):
    account = ready(session, "Rossi SRL", vat_number="01114601006")
    with_phone(session, account, "06 6982 1234", "+390669821234")
    load(session, write(tmp_path, "0669821234\n"))
    found = look_up(session, "+39 06 6982 1234")
    assert [e.source for e in found.entries] == [DncSource.REGISTRY]
    assert [a.id for a in found.accounts] == [account.id]
    by_key = look_up(session, account.key)
    assert [e.e164 for e in by_key.entries] == ["+390669821234"]
    assert look_up(session, "02 1234 5678").entries == []
