"""An export run end to end: parts, assembly, the published files read back, audit."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.accounts.names import written_parts
from app.audit.models import AuditEntry
from app.distribution import exporting, services
from app.distribution.models import ExportStatus, WaveStatus
from app.jobs.models import JobRun, JobStatus
from tests.integration.distribution.conftest import run_jobs

HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def confirmed(session, network):
    network.qualified(
        session,
        horizon="3",
        province="MI",
        company_name="Autotrasporti Nicolò",
        vat_number="01234567897",
        notes="Richiamare dopo le 15",
    )
    network.qualified(
        session, horizon="12", province="MI", company_name=HOSTILE, fleet={"Scania": 4}
    )
    network.qualified(session, horizon="6", province="MI", company_name="<b>Logistica</b> SpA")
    network.qualified(
        session, horizon="6", province="TO", postcode="10121", company_name="Trasporti Torinesi SRL"
    )
    wave = services.create_wave(session, "Novembre 2026", 50, by=None)
    services.confirm_wave(session, wave, by=None)
    return wave


def export(app, session, wave, **kw):
    with app.test_request_context():
        run = exporting.start_export(session, wave, parts=2, by=None, **kw)
    session.commit()
    run_jobs(app, session)
    session.refresh(run)
    return run


def test_the_run_publishes_every_salespersons_files_and_a_manifest(
    app, session, network, confirmed, exports
):
    run = export(app, session, confirmed)
    assert run.status == ExportStatus.DONE, run.message
    folder = exports / run.folder
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["totals"]["accounts"] == 4 and manifest["totals"]["salespeople"] == 3
    assert manifest["totals"]["by_horizon"] == {"3": 1, "6": 2, "12": 1, "none": 0}
    assert [p["code"] for p in manifest["salespeople"]] == ["MI-V01", "MI-V02", "TO-V01"]
    assert not list(exports.glob(".staging-*"))  # renamed into place, nothing left aside
    assert run.manifest["zip"]["name"] == manifest["zip"]["name"] == "Novembre_2026.zip"
    with zipfile.ZipFile(folder / manifest["zip"]["name"]) as everything:
        names = everything.namelist()
        assert names[0] == "manifest.json"
        for person in manifest["salespeople"]:
            for entry in person["files"]:
                body = everything.read(entry["path"])
                assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    torino = next(p for p in manifest["salespeople"] if p["code"] == "TO-V01")
    with zipfile.ZipFile(folder / "salespeople" / torino["zip"]["name"]) as one:
        names = sorted(one.namelist())
        folder_name = torino["folder"]
        assert all(n.startswith(folder_name + "/") for n in names)
        suffixes = sorted(n.rsplit(".", 1)[1] for n in names)
        assert suffixes == ["csv", "csv", "csv", "csv", "pdf", "xlsx"]
        assert {n.rsplit("/", 1)[1] for n in names if "/crm/" in n} == {
            "EIM_ACCOUNT.csv",
            "EIM_CONTACT.csv",
            "EIM_OPTY.csv",
        }


def _member(folder, person, suffix: str) -> bytes:
    with zipfile.ZipFile(folder / "salespeople" / person["zip"]["name"]) as one:
        [name] = [n for n in one.namelist() if n.endswith(suffix) and "/crm/" not in n]
        return one.read(name)


def test_the_files_contain_what_was_captured_and_are_formula_safe(
    app, session, network, confirmed, exports, pdf_text
):
    run = export(app, session, confirmed)
    folder = exports / run.folder
    people = {p["code"]: p for p in run.manifest["salespeople"]}
    # The Milan pool: three accounts shared between two salespeople, urgent first.
    milan = [p for code, p in people.items() if code.startswith("MI")]
    assert sorted(p["accounts"] for p in milan) == [1, 2]
    rows = []
    for person in milan:
        book = load_workbook(io.BytesIO(_member(folder, person, ".xlsx")))
        sheet = book.active
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
        values = list(sheet.iter_rows(values_only=True))
        header = values[0]
        rows += [dict(zip(header, row, strict=True)) for row in values[1:]]
    by_company = {r["Ragione sociale"]: r for r in rows}
    nicolo = by_company["Autotrasporti Nicolò"]
    assert nicolo["Partita IVA"] == "01234567897"
    assert nicolo["Veicoli in flotta"] == 15
    assert nicolo["Flotta: IVECO"] == 12 and nicolo["Flotta: Volvo"] == 3
    assert nicolo["Responsabile acquisti"] == "Mario Rossi"
    assert nicolo["Orizzonte (mesi)"] == 3
    assert "Richiamare dopo le 15" in nicolo["Note"]
    assert nicolo["Qualificato da"] == "Giulia Agente"
    # A string cell, as people read a name (app.accounts.names): shown as text, never run.
    assert written_parts(HOSTILE)[0] in by_company
    assert "<B>Logistica</B>" in by_company
    # The CSV says the same, for Italian Excel: BOM, semicolons.
    body = _member(folder, people["TO-V01"], ".csv").decode("utf-8")
    assert body.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    # The name as people read it, its legal form in its own column the Italian way.
    assert [(r["Ragione sociale"], r["Forma giuridica"]) for r in table] == [
        ("Trasporti Torinesi", "S.r.l.")
    ]
    # The PDF: one page per account, the salesperson and the wave on it.
    pdf = folder / "check.pdf"
    pdf.write_bytes(_member(folder, people["TO-V01"], ".pdf"))
    text = pdf_text(pdf)
    assert "Trasporti Torinesi S.r.l." in text and "Novembre 2026" in text
    assert "TO-V01" in text


def test_exporting_a_confirmed_wave_again_gives_the_same_files(
    app, session, network, confirmed, exports
):
    first = export(app, session, confirmed)
    second = export(app, session, confirmed)
    assert first.folder != second.folder
    assert first.manifest == second.manifest
    a = (exports / first.folder / first.manifest["zip"]["name"]).read_bytes()
    b = (exports / second.folder / second.manifest["zip"]["name"]).read_bytes()
    assert a == b


def test_the_export_and_its_accounts_are_in_the_audit_log(
    app, session, network, confirmed, exports
):
    run = export(app, session, confirmed)
    started = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "distribution.export_started")
    ).one()
    assert started.object_id == str(run.id) and len(started.details["accounts"]) == 4


def test_a_failing_part_fails_the_run_and_publishes_nothing(
    app, session, network, confirmed, exports, monkeypatch
):
    calls = []

    def broken(pack, **kw):
        calls.append(pack.recipient.code)
        raise OSError("disk full")

    monkeypatch.setattr(exporting, "render_pdf", broken)
    with pytest.raises(OSError, match="disk full"):
        export(app, session, confirmed)
    run = session.scalars(sa.select(exporting.ExportRun)).one()
    session.refresh(run)  # the failed part failed its run, in the job's failure transaction
    assert run.status == ExportStatus.FAILED and "disk full" in run.message
    with app.app_context():
        state = exporting.refresh(session, run)
    assert state.status == "failed" and "disk full" in state.message
    assert run.folder is None and not list(exports.glob("run-*"))
    assert not list(exports.glob(".staging-*"))  # swept
    failed = session.scalars(sa.select(JobRun).where(JobRun.status == JobStatus.FAILED)).all()
    assert failed
    # Fixed, it runs again to the end.
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(exports))
    session.info["dispatched_jobs"].clear()
    again = export(app, session, confirmed)
    assert again.status == ExportStatus.DONE


def test_only_a_confirmed_wave_is_exported(app, session, network, exports):
    network.qualified(session, province="MI")
    wave = services.create_wave(session, "Bozza", 50, by=None)
    with pytest.raises(services.DistributionError, match="Confirm"):
        exporting.start_export(session, wave, by=None)


def test_an_export_without_pdfs_leaves_them_out(app, session, network, confirmed, exports):
    run = export(app, session, confirmed, pdf=False)
    assert run.status == ExportStatus.DONE and run.manifest["pdf"] is False
    paths = [f["path"] for p in run.manifest["salespeople"] for f in p["files"]]
    assert paths and not any(path.endswith(".pdf") for path in paths)
    assert any(path.endswith(".xlsx") for path in paths)
    assert exporting.includes_pdf(session, run) is False


def test_a_wave_cannot_be_cancelled_while_exporting_and_its_files_go_once_cancelled(
    app, client, users, auth, session, network, confirmed, exports
):
    with app.test_request_context():
        run = exporting.start_export(session, confirmed, by=None)
    session.commit()
    with app.app_context(), pytest.raises(services.DistributionError, match="ondata è in corso"):
        services.cancel_wave(session, confirmed, by=None)
    run_jobs(app, session)
    session.refresh(run)
    assert run.status == ExportStatus.DONE
    auth.login("staff")
    person = run.manifest["salespeople"][0]["salesperson_id"]
    url = f"/distribution/exports/{run.id}/salespeople/{person}.zip"
    with client.get(url) as download:  # closed: it holds the file open
        assert download.status_code == 200
    with app.app_context():
        services.cancel_wave(session, confirmed, by=None)
    session.commit()
    assert client.get(url).status_code == 410
    assert client.get(f"/distribution/exports/{run.id}/download").status_code == 410
    page = client.get(f"/distribution/exports/{run.id}").get_data(as_text=True)
    assert 'data-testid="export-withdrawn"' in page


def test_a_part_of_a_wave_cancelled_meanwhile_writes_nothing(
    app, session, network, confirmed, exports
):
    with app.test_request_context():
        run = exporting.start_export(session, confirmed, by=None)
    session.commit()
    confirmed.status = WaveStatus.CANCELLED  # as if cancelled between start and the job
    session.commit()
    with pytest.raises(services.DistributionError, match="Confirm the wave"):
        run_jobs(app, session)
    with app.app_context():
        assert exporting.refresh(session, run).status == "failed"
    assert not list(exports.glob("run-*")) and not list(exports.glob(".staging-*"))


def test_a_wave_is_exported_once_at_a_time(app, session, network, confirmed, exports):
    """A second export of a wave whose export is under way is refused; each of the run's
    jobs holds a key of its own (its part, or the run's assembly)."""
    with app.test_request_context():
        run = exporting.start_export(session, confirmed, parts=2, by=None)
        session.commit()
        with pytest.raises(services.DistributionError, match="già in corso"):
            exporting.start_export(session, confirmed, by=None)
    session.rollback()
    jobs = session.scalars(sa.select(JobRun).where(JobRun.id.in_(run.job_ids))).all()
    parts = range(run.parts_total)  # two on PostgreSQL, one on SQLite
    expected = {f"distribution.export_part:run={run.id}:part={n}" for n in parts}
    assert {job.key for job in jobs} == expected
    run_jobs(app, session)
    assembly = session.scalars(
        sa.select(JobRun).where(JobRun.kind == "distribution.export_assemble")
    ).one()
    assert assembly.key == f"distribution.export_assemble:run={run.id}"
    session.refresh(run)
    assert run.status == ExportStatus.DONE
    again = export(app, session, confirmed)  # once it has ended, the wave exports again
    assert again.status == ExportStatus.DONE and again.id != run.id
