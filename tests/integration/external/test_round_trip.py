"""The round trip: a segment's file out, the data company's corrections back by KEY."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from xlsxwriter import Workbook

from app.accounts.models import Account, AccountFlag, FlagStatus
from app.accounts.segments import Segment
from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.external.exporting import export_segment
from app.external.layout import HEADER
from app.external.refusals import ReturnRefused
from app.external.returning import receive_return, run_return
from app.imports.models import BatchStatus, FieldChange, SourceKind
from tests.integration.external.conftest import read_csv, read_xlsx

NEW_VAT = "76543210157"


def edited(rows: list[list[str]], base) -> list[list[str]]:
    """The file as the company sends it back."""
    by_key = {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    rossi, bianchi = by_key[base["rossi"].key], by_key[base["bianchi"].key]
    rossi.update(INDIRIZZO="Via Milano", CIVICO="8", EMAIL="non è un indirizzo",
                 ESITO="MODIFICATO")  # fmt: skip
    bianchi.update(PARTITA_IVA=f"IT{NEW_VAT}", ESITO="modificato")
    by_key[base["verdi"].key].update(ESITO="ERRATO", NOTE="Ora si chiama VERDI GROUP")
    by_key[base["neri"].key].update(ESITO="CESSATA")
    new = dict.fromkeys(HEADER, "")
    new.update(RAGIONE_SOCIALE="NUOVI TRASPORTI", FORMA_GIURIDICA="SRL", INDIRIZZO="Via Roma",
               CIVICO="1", CAP="20121", COMUNE="Milano", PROVINCIA="MI",
               PARTITA_IVA="11111110158")  # fmt: skip
    return [list(HEADER), *([r[h] for h in HEADER] for r in [*by_key.values(), new])]


def as_csv(rows, tmp_path, name="ritorno.csv"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    path = tmp_path / name
    path.write_bytes(("\ufeff" + buffer.getvalue()).encode())
    return path


def as_xlsx(rows, tmp_path, name="ritorno.xlsx"):
    path = tmp_path / name
    book = Workbook(str(path), {"strings_to_formulas": False})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            sheet.write_string(r, c, cell)
    book.close()
    return path


def send_back(app, session, path, ref, zone_id=None):
    """The file uploaded (its job recorded: these tests run in a rolled-back transaction)
    and the job's work done here, in the same transaction."""
    with app.test_request_context():
        batch = receive_return(session, path, path.name, user_id=None, zone_id=zone_id)
        params = {"batch_id": batch.id, "zone_id": zone_id, "user_id": None}
        run_return(session, params, lambda *a, **k: None, job_id=batch.job_run_id,
                   reference=ref)  # fmt: skip
    return batch


def exported(app, session, file_format, tmp_path):
    with app.test_request_context():
        body = export_segment(session, Segment(provinces=["MI"]), file_format, user_id=None).body
    return read_csv(body) if file_format == "csv" else read_xlsx(body, tmp_path)


def changes(session) -> list[tuple[str, str, str | None, str | None]]:
    query = sa.select(Account.key, FieldChange.field, FieldChange.before, FieldChange.after)
    found = session.execute(query.join(Account, Account.id == FieldChange.account_id)
                            .where(FieldChange.reason == "external_normalisation"))  # fmt: skip
    return sorted(tuple(row) for row in found)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_company_corrections_come_back_by_key(app, session, base, ref, tmp_path,
                                                   file_format) -> None:  # fmt: skip
    rows = edited(exported(app, session, file_format, tmp_path), base)
    path = (as_csv if file_format == "csv" else as_xlsx)(rows, tmp_path)
    batch = send_back(app, session, path, ref)

    assert batch.source_kind == SourceKind.EXTERNAL
    rossi, bianchi, neri = base["rossi"], base["bianchi"], base["neri"]
    assert changes(session) == sorted([
        (rossi.key, "house_number", "12", "8"),
        (rossi.key, "street", "VIA TORINO", "VIA MILANO"),
        (bianchi.key, "vat_number", None, NEW_VAT),
        (neri.key, "status", "ready", "invalid"),
    ])  # fmt: skip
    stamped = session.scalars(sa.select(FieldChange).where(FieldChange.batch_id == batch.id))
    assert {(c.batch_id, c.created_at is not None) for c in stamped} == {(batch.id, True)}
    assert (rossi.street, rossi.house_number, bianchi.vat_number) == ("VIA MILANO", "8", NEW_VAT)
    assert rossi.email is None  # refused: not applied
    assert neri.status == AccountStatus.INVALID
    doubt = session.scalars(
        sa.select(AccountFlag).where(AccountFlag.reason == "external_wrong")
    ).one()
    assert (doubt.account_id, doubt.value, doubt.status) == (
        base["verdi"].id, "Ora si chiama VERDI GROUP", FlagStatus.OPEN)  # fmt: skip
    new = session.scalars(sa.select(Account).where(Account.vat_number == "11111110158")).one()
    assert new.company_name == "NUOVI TRASPORTI" and new.istat_code == "015146"

    report = batch.report["external"]
    assert report["changed_by_field"] == {"street": 1, "house_number": 1, "vat_number": 1,
                                          "status": 1}  # fmt: skip
    assert [(r["key"], r["field"], r["reason"]) for r in report["refused"]] == [
        (rossi.key, "email", "email_invalid")]  # fmt: skip
    assert [d["key"] for d in report["doubts"]] == [base["verdi"].key]
    assert [c["key"] for c in report["closed"]] == [neri.key]
    assert batch.report["accounts_created"] == 1
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "external.returned"))
    assert audit.one().details["created"] == 1


