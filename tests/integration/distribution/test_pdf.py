"""The salesperson's PDF, read back as a person would: by poppler's text extraction."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from app.distribution.sheets import (
    AccountSheet,
    ContactItem,
    FleetItem,
    Pack,
    Recipient,
    WaveInfo,
)
from app.distribution.writers.pdf import render_pdf

RECIPIENT = Recipient(id=7, code="MI-V01", full_name="Marco Venditore")
WAVE = WaveInfo(id=3, label="Ondata marzo", confirmed_on=date(2025, 3, 10))


def sheet(n: int = 1, **changes: object) -> AccountSheet:
    values: dict[str, object] = {
        "key": f"ACC-{n:04d}",
        "company_name": f"Autotrasporti Numero {n}",
        "legal_form": "S.r.l.",
        "vat_number": f"IT0000000{n:04d}",
        "tax_code": f"0000000{n:04d}",
        "street": "Via Emilia",
        "house_number": "12",
        "postcode": "40133",
        "municipality": "Bologna",
        "province": "BO",
        "istat_code": "037006",
        "phones": ("+39051123456",),
        "email": "info@example.it",
        "tonnage_class": "gt_16",
        "fleet": (FleetItem("Iveco", 4, "gt_16"), FleetItem("Volvo", 2, "7_5_16")),
        "contacts": (
            ContactItem("Mario Rossi", "Titolare", "+393331234567", "mario@example.it", True),
            ContactItem("Anna Verdi", "Amministrazione"),
        ),
        "horizon": "6",
        "vehicle_kind": "Trattore stradale",
        "quantity": 2,
        "opportunity_notes": "Preventivo per due trattori",
        "notes": "Richiamare il lunedì mattina",
        "qualified_at": datetime(2025, 3, 4, 9, 30),
        "agent_name": "Giulia Agente",
        "campaign_code": "CAMP1",
        "zone_code": "NORD",
        "dealer_code": "D-MI",
        "dealer_name": "Concessionaria Milano",
    }
    values.update(changes)
    return AccountSheet(**values)  # type: ignore[arg-type]


def pack(*sheets: AccountSheet) -> Pack:
    return Pack(recipient=RECIPIENT, wave=WAVE, sheets=sheets)


@pytest.fixture
def render(app, tmp_path) -> Callable[..., Path]:
    """``render(pack, locale="it")``: the PDF written to a file, for poppler to read."""

    def write(value: Pack, locale: str = "it") -> Path:
        with app.app_context():
            data = render_pdf(value, locale=locale)
        path = tmp_path / f"pack-{locale}.pdf"
        path.write_bytes(data)
        return path

    return write


def test_one_page_per_account_each_with_salesperson_and_wave(render, pdf_text, page_count):
    path = render(pack(sheet(1), sheet(2), sheet(3)))

    assert page_count(path) == 3
    for number in (1, 2, 3):
        page = pdf_text(path, number)
        assert "Marco Venditore (MI-V01)" in page
        assert "Ondata marzo" in page
        assert "10 mar 2025" in page
        assert f"Autotrasporti Numero {number} S.r.l." in page
        assert re.search(rf"\b{number}\s*/\s*3\b", page)


def test_the_captured_values_come_out(render, pdf_text):
    text = pdf_text(render(pack(sheet())))

    for value in (
        "Autotrasporti Numero 1 S.r.l.",
        "ACC-0001",
        "IT00000000001",
        "Via Emilia 12, 40133 Bologna (BO)",
        "037006",
        "051 123456",
        "Mario Rossi (responsabile acquisti) · Titolare · 333 123 4567",
        "Anna Verdi · Amministrazione",
        "entro 6 mesi",
        "Trattore stradale",
        "Preventivo per due trattori",
        "Richiamare il lunedì mattina",
        "Giulia Agente",
        "CAMP1",
        "D-MI · Concessionaria Milano",
    ):
        assert value in text
    assert re.search(r"Iveco\s+4\s+oltre 16 t", text)
    assert re.search(r"Volvo\s+2\s+da 7,5 a 16 t", text)
    assert re.search(r"Totale\s+6\b", text)


def test_italian_by_default_english_on_request(render, pdf_text):
    italian = pdf_text(render(pack(sheet())))
    english = pdf_text(render(pack(sheet()), locale="en"))

    assert "entro 6 mesi" in italian and "Orizzonte di acquisto" in italian
    assert "within 6 months" in english and "Purchase horizon" in english
    assert "Mario Rossi (purchasing manager)" in english
    assert "Mar 10, 2025" in english


def test_empty_values_print_as_a_dash(render, pdf_text):
    bare = AccountSheet(key="ACC-9", company_name="Solo Nome")

    text = pdf_text(render(pack(bare)))

    assert re.search(r"Partita IVA\s+—", text)
    assert re.search(r"Quantità\s+—", text)
    assert "nessun acquisto previsto" in text
    assert "None" not in text


def test_hostile_text_prints_literally(render, pdf_text):
    hostile = sheet(
        company_name="<script>alert(1)</script>",
        legal_form='=HYPERLINK("http://x")',
        vat_number="=1+2",
        notes="<b>x</b> & <i>y</i>",
        agent_name='Eve "<img src=x>"',
    )

    recipient = replace(RECIPIENT, full_name='Eve <b>"Mallory"</b>')

    text = pdf_text(render(Pack(recipient=recipient, wave=WAVE, sheets=(hostile,))))

    assert 'Eve <b>"Mallory"</b> (MI-V01)' in text
    # The name as people read it (app.accounts.names), the markup printed as text.
    assert '<Script>Alert(1)</Script> =HYPERLINK("http://x")' in text
    assert "=1+2" in text
    assert "<b>x</b> & <i>y</i>" in text
    assert 'Eve "<img src=x>"' in text


def test_the_same_pack_gives_the_same_bytes(app):
    value = pack(sheet(1), sheet(2))
    with app.app_context():
        first = render_pdf(value)
        second = render_pdf(value)
        other = render_pdf(replace(value, sheets=(sheet(1),)))

    assert first == second
    assert first.startswith(b"%PDF-")
    assert other != first


def test_a_salesperson_without_accounts_gets_no_pdf(app):
    with app.app_context(), pytest.raises(ValueError, match="no account sheets"):
        render_pdf(pack())


def test_an_account_too_long_for_a_page_runs_on_with_the_header(render, pdf_text, page_count):
    long_notes = "\n".join(f"Nota numero {n}: richiamare il titolare." for n in range(80))

    path = render(pack(sheet(1, notes=long_notes), sheet(2)))

    assert page_count(path) == 3
    assert "Nota numero 79" in pdf_text(path, 2)
    for number in (1, 2, 3):
        assert "Marco Venditore (MI-V01)" in pdf_text(path, number)
    assert "Autotrasporti Numero 2" in pdf_text(path, 3)


def test_a_request_gives_the_same_bytes_as_a_job(app):
    """Jobs render with an application context only; a view renders inside its request."""
    value = pack(sheet())
    with app.app_context():
        in_job = render_pdf(value)
    with app.test_request_context("/"):
        in_request = render_pdf(value)

    assert in_request == in_job
