"""Round trip: answers recorded on the desk, handed out in a wave, read back from every
file (XLSX, CSV for people, PDF, CRM load files) and compared value by value.

Seeded random answers to every question that maps onto the account, contact, fleet or
opportunity, of the shipped script and of a small script with other question types. The
comparison follows docs/exports.md: people's files show phones in the national format and
coded answers as the labels the agent chose from; the CSV for people guards what Excel would
run; the CRM files carry the stored values (E.164 phones, choice codes) unaltered.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook

from app.accounts.invented import make_vat
from app.accounts.labels import horizon_label, tonnage_label
from app.accounts.models import AccountPhone, PhoneKind
from app.accounts.names import company_display, written_parts
from app.accounts.normalise.address import split_house_number
from app.accounts.phones import parse_phone
from app.accounts.status import AccountStatus
from app.campaigns.queueing import enqueue_accounts
from app.desk.queue import claim_next
from app.desk.services import open_call, record_outcome
from app.distribution import exporting, services
from app.distribution.models import ExportStatus
from app.scripting.schema import OTHER_BRAND, QuestionType, Script
from app.scripting.services import load_script, script_of
from config import ROOT
from tests import factories
from tests.integration.distribution.conftest import run_jobs

NOW = datetime(2025, 4, 22, 10, 0, tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)  # Tuesday
SHIPPED = ROOT / "call_scripts" / "fleet_qualification.toml"
OTHER_TYPES = Path(__file__).parent / "scripts" / "round_trip_other_types.toml"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

# Texts people type, formulas and markup included; short enough not to wrap in the PDF.
TEXTS = (
    "Autotrasporti Nicolò", "=SUM(A1)", "+39 Logistica", "-Rossi & Figli", "@Trasporti",
    'Fratelli "Bianchi"; S.n.c.', "<b>Ferri</b> SpA", "D'Angelo Trasporti", "Società Čech",
    "=HYPERLINK(\"http://x\")", "Responsabile acquisti", "Titolare", "Furgone frigo",
)  # fmt: skip
STREETS = ("Via Verdi", "Piazza Garibaldi", "Corso Italia", "Via dei Mille", "Viale Po")
PLACES = (("Forlì", "FC"), ("Sant'Angelo Lodigiano", "LO"), ("Bergamo", "BG"), ("Milano", "MI"))
FIRST = ("Elena", "Mario", "Anna Maria", "Luca", "Giulia")
LAST = ("Fiore", "Rossi", "De Luca", "Bianchi", "Della Valle")


@dataclass
class Captured:
    """What one call captured, as the desk understood it (the recorded answers)."""

    key: str
    phone: str  # the account's own phone, E.164
    account: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] = field(default_factory=dict)
    fleet: list[dict[str, Any]] = field(default_factory=list)
    opportunity: dict[str, Any] = field(default_factory=dict)
    notes: str | None = None


# Answers -----------------------------------------------------------------------------------


def a_phone(rng: random.Random) -> str:
    """A valid Italian number as an agent types it."""
    while True:
        typed = rng.choice(
            (
                f"3{rng.randint(20, 99)} {rng.randint(1000000, 9999999)}",
                f"02 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
                f"035 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            )
        )
        if parse_phone(typed)[0]:
            return typed


def answer(rng: random.Random, question, fields: dict[str, str]) -> None:
    """A random answer to ``question`` as form fields (blank now and then if optional)."""
    name = f"a.{question.id}"
    if not question.required and rng.random() < 0.15:
        return
    kind = question.type
    if kind == QuestionType.FLEET_TABLE:
        for row in range(rng.randint(1, 3)):
            brand = rng.choice(question.choice_values)
            fields[f"{name}.{row}.brand"] = brand
            if brand == OTHER_BRAND:
                fields[f"{name}.{row}.brand_other"] = rng.choice(("Astra", "=Isuzu", "Fuso"))
            fields[f"{name}.{row}.vehicle_count"] = str(rng.randint(1, 40))
            fields[f"{name}.{row}.tonnage_class"] = rng.choice(("", "gt_16", "7_5_16"))
        return
    fields[name] = {
        QuestionType.CHOICE: lambda: rng.choice(question.choice_values),
        QuestionType.MULTI_CHOICE: lambda: rng.choice(question.choice_values),
        QuestionType.YES_NO: lambda: rng.choice(("true", "false")),
        QuestionType.PHONE: lambda: a_phone(rng),
        QuestionType.EMAIL: lambda: f"{rng.choice(FIRST).split()[0].lower()}@Example.IT",
        QuestionType.VAT: lambda: make_vat(rng, "016"),
        QuestionType.DATE: lambda: "15/03/1998",
        QuestionType.INTEGER: lambda: str(rng.randint(question.min or 1, question.max or 99)),
    }.get(kind, lambda: _text(rng, question))()


def _text(rng: random.Random, question) -> str:
    target = question.maps_to or ""
    if target == "account.street":
        street = rng.choice(STREETS)
        return f"{street} {rng.randint(1, 200)}" if rng.random() < 0.3 else street
    if target == "account.house_number":
        return rng.choice(("12", "4/B", "137"))
    if target == "account.municipality":
        return rng.choice(PLACES)[0]
    if target == "account.province":
        return rng.choice(PLACES)[1]
    if target == "account.postcode":
        return f"{rng.randint(10000, 99999)}"
    if target == "contact.full_name":
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return rng.choice(TEXTS)


def fields_for(rng: random.Random, script: Script) -> dict[str, str]:
    """Answers to every question; yes/no questions that open sections mostly say yes."""
    fields: dict[str, str] = {}
    for question in script.questions():
        answer(rng, question, fields)
        if question.id in ("is_decision_maker", "has_trucks"):
            fields[f"a.{question.id}"] = "true" if rng.random() < 0.8 else "false"
    return fields


def captured(script: Script, key: str, phone: str, answers: dict[str, Any], notes) -> Captured:
    """The recorded answers by where they were written."""
    seen = Captured(key=key, phone=phone, notes=notes)
    for question in script.questions():
        value = answers.get(question.id)
        if not question.maps_to or value in (None, "", []):
            continue
        model, name = question.maps_to.split(".", 1)
        if model == "fleet":
            seen.fleet = [dict(row, question=question) for row in value]
        else:
            getattr(seen, model)[name] = (value, question)
    return seen


# The desk and the wave -----------------------------------------------------------------------


def qualify_accounts(session, script_path: Path, owner, agent, count: int, seed: int):
    """``count`` accounts qualified on the desk with random answers; their captures."""
    stored = load_script(session, script_path)
    script = script_of(stored)
    campaign = factories.campaign(session, call_script_id=stored.id)
    rng = random.Random(seed)  # test data
    phones = {}
    for _n in range(count):
        account = factories.account(
            session, status=AccountStatus.READY, salesperson_id=owner.id, street="Via Roma",
            municipality="Milano", province="MI",
        )  # fmt: skip
        e164 = parse_phone(a_phone(rng))[0]
        account.phones.append(AccountPhone(raw=e164, e164=e164, kind=PhoneKind.OTHER, position=0))
        phones[account.id] = (account.key, e164)
        session.flush()
        enqueue_accounts(session, campaign, [account.id])
    seen = []
    for n in range(count):
        entry = claim_next(session, campaign, agent.id, now=NOW)
        call = open_call(session, entry.id, agent.id, now=NOW)
        notes = rng.choice((None, *TEXTS))
        attempt = record_outcome(session, call, code="qualified", fields=fields_for(rng, script),
                                 notes=notes, client_token=f"rt-{seed}-{n}", now=NOW)  # fmt: skip
        key, phone = phones[entry.account_id]
        seen.append(captured(script, key, phone, attempt.answers, notes))
    return seen


def export_wave(app, session, exports: Path) -> Path:
    wave = services.create_wave(session, "Andata e ritorno", 50, by=None)
    services.confirm_wave(session, wave, by=None)
    with app.test_request_context():
        run = exporting.start_export(session, wave, parts=1, by=None)
    session.commit()
    run_jobs(app, session)
    session.refresh(run)
    assert run.status == ExportStatus.DONE, run.message
    [person] = run.manifest["salespeople"]
    return exports / run.folder / person["folder"]


# What each file must say ------------------------------------------------------------------


def label(value: Any, question) -> Any:
    """A recorded answer as people read it in Italian: a choice's label (the catalogue's
    for the tonnage class and the horizon), anything else as recorded."""
    if question.maps_to == "account.tonnage_class":
        return tonnage_label(value)
    if question.maps_to == "opportunity.horizon":
        return horizon_label(value)
    if question.type == QuestionType.CHOICE:
        return question.choice(value).label.it
    return value


def national(e164: str | None) -> str | None:
    if not e164:
        return None
    return phonenumbers.format_number(
        phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL
    )


@dataclass
class Expected:
    """The account's values after the documented normalisation, for each kind of file."""

    people: dict[str, Any]  # column (msgid) -> XLSX value
    crm: dict[str, dict[str, str]]  # CRM file -> column -> text
    pdf: list[str]  # texts the account's page shows


