"""Earlier qualification results through the import: the answers land on the account's
contact, fleet lines and opportunity, with the batch as their provenance."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from app.accounts.models import (
    Account,
    AccountFlag,
    Contact,
    FlagStatus,
    FleetLine,
    Horizon,
    Opportunity,
    TonnageClass,
)
from app.imports import doubts
from tests import factories

# As Italian Excel writes a results file: ';' separated, Italian headers.
HEADER = ["RAGIONE SOCIALE", "COMUNE", "PROV", "P.IVA", "TELEFONO", "REFERENTE", "RUOLO",
          "TEL. DIRETTO", "CELL. REFERENTE", "E-MAIL REFERENTE", "MARCA", "N VEICOLI",
          "MARCA 2", "N VEICOLI 2", "SCANIA", "N. DAF", "PORTATA", "ORIZZONTE ACQUISTO",
          "VEICOLO DI INTERESSE", "DATA QUALIFICA", "AGENZIA", "NOTE QUALIFICA"]  # fmt: skip
ROSSI = ["Autotrasporti Rossi SRL", "Perugia", "PG", "00743110157", "075 1234567",
         "Mario Rossi", "Titolare", "075 7654321", "333 1234567", "Mario.Rossi@Example.it",
         "IVECO", "12", "volvo", "3", "2 mezzi", "", ">16", "entro 6 mesi",
         "trattore stradale", "20/11/2026", "Agenzia Nord", "richiamare a gennaio"]  # fmt: skip
BIANCHI = ["Bianchi Trasporti SRL", "Milano", "MI", "", "02 7654321", "Anna Bianchi", "",
           "", "347 7654321", "", "MAN", "4", "", "", "", "1", "", "1 anno", "", "2026-10-05",
           "Fiera Verona", ""]  # fmt: skip
VERDI = ["Verdi Logistica SNC", "Torino", "TO", "", "011 1234567", "", "", "", "", "", "", "",
         "", "", "", "", "", "no", "", "05-10-26", "Agenzia Nord", ""]  # fmt: skip
NERI = ["Neri Autotrasporti SAS", "Roma", "RM", "", "06 1234567", "Luca Neri", "", "", "", "",
        "DAF", "dodici", "", "", "5", "", "", "forse", "furgone", "01/10/2026", "", ""]  # fmt: skip


def account(session, name: str) -> Account:
    return session.scalars(sa.select(Account).where(Account.company_name == name)).one()


def flags(session, found: Account) -> set[tuple[str, str | None, str]]:
    query = sa.select(AccountFlag.field, AccountFlag.value, AccountFlag.reason).where(
        AccountFlag.account_id == found.id
    )
    return {tuple(row) for row in session.execute(query)}


def counts(session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Contact, FleetLine, Opportunity)
    )


def test_a_results_file_lands_contact_fleet_and_opportunity(session, write_csv, do_import) -> None:
    batch, report = do_import(write_csv([HEADER, ROSSI, BIANCHI, VERDI]))
    assert report.accounts_created == 3
    rossi = account(session, "AUTOTRASPORTI ROSSI")
    (contact,) = rossi.contacts
    assert (contact.full_name, contact.job_title, contact.phone, contact.email) == (
        "Mario Rossi", "Titolare", "+390757654321", "mario.rossi@example.it")  # fmt: skip
    assert contact.import_batch_id == batch.id and contact.call_attempt_id is None
    assert "+393331234567" in {p.e164 for p in rossi.phones}  # the mobile beside the direct
    fleet = {(f.brand, f.vehicle_count, f.tonnage_class, f.import_batch_id) for f in rossi.fleet}
    assert fleet == {("Iveco", 12, TonnageClass.EXTRA_HEAVY, batch.id),
                     ("Volvo", 3, TonnageClass.EXTRA_HEAVY, batch.id),
                     ("Scania", 2, TonnageClass.EXTRA_HEAVY, batch.id)}  # fmt: skip
    (opportunity,) = rossi.opportunities
    assert (opportunity.horizon, opportunity.vehicle_kind, opportunity.notes) == (
        Horizon.M6, "trattore stradale", "richiamare a gennaio")  # fmt: skip
    assert (opportunity.qualified_on, opportunity.qualified_by) == (
        date(2026, 11, 20), "Agenzia Nord")  # fmt: skip
    assert opportunity.import_batch_id == batch.id and opportunity.call_attempt_id is None

    bianchi = account(session, "BIANCHI TRASPORTI")
    assert [(c.full_name, c.phone) for c in bianchi.contacts] == [("Anna Bianchi",
                                                                    "+393477654321")]  # fmt: skip
    assert {(f.brand, f.vehicle_count) for f in bianchi.fleet} == {("MAN", 4), ("DAF", 1)}
    assert [o.horizon for o in bianchi.opportunities] == [Horizon.M12]
    verdi = account(session, "VERDI LOGISTICA")
    assert verdi.contacts == [] and verdi.fleet == []
    assert [(o.horizon, o.qualified_on) for o in verdi.opportunities] == [
        (Horizon.NONE, date(2026, 10, 5))]  # fmt: skip


def test_the_same_file_twice_creates_nothing_twice(session, write_csv, do_import) -> None:
    path = write_csv([HEADER, ROSSI, BIANCHI, VERDI, NERI])
    do_import(path)
    before = counts(session)
    assert before == (3, 6, 3)
    _, again = do_import(path)
    assert again.rows_unchanged == 4 and counts(session) == before


def test_the_same_answers_in_another_file_are_not_repeated(session, write_csv, do_import) -> None:
    do_import(write_csv([HEADER, ROSSI]))
    moved = [*ROSSI]
    moved[HEADER.index("TELEFONO")] = "075 1111111"  # another row, the same answers
    do_import(write_csv([HEADER, moved], name="altro.csv"))
    rossi = account(session, "AUTOTRASPORTI ROSSI")
    assert (len(rossi.contacts), len(rossi.fleet), len(rossi.opportunities)) == (1, 3, 1)


def test_an_unreadable_horizon_is_flagged_and_the_other_answers_land(
    session, write_csv, do_import
) -> None:
    do_import(write_csv([HEADER, NERI]))
    neri = account(session, "NERI AUTOTRASPORTI")
    assert [c.full_name for c in neri.contacts] == ["Luca Neri"]
    assert [(f.brand, f.vehicle_count) for f in neri.fleet] == [("Scania", 5)]
    assert neri.opportunities == []  # an opportunity is its horizon: none is guessed
    assert {
        ("horizon", "forse", "horizon_unknown"),
        ("vehicle_count", "dodici", "vehicle_count_invalid"),
    } <= flags(session, neri)


def desk_qualified(session, ended_at: datetime) -> Account:
    """Rossi as our desk qualified it (a call on ``ended_at``): the same VAT number."""
    campaign = factories.campaign(session)
    agent = factories.user(session)
    found = factories.qualified(
        session, campaign, agent, horizon="3", contact="Mario Rossi",
        fleet={"IVECO": 10}, company_name="AUTOTRASPORTI ROSSI", vat_number="00743110157",
        municipality="Perugia", province="PG",
    )  # fmt: skip
    for model in (Contact, FleetLine, Opportunity):
        session.execute(sa.update(model).where(model.account_id == found.id)
                        .values(updated_at=ended_at, created_at=ended_at))  # fmt: skip
    session.flush()
    session.expire_all()
    return found


def test_a_newer_desk_answer_is_not_overwritten_and_a_doubt_is_raised(
    session, write_csv, do_import
) -> None:
    found = desk_qualified(session, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # after 20/11
    batch, _ = do_import(write_csv([HEADER, ROSSI]))
    session.expire_all()
    (opportunity,) = found.opportunities
    assert opportunity.horizon == Horizon.M3 and opportunity.call_attempt_id is not None
    (contact,) = found.contacts
    assert (contact.job_title, contact.phone, contact.import_batch_id) == (
        "Responsabile acquisti", None, None)  # fmt: skip
    iveco = next(f for f in found.fleet if f.brand.casefold() == "iveco")
    assert iveco.vehicle_count == 10 and iveco.import_batch_id is None
    assert {("Volvo", 3), ("Scania", 2)} <= {(f.brand, f.vehicle_count) for f in found.fleet}
    doubts = {(f, r) for f, _v, r in flags(session, found)}
    assert {("horizon", "desk_value_newer"), ("contact_name", "desk_value_newer"),
            ("fleet", "desk_value_newer")} <= doubts  # fmt: skip
    held = session.scalars(sa.select(AccountFlag).where(AccountFlag.reason == "desk_value_newer"))
    assert {flag.batch_id for flag in held} == {batch.id}


def test_an_older_desk_answer_gives_way_to_the_file_s(session, write_csv, do_import) -> None:
    found = desk_qualified(session, datetime(2026, 9, 1, 9, 0, tzinfo=UTC))  # before 20/11
    batch, _ = do_import(write_csv([HEADER, ROSSI]))
    session.expire_all()
    assert [o.horizon for o in sorted(found.opportunities, key=lambda o: o.id)] == [
        Horizon.M3,
        Horizon.M6,
    ]  # the file's is the newest: the account's intent now
    (contact,) = found.contacts
    assert (contact.job_title, contact.phone, contact.import_batch_id) == (
        "Titolare", "+390757654321", batch.id)  # fmt: skip
    iveco = next(f for f in found.fleet if f.brand.casefold() == "iveco")
    assert (iveco.vehicle_count, iveco.import_batch_id) == (12, batch.id)
    assert not any(r == "desk_value_newer" for _f, _v, r in flags(session, found))


def test_a_desk_newer_doubt_is_kept_as_any_doubt(session, write_csv, do_import) -> None:
    """The person keeps the desk's answers: the doubt closes, nothing on the account moves."""
    found = desk_qualified(session, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    do_import(write_csv([HEADER, ROSSI]))
    newer = session.scalars(sa.select(AccountFlag).where(AccountFlag.reason == "desk_value_newer"))
    ids = {flag.id for flag in newer}
    outcome = doubts.resolve(session, session.get(Account, found.id), {}, ids, user_id=None)
    assert outcome.errors == {} and outcome.resolved == len(ids) == 3
    session.expire_all()
    statuses = session.scalars(sa.select(AccountFlag.status).where(AccountFlag.id.in_(ids)))
    assert set(statuses) == {FlagStatus.RESOLVED}
    assert [o.horizon for o in found.opportunities] == [Horizon.M3]
