"""The file for an external data company: a segment's accounts out, by key, audited."""

from __future__ import annotations

import sqlalchemy as sa

from app.accounts.segments import Segment
from app.audit.models import AuditEntry
from app.external.exporting import export_segment
from app.external.layout import HEADER
from tests.integration.external.conftest import read_csv, read_xlsx


def test_the_csv_holds_one_row_per_account_of_the_segment(app, session, base) -> None:
    with app.test_request_context():
        exported = export_segment(session, Segment(provinces=["MI"]), "csv", user_id=None)
    rows = read_csv(exported.body)
    assert tuple(rows[0]) == HEADER
    by_key = {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    assert set(by_key) == {base[n].key for n in ("rossi", "bianchi", "verdi", "neri")}
    rossi = by_key[base["rossi"].key]
    assert rossi["RAGIONE_SOCIALE"] == "TRASPORTI ROSSI" and rossi["FORMA_GIURIDICA"] == "SRL"
    assert rossi["INDIRIZZO"] == "VIA TORINO" and rossi["CIVICO"] == "12"
    assert (rossi["CAP"], rossi["COMUNE"], rossi["PROVINCIA"], rossi["ISTAT"]) == (
        "20121", "Milano", "MI", "015146")  # fmt: skip
    assert rossi["PARTITA_IVA"] == "01234560157"
    assert rossi["TELEFONO"] == "02 7202 1234"  # as Italians write it: no leading "+"
    assert rossi["ESITO"] == rossi["NOTE"] == "" and rossi["TELEFONO_2"] == ""
    assert exported.accounts == 4 and exported.filename.endswith(".csv")


def test_the_xlsx_holds_the_same_rows(app, session, base, tmp_path) -> None:
    with app.test_request_context():
        csv_file = export_segment(session, Segment(provinces=["MI"]), "csv", user_id=None)
        xlsx_file = export_segment(session, Segment(provinces=["MI"]), "xlsx", user_id=None)
    assert read_xlsx(xlsx_file.body, tmp_path) == read_csv(csv_file.body)


def test_a_formula_leaves_inert(app, session, base, tmp_path) -> None:
    base["verdi"].company_name = '=HYPERLINK("http://x")'
    session.flush()
    with app.test_request_context():
        csv_file = export_segment(session, Segment(provinces=["MI"]), "csv", user_id=None)
        xlsx_file = export_segment(session, Segment(provinces=["MI"]), "xlsx", user_id=None)
    assert '\'=HYPERLINK("http://x")' in [r[1] for r in read_csv(csv_file.body)]
    assert '=HYPERLINK("http://x")' in [r[1] for r in read_xlsx(xlsx_file.body, tmp_path)]


def test_what_left_is_audited(app, session, base, users) -> None:
    with app.test_request_context():
        export_segment(session, Segment(provinces=["RM"]), "xlsx", user_id=users["staff"].id)
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "external.exported")
    ).one()
    assert entry.user_id == users["staff"].id
    assert entry.details["accounts"] == 1 and entry.details["format"] == "xlsx"
    assert entry.details["keys"] == [base["roma"].key]
    assert entry.details["segment"]["provinces"] == ["RM"]


def test_an_account_opposed_to_calls_never_leaves(app, session, base) -> None:
    with app.test_request_context():
        exported = export_segment(session, Segment(), "csv", user_id=None)
    assert base["blocked"].key not in {row[0] for row in read_csv(exported.body)}