def expected(seen: Captured) -> Expected:
    raw = {name: value for name, (value, _q) in seen.account.items()}
    shown = {name: label(value, q) for name, (value, q) in seen.account.items()}
    contact = {name: value for name, (value, _q) in seen.contact.items()}
    role = label(*seen.contact["job_title"]) if "job_title" in seen.contact else None
    opportunity = {name: value for name, (value, _q) in seen.opportunity.items()}
    kind = label(*seen.opportunity["vehicle_kind"]) if "vehicle_kind" in seen.opportunity else None
    horizon = opportunity.get("horizon", "none")
    street, number = raw.get("street", "Via Roma"), raw.get("house_number")
    if not number:  # the desk takes a number typed into the street apart (docs/desk.md)
        street, number = split_house_number(street)
    elif street.split()[-1] == number:
        street = street.rsplit(" ", 1)[0]  # a number the street already ends with: once
    lines = [  # the PDF lists the fleet line by line, the tables by brand
        (row["brand_other"] or row["question"].choice(row["brand"]).label.it, row["vehicle_count"])
        for row in seen.fleet
    ]
    brands: dict[str, int] = {}
    for brand, count in lines:
        brands[brand] = brands.get(brand, 0) + count
    total = sum(brands.values())
    company, form = written_parts(raw["company_name"])  # a name as people read it
    people = {
        "Company": company, "Legal form": form, "Street": street, "House number": number,
        "Postcode": raw.get("postcode"), "Municipality": raw.get("municipality", "Milano"),
        "Province": raw.get("province", "MI"), "VAT number": raw.get("vat_number"),
        "Phones": national(seen.phone), "Email": raw.get("email"),
        "Tonnage class": shown.get("tonnage_class"), "Vehicles in fleet": total or None,
        **{f"Fleet: {brand}": count for brand, count in brands.items()},
        "Purchasing manager": contact["full_name"], "Job title": role,
        "Contact phone": national(contact.get("phone")), "Contact email": contact.get("email"),
        "Purchase horizon": horizon_label(horizon),
        "Horizon (months)": int(horizon) if horizon != "none" else None,
        "Vehicle kind": kind, "Quantity": opportunity.get("quantity"),
        "Opportunity notes": opportunity.get("notes"), "Notes": seen.notes,
    }  # fmt: skip
    address = " ".join(p for p in (street, number) if p)
    crm = {
        "EIM_ACCOUNT.csv": {
            "NAME": raw["company_name"], "MAIN_PH_NUM": seen.phone, "ADDR_ADDR": address,
            "ADDR_ZIPCODE": raw.get("postcode") or "", "ADDR_CITY": people["Municipality"],
            "ADDR_PROVINCE": people["Province"], "TAX_IDEN_NUM": raw.get("vat_number") or "",
            "X_TONNAGE_CLASS": raw.get("tonnage_class") or "", "X_FLEET_TOTAL": str(total),
        },
        "EIM_CONTACT.csv": {
            "CON_JOB_TITLE": role or "", "CON_WORK_PH_NUM": contact.get("phone") or "",
            "CON_EMAIL_ADDR": contact.get("email") or "",
            "X_PURCH_MGR_FLG": "Y" if contact.get("is_purchasing_manager") else "N",
        },
    }  # fmt: skip
    if horizon != "none":
        crm["EIM_OPTY.csv"] = {
            "X_HORIZON_MONTHS": horizon, "X_VEHICLE_KIND": kind or "",
            "X_VEHICLE_KIND_CD": opportunity.get("vehicle_kind") or "",
            "X_QUANTITY": str(opportunity.get("quantity") or ""),
            "DESC_TEXT": opportunity.get("notes") or "",
        }  # fmt: skip
    place = " ".join(p for p in (raw.get("postcode"), people["Municipality"]) if p)
    pdf = [
        seen.key, company_display(raw["company_name"]),
        f"{address}, {place} ({people['Province']})",
        f"{_('Vehicle kind')} {kind or '—'}",
        f"{_('Purchase horizon')} {people['Purchase horizon']}",
        *(f"{brand} {count}" for brand, count in lines),
        *(str(v) for v in (national(seen.phone), people["Contact phone"], role, seen.notes,
                           people["Contact email"], people["Opportunity notes"]) if v),
    ]  # fmt: skip
    return Expected(people, crm, pdf)


