"""``flask accounts import``: the same import from the shell."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.accounts.models import Account
from app.imports.models import ImportBatch
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities

ROWS = [["RAGIONE SOCIALE", "COMUNE", "PROV"], ["Rossi SRL", "Cantu'", "CO"],
        ["", "Roma", "RM"]]  # fmt: skip


def test_the_shell_import_reports_and_commits(runner, session, write_csv) -> None:
    load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    session.commit()
    result = runner.invoke(args=["accounts", "import", str(write_csv(ROWS)), "--source",
                                 "purchased_list"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "rows_read: 2" in result.output and "accounts_created: 1" in result.output
    assert "rejected_by_reason.company_name_missing: 1" in result.output
    account = session.scalars(sa.select(Account)).one()
    assert (account.company_name, account.istat_code) == ("ROSSI", "013041")


def test_a_dry_run_writes_nothing(runner, session, write_csv) -> None:
    load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    session.commit()
    result = runner.invoke(args=["accounts", "import", str(write_csv(ROWS)), "--dry-run"])
    assert result.exit_code == 0 and "dry run: nothing written" in result.output
    assert session.scalar(sa.select(sa.func.count(Account.id))) == 0
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_a_mapping_file_is_used_and_checked(runner, session, write_csv, tmp_path) -> None:
    bad = tmp_path / "mapping.json"
    bad.write_text(json.dumps({"COMUNE": "municipality"}))  # no company name
    result = runner.invoke(args=["accounts", "import", str(write_csv(ROWS)), "--mapping",
                                 str(bad)])  # fmt: skip
    assert result.exit_code == 1
    assert "Scegliete la colonna che contiene company_name" in result.output  # Italian: the default
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_errors_are_clear_and_write_nothing(runner, session, tmp_path, write_csv) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(args=["accounts", "import", str(empty)])
    assert result.exit_code == 1 and "Il file è vuoto" in result.output
    result = runner.invoke(args=["accounts", "import", str(write_csv(ROWS))])
    assert result.exit_code == 1 and "elenco dei comuni è vuoto" in result.output
    assert session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0
