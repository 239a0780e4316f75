"""Accounts that arrive qualified: a results file's contact and horizon, within the age
staff chose, mark the account "qualified elsewhere" and make it qualified."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import time_machine

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.board.models import BoardOutcomeTally, BoardTally, BoardTallyDelta
from app.campaigns.models import QueueState
from app.desk.models import CallAttempt
from tests import factories
from tests.integration.imports.test_qualification_results import (
    BIANCHI,
    HEADER,
    NERI,
    ROSSI,
    VERDI,
)

UNDATED = ["Gialli Trasporti SRL", "Bologna", "BO", "", "051 1234567", "Paolo Gialli", "",
           "", "", "", "IVECO", "2", "", "", "", "", "", "3 mesi", "", "", "Agenzia Nord",
           ""]  # fmt: skip
OLD = ["Viola Logistica SRL", "Genova", "GE", "", "010 1234567", "Rita Viola", "", "", "", "",
       "MAN", "7", "", "", "", "", "", "6 mesi", "", "10/01/2024", "Fiera 2024", ""]  # fmt: skip
NO_CONTACT = ["Blu Autotrasporti SRL", "Bari", "BA", "", "080 1234567", "", "", "", "", "",
              "DAF", "3", "", "", "", "", "", "12 mesi", "", "01/12/2026", "", ""]  # fmt: skip
TODAY = date(2026, 12, 15)


def account(session, name: str) -> Account:
    return session.scalars(sa.select(Account).where(Account.company_name == name)).one()


def marked(session) -> dict[str, tuple[date | None, int | None, AccountStatus]]:
    query = sa.select(Account.company_name, Account.qualified_elsewhere_on,
                      Account.qualified_elsewhere_batch_id, Account.status)  # fmt: skip
    return {name: (on, batch, status) for name, on, batch, status in session.execute(query)}


def test_a_contact_and_a_horizon_within_the_age_make_the_account_qualified(
    session, write_csv, do_import
) -> None:
    rows = [HEADER, ROSSI, BIANCHI, VERDI, NERI, UNDATED, OLD, NO_CONTACT]
    with time_machine.travel(TODAY, tick=False):
        batch, report = do_import(write_csv(rows), qualified_within_months=12)
    assert batch.qualified_within_months == 12
    found = marked(session)
    assert found["AUTOTRASPORTI ROSSI"] == (date(2026, 11, 20), batch.id, AccountStatus.QUALIFIED)
    assert found["BIANCHI TRASPORTI"] == (date(2026, 10, 5), batch.id, AccountStatus.QUALIFIED)
    # "no" is no qualification; an unknown horizon, no date, too old, no contact: neither.
    for name in ("VERDI LOGISTICA", "NERI AUTOTRASPORTI", "GIALLI TRASPORTI",
                 "VIOLA LOGISTICA", "BLU AUTOTRASPORTI"):  # fmt: skip
        assert found[name] == (None, None, AccountStatus.READY), name
    assert report.qualified_elsewhere == 2
    assert batch.report["qualified_elsewhere"] == 2


def test_the_age_is_staff_s_choice(session, write_csv, do_import) -> None:
    with time_machine.travel(TODAY, tick=False):
        batch, report = do_import(write_csv([HEADER, ROSSI, BIANCHI]), qualified_within_months=2)
    found = marked(session)
    assert found["AUTOTRASPORTI ROSSI"][1] == batch.id
    assert found["BIANCHI TRASPORTI"] == (None, None, AccountStatus.READY)  # 5 Oct: over 2 months
    assert report.qualified_elsewhere == 1


def test_the_default_age_is_twelve_months(session, write_csv, do_import) -> None:
    with time_machine.travel(TODAY, tick=False):
        batch, _report = do_import(write_csv([HEADER, ROSSI, OLD]))
    assert batch.qualified_within_months == 12
    assert marked(session)["VIOLA LOGISTICA"][0] is None  # January 2024: too old


def test_an_account_waiting_in_a_queue_is_taken_out_of_it(session, write_csv, do_import) -> None:
    """Nobody calls again an account an earlier action qualified: one queued before the
    file came (staff could not know) leaves its queue, its entry ended, and is qualified;
    a callback waiting likewise."""
    campaign = factories.campaign(session)
    queued = factories.account(session, company_name="AUTOTRASPORTI ROSSI", legal_form="SRL",
                               vat_number="00743110157", municipality="Perugia",
                               province="PG", status=AccountStatus.QUEUED)  # fmt: skip
    calling_back = factories.account(session, company_name="BIANCHI TRASPORTI",
                                     vat_number="02744110152", municipality="Milano",
                                     province="MI", status=AccountStatus.CALLBACK)  # fmt: skip
    entries = [factories.queue_entry(session, campaign, account=queued),
               factories.queue_entry(session, campaign, account=calling_back,
                                     is_callback=True)]  # fmt: skip
    bianchi = [*BIANCHI[:3], "02744110152", *BIANCHI[4:]]  # found by its VAT number
    with time_machine.travel(TODAY, tick=False):
        batch, report = do_import(write_csv([HEADER, ROSSI, bianchi]))
    for entry in entries:
        session.refresh(entry)
        assert entry.state == QueueState.DONE
    for found in (queued, calling_back):
        session.refresh(found)
        assert (found.qualified_elsewhere_batch_id, found.status) == (
            batch.id,
            AccountStatus.QUALIFIED,
        )
    assert report.qualified_elsewhere == 2
    assert report.taken_out_of_queues == 2
    assert batch.report["taken_out_of_queues"] == 2


def test_an_account_in_a_call_or_distributed_is_marked_but_stays_where_it_is(
    session, write_csv, do_import
) -> None:
    """The agent on the line now decides; a distributed account stays the salesperson's."""
    campaign = factories.campaign(session)
    in_call = factories.account(session, company_name="AUTOTRASPORTI ROSSI", legal_form="SRL",
                                vat_number="00743110157", municipality="Perugia",
                                province="PG", status=AccountStatus.IN_CALL)  # fmt: skip
    entry = factories.queue_entry(session, campaign, account=in_call, state=QueueState.LEASED)
    distributed = factories.account(session, company_name="BIANCHI TRASPORTI",
                                    vat_number="02744110152", municipality="Milano",
                                    province="MI", status=AccountStatus.DISTRIBUTED)  # fmt: skip
    bianchi = [*BIANCHI[:3], "02744110152", *BIANCHI[4:]]
    with time_machine.travel(TODAY, tick=False):
        batch, report = do_import(write_csv([HEADER, ROSSI, bianchi]))
    session.refresh(entry)
    assert entry.state == QueueState.LEASED
    for found, status in ((in_call, AccountStatus.IN_CALL),
                          (distributed, AccountStatus.DISTRIBUTED)):  # fmt: skip
        session.refresh(found)
        assert (found.qualified_elsewhere_batch_id, found.status) == (batch.id, status)
    assert report.taken_out_of_queues == 0


def test_they_are_counted_apart_never_in_a_redemption(session, write_csv, do_import) -> None:
    """The redemption figures are tallied from calls (``board.tally_writes``, fed by the
    desk's attempts): an account qualified by a file writes no call and no tally row."""
    with time_machine.travel(TODAY, tick=False):
        batch, report = do_import(write_csv([HEADER, ROSSI, BIANCHI]))
    assert report.qualified_elsewhere == 2
    for model in (CallAttempt, BoardTally, BoardTallyDelta, BoardOutcomeTally):
        assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
    by_batch = sa.select(sa.func.count()).where(Account.qualified_elsewhere_batch_id == batch.id)
    assert session.scalar(by_batch) == 2