# Reading the files back ------------------------------------------------------------------


def one(folder: Path, suffix: str) -> Path:
    [path] = folder.glob(f"*{suffix}")
    return path


def read_xlsx(path: Path) -> dict[str, dict[str, Any]]:
    sheet = load_workbook(path).active
    header, *rows = list(sheet.iter_rows())
    for row in rows:
        for cell in row:
            assert cell.data_type in ("s", "n", "d"), cell.coordinate  # never a formula
    names = [cell.value for cell in header]
    table = [{n: cell.value for n, cell in zip(names, row, strict=True)} for row in rows]
    return {row[_("Account key")]: row for row in table}


def read_csv(body: str, delimiter: str, key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in csv.DictReader(io.StringIO(body), delimiter=delimiter)}


def for_people_csv(value: Any) -> str:
    """A value as the CSV for people writes it: formulas guarded, numbers as text."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


def check_people(seen: Captured, want: Expected, xlsx: dict, table: dict) -> None:
    row, line = xlsx[seen.key], table[seen.key]
    for msgid, value in want.people.items():
        column = (
            _(msgid[:7] + "%(brand)s", brand=msgid[7:]) if msgid.startswith("Fleet: ") else _(msgid)
        )
        got = row[column]
        assert got == value, (seen.key, column, got, value)
        assert line[column] == for_people_csv(value), (seen.key, column, line[column], value)


def check_crm(seen: Captured, want: Expected, crm: dict[str, dict]) -> None:
    keys = {"EIM_ACCOUNT.csv": seen.key, "EIM_CONTACT.csv": f"{seen.key}-C1"}
    keys["EIM_OPTY.csv"] = next(
        (k for k in crm["EIM_OPTY.csv"] if k.startswith(seen.key + "-W")), None
    )
    assert (keys["EIM_OPTY.csv"] is not None) == ("EIM_OPTY.csv" in want.crm), seen.key
    for name, columns in want.crm.items():
        row = crm[name][keys[name]]
        for column, value in columns.items():
            assert row[column] == value, (seen.key, name, column, row[column], value)
    contact = crm["EIM_CONTACT.csv"][keys["EIM_CONTACT.csv"]]
    name = " ".join(p for p in (contact["CON_FST_NAME"], contact["CON_LAST_NAME"]) if p)
    assert name == seen.contact["full_name"][0]


def pdf_pages(path: Path, pdf_text) -> dict[str, str]:
    """Each account's page as one line of text (whitespace collapsed), by account key."""
    pages = pdf_text(path).split("\f")
    found = {}
    for page in pages:
        for line in page.splitlines():
            words = line.split()
            if words[:1] == [_("Key")]:
                found[words[1]] = " ".join(page.split())
    return found