def test_the_same_file_again_changes_nothing(app, session, base, ref, tmp_path) -> None:
    path = as_csv(edited(exported(app, session, "csv", tmp_path), base), tmp_path)
    send_back(app, session, path, ref)
    before = (changes(session), session.scalar(sa.select(sa.func.count(AccountFlag.id))),
              session.scalar(sa.select(sa.func.count(Account.id))))  # fmt: skip
    again = send_back(app, session, path, ref)
    after = (changes(session), session.scalar(sa.select(sa.func.count(AccountFlag.id))),
             session.scalar(sa.select(sa.func.count(Account.id))))  # fmt: skip
    assert after == before
    assert again.report["external"]["changed_by_field"] == {}
    assert again.report["accounts_created"] == 0


def test_an_unknown_key_refuses_the_whole_file(app, session, base, ref, tmp_path) -> None:
    rows = edited(exported(app, session, "csv", tmp_path), base)
    rows.append(["QZZZZZZZZZZ", "FANTASMA SRL", *[""] * (len(HEADER) - 2)])
    path = as_csv(rows, tmp_path)
    before = session.scalar(sa.select(sa.func.count(Account.id)))
    batch = send_back(app, session, path, ref)
    assert batch.status == BatchStatus.FAILED
    assert {"reason": "unknown_key", "row": len(rows), "key": "QZZZZZZZZZZ"} in (
        batch.report["refused"])  # fmt: skip
    assert changes(session) == []  # nothing of the file landed
    assert session.scalar(sa.select(sa.func.count(AccountFlag.id))) == 0
    assert session.scalar(sa.select(sa.func.count(Account.id))) == before
    assert base["neri"].status == AccountStatus.READY


def test_a_file_without_the_key_column_is_refused(app, session, base, ref, tmp_path) -> None:
    path = as_csv([["RAGIONE_SOCIALE", "ESITO"], ["ROSSI", "OK"]], tmp_path)
    with pytest.raises(ReturnRefused, match="KEY"):
        send_back(app, session, path, ref)


def test_a_key_of_another_zone_is_unknown_to_zoned_staff(app, session, base, ref,
                                                         tmp_path) -> None:  # fmt: skip
    from tests import factories

    zone = factories.zone(session)
    rows = edited(exported(app, session, "csv", tmp_path), base)
    batch = send_back(app, session, as_csv(rows, tmp_path), ref, zone_id=zone.id)
    assert batch.status == BatchStatus.FAILED
    assert {r["reason"] for r in batch.report["refused"]} == {"unknown_key", "by_key_only"}
    assert changes(session) == []


def test_repeated_keys_are_named_ten_at_a_time(app, session, base, ref, tmp_path) -> None:
    key = base["rossi"].key
    rows = [["KEY", "ESITO"], *([key, "OK"] for _ in range(13))]
    batch = send_back(app, session, as_csv(rows, tmp_path), ref)
    reasons = batch.report["refused"]
    assert [r["row"] for r in reasons if r["reason"] == "repeated_key"] == list(range(3, 13))
    assert reasons[-2:] == [{"reason": "more_repeated_key", "count": 2},
                            {"reason": "by_key_only"}]  # fmt: skip
    assert changes(session) == []


def test_a_corrected_value_answers_its_doubt_and_releases_the_account(
    app, session, base, ref, tmp_path
) -> None:
    """The company names the comune the import could not decide: the doubt on the place is
    resolved and the account it held for review is ready again. A doubt the file does not
    answer stays; an account held for another reason (a duplicate an agent found) stays."""
    bianchi, rossi, verdi = base["bianchi"], base["rossi"], base["verdi"]
    for held in (bianchi, verdi):
        held.status, held.municipality, held.istat_code = AccountStatus.TO_REVIEW, "Castro", None
    session.add_all([
        AccountFlag(account_id=bianchi.id, field="municipality", value="Castro",
                    reason="municipality_ambiguous"),
        AccountFlag(account_id=verdi.id, field="email", value="verdi@", reason="email_invalid"),
        AccountFlag(account_id=rossi.id, field="vat_number", value="0123",
                    reason="vat_length_wrong"),  # its row changes the street only
    ])  # fmt: skip
    session.flush()
    with app.test_request_context():
        body = export_segment(session, Segment(provinces=["MI"], statuses=[
            AccountStatus.READY, AccountStatus.TO_REVIEW]), "csv", user_id=None).body  # fmt: skip
    rows = edited(read_csv(body), base)
    for row in rows[1:]:
        cells = dict(zip(rows[0], row, strict=True))
        if cells["KEY"] == bianchi.key:
            row[rows[0].index("COMUNE")] = "Milano"
        if cells["KEY"] == verdi.key:
            row[rows[0].index("ESITO")], row[rows[0].index("NOTE")] = "MODIFICATO", ""
            row[rows[0].index("COMUNE")] = "Milano"
            row[rows[0].index("EMAIL")] = "info@verdi.it"
    send_back(app, session, as_csv(rows, tmp_path), ref)
    flags = {(f.account_id, f.field): f.status for f in session.scalars(sa.select(AccountFlag))}
    assert flags[(bianchi.id, "municipality")] == FlagStatus.RESOLVED
    assert flags[(rossi.id, "vat_number")] == FlagStatus.OPEN
    assert flags[(verdi.id, "email")] == FlagStatus.RESOLVED
    assert (bianchi.municipality, bianchi.istat_code) == ("Milano", "015146")
    assert bianchi.status == AccountStatus.READY
    assert verdi.status == AccountStatus.TO_REVIEW  # no doubt held it: another reason did