@pytest.mark.parametrize(
    ("script", "count", "seed"),
    [(SHIPPED, 40, 21), (OTHER_TYPES, 25, 2101)],
    ids=["shipped", "other"],
)
def test_every_answer_comes_back_from_every_file(
    app, session, network, exports, pdf_text, script, count, seed
):
    seen = qualify_accounts(session, script, network.torino, network.agent, count, seed)
    folder = export_wave(app, session, exports)
    with app.test_request_context(), force_locale("it"):
        xlsx = read_xlsx(one(folder, ".xlsx"))
        table = read_csv(one(folder, ".csv").read_text("utf-8-sig"), ";", _("Account key"))
        crm = {
            "EIM_ACCOUNT.csv": read_csv(
                (folder / "crm" / "EIM_ACCOUNT.csv").read_text(), ",", "PARTY_UID"
            ),
            "EIM_CONTACT.csv": read_csv(
                (folder / "crm" / "EIM_CONTACT.csv").read_text(), ",", "PARTY_UID"
            ),
            "EIM_OPTY.csv": read_csv(
                (folder / "crm" / "EIM_OPTY.csv").read_text(), ",", "INTEGRATION_ID"
            ),
        }
        pages = pdf_pages(one(folder, ".pdf"), pdf_text)
        assert sorted(xlsx) == sorted(table) == sorted(pages) == sorted(s.key for s in seen)
        for one_seen in seen:
            want = expected(one_seen)
            check_people(one_seen, want, xlsx, table)
            check_crm(one_seen, want, crm)
            for text in want.pdf:
                assert " ".join(text.split()) in pages[one_seen.key], (one_seen.key, text)
