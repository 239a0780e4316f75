"""CRM load files: the bundled Siebel mapping, the mapping checks, and the CSV bytes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
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
from app.distribution.writers.crm_mapping import (
    FIELDS,
    MappingError,
    RowKind,
    cell_text,
    load_mapping,
)
from app.distribution.writers.crm_rows import add_months, crm_files, fleet_summary, split_name

ROOT = Path(__file__).resolve().parents[3]
SIEBEL = ROOT / "app" / "distribution" / "mappings" / "siebel_eim.toml"
BATCH = 700_003

NICOLO = AccountSheet(
    key="K00001",
    company_name="Società Trasporti Nicolò",
    legal_form="S.r.l.",
    vat_number="IT01234567897",
    street="Via Roma",
    house_number="12",
    postcode="20121",
    municipality="Milano",
    province="MI",
    phones=("+390212345678", "+393331234567"),
    fleet=(FleetItem("Volvo", 3, "gt_16"), FleetItem("IVECO", 10, "gt_16"), FleetItem("IVECO", 2)),
    contacts=(
        ContactItem("Dott. Mario De Luca", "Responsabile acquisti", "+390287654321", None, True),
        ContactItem("Anna Bianchi", "Titolare"),
    ),
    horizon="3",
    vehicle_kind="trattore stradale",
    quantity=4,
    qualified_at=datetime(2026, 1, 20, 9, 30, tzinfo=UTC),
    dealer_code="D01",
)
HYPERLINK = AccountSheet(
    key="K00002",
    company_name='=HYPERLINK("x")',
    municipality="Torino",
    contacts=(ContactItem("-Rossi"),),
    horizon="12",
)
NO_PLAN = AccountSheet(key="K00003", company_name="Autotrasporti Ferrari", horizon="none")


def pack(*sheets: AccountSheet, confirmed_on: date = date(2026, 1, 31)) -> Pack:
    recipient = Recipient(id=3, code="VEN01", full_name="Luca Verdi", dealer_code="D01")
    return Pack(recipient, WaveInfo(7, "Ottobre 2026", confirmed_on), sheets)


PACK = pack(NICOLO, HYPERLINK, NO_PLAN)


def read(body: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


@pytest.fixture(scope="module")
def siebel():
    return load_mapping(SIEBEL)


@pytest.fixture(scope="module")
def files(siebel):
    return crm_files(siebel, PACK, BATCH)


# The bundled Siebel mapping -----------------------------------------------------------------


def test_siebel_mapping_loads_with_its_three_files(siebel):
    assert siebel.name == "Siebel EIM"
    assert (siebel.delimiter, siebel.encoding, siebel.bom) == (",", "utf-8", False)
    assert [(f.name, f.rows) for f in siebel.files] == [
        ("EIM_ACCOUNT.csv", RowKind.ACCOUNTS),
        ("EIM_CONTACT.csv", RowKind.CONTACTS),
        ("EIM_OPTY.csv", RowKind.OPPORTUNITIES),
    ]
    assert hash(siebel) == hash(load_mapping(SIEBEL))  # frozen: a caller may cache it


def test_headers_come_in_the_configured_order(siebel, files):
    for crm_file in siebel.files:
        header = next(csv.reader(io.StringIO(files[crm_file.name].decode())))
        assert header == [column.name for column in crm_file.columns]
        assert header[:3] == ["ROW_ID", "IF_ROW_BATCH_NUM", "IF_ROW_STAT"]


def test_one_row_per_account_per_contact_and_per_dated_opportunity(files):
    accounts = read(files["EIM_ACCOUNT.csv"])
    contacts = read(files["EIM_CONTACT.csv"])
    opportunities = read(files["EIM_OPTY.csv"])
    assert [row["PARTY_UID"] for row in accounts] == ["K00001", "K00002", "K00003"]
    assert [row["PARTY_UID"] for row in contacts] == ["K00001-C1", "K00001-C2", "K00002-C1"]
    assert [row["X_ACCOUNT_KEY"] for row in opportunities] == ["K00001", "K00002"]  # no "none"


def test_every_row_is_for_import_in_the_batch_with_unique_row_ids(files):
    for body in files.values():
        rows = read(body)
        assert {row["IF_ROW_STAT"] for row in rows} == {"FOR_IMPORT"}
        assert {row["IF_ROW_BATCH_NUM"] for row in rows} == {str(BATCH)}
        assert [row["ROW_ID"] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]


def test_the_account_key_is_the_external_id_in_all_three_files(files):
    account = read(files["EIM_ACCOUNT.csv"])[0]
    assert account["PARTY_UID"] == account["INTEGRATION_ID"] == account["OU_NUM"] == "K00001"
    contact = read(files["EIM_CONTACT.csv"])[0]
    assert contact["PP_PARTY_UID"] == "K00001"
    assert contact["PP_PARTY_TYPE_CD"] == account["PARTY_TYPE_CD"] == "Organization"
    assert (contact["DEPT_ACCNT_NAME"], contact["DEPT_ACCNT_LOC"]) == (
        account["NAME"],
        account["LOC"],
    )
    opportunity = read(files["EIM_OPTY.csv"])[0]
    assert opportunity["X_ACCOUNT_KEY"] == "K00001"
    assert opportunity["INTEGRATION_ID"] == "K00001-W7"
    assert (opportunity["ACCNT_NAME"], opportunity["ACCNT_LOC"]) == (account["NAME"], "Milano")


def test_account_rows_carry_salesperson_dealer_address_vat_phone_and_fleet(files):
    row = read(files["EIM_ACCOUNT.csv"])[0]
    assert row["POSTN_NAME"] == "VEN01"
    assert row["X_DEALER_CODE"] == "D01"
    assert (row["ADDR_ADDR"], row["ADDR_ZIPCODE"], row["ADDR_CITY"]) == (
        "Via Roma 12",
        "20121",
        "Milano",
    )
    assert row["ADDR_PROVINCE"] == "MI"
    assert row["TAX_IDEN_NUM"] == "IT01234567897"
    assert row["MAIN_PH_NUM"] == "+390212345678"  # data for a program: never altered
    assert row["X_FLEET_TOTAL"] == "15"
    assert row["X_FLEET_SUMMARY"] == "IVECO 12, Volvo 3"
    assert row["X_QUALIFIED_DT"] == "2026-01-20T09:30:00Z"


def test_contact_rows_split_the_name_and_flag_the_purchasing_manager(files):
    first, second, _ = read(files["EIM_CONTACT.csv"])
    assert (first["CON_FST_NAME"], first["CON_LAST_NAME"]) == ("Mario", "De Luca")
    assert (first["X_PURCH_MGR_FLG"], second["X_PURCH_MGR_FLG"]) == ("Y", "N")
    assert first["CON_JOB_TITLE"] == "Responsabile acquisti"
    assert first["CON_EMAIL_ADDR"] == ""  # None: an empty cell
    assert (second["CON_FST_NAME"], second["CON_LAST_NAME"]) == ("Anna", "Bianchi")


def test_opportunity_rows_carry_horizon_kind_quantity_owner_and_close_date(files):
    nicolo, hyperlink = read(files["EIM_OPTY.csv"])
    assert nicolo["NAME"] == "Società Trasporti Nicolò \N{EN DASH} 3 mesi (Ottobre 2026)"
    assert nicolo["X_HORIZON_MONTHS"] == "3"
    assert (nicolo["X_VEHICLE_KIND"], nicolo["X_QUANTITY"]) == ("trattore stradale", "4")
    assert nicolo["POSTN_NAME"] == "VEN01"
    assert nicolo["SUM_EFFECTIVE_DT"] == "2026-04-30"  # 31 Jan + 3 months: clamped to 30 Apr
    assert hyperlink["SUM_EFFECTIVE_DT"] == "2027-01-31"
    assert hyperlink["X_QUANTITY"] == ""


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2026, 12, 31), 6, date(2027, 6, 30)),
        (date(2026, 10, 15), 12, date(2027, 10, 15)),
        (date(2026, 3, 31), 3, date(2026, 6, 30)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_the_close_date_follows_the_wave_confirmation_date(siebel):
    body = crm_files(siebel, pack(NICOLO, confirmed_on=date(2025, 11, 30)), BATCH)["EIM_OPTY.csv"]
    assert read(body)[0]["SUM_EFFECTIVE_DT"] == "2026-02-28"


def test_crm_values_are_loaded_as_stored_even_when_they_look_like_formulas(files):
    account = read(files["EIM_ACCOUNT.csv"])[1]
    assert account["NAME"] == account["PARTY_NAME"] == '=HYPERLINK("x")'
    contact = read(files["EIM_CONTACT.csv"])[2]
    assert contact["CON_LAST_NAME"] == "-Rossi"
    assert contact["DEPT_ACCNT_NAME"] == '=HYPERLINK("x")'
    assert read(files["EIM_OPTY.csv"])[1]["NAME"].startswith("=HYPERLINK")


def test_a_column_the_mapping_marks_guard_neutralises_formulas(tmp_path):
    text = (
        'name = "X"\n[[files]]\nname = "a.csv"\nrows = "accounts"\n'
        'columns = [["Name", "{account.company_name}", "guard"], ["Raw", "{account.company_name}"]]'
    )
    body = crm_files(load_mapping(write(tmp_path, text)), pack(HYPERLINK), BATCH)["a.csv"]
    assert read(body) == [{"Name": '\'=HYPERLINK("x")', "Raw": '=HYPERLINK("x")'}]


def test_accented_names_round_trip_in_utf8(files):
    raw = files["EIM_ACCOUNT.csv"]
    assert "Società Trasporti Nicolò".encode() in raw
    assert not raw.startswith(b"\xef\xbb\xbf")  # bom = false
    assert read(raw)[0]["NAME"] == "Società Trasporti Nicolò"


def test_same_input_gives_the_same_bytes(siebel, files):
    rebuilt = pack(*(AccountSheet(**vars(sheet)) for sheet in PACK.sheets))
    assert crm_files(siebel, rebuilt, BATCH) == files
    assert crm_files(load_mapping(SIEBEL), PACK, BATCH) == files
    assert list(files) == ["EIM_ACCOUNT.csv", "EIM_CONTACT.csv", "EIM_OPTY.csv"]
    assert files["EIM_ACCOUNT.csv"].count(b"\r\n") == 4  # header and 3 rows, CRLF


def test_an_empty_pack_gives_headers_only(siebel):
    for body in crm_files(siebel, pack(), BATCH).values():
        assert body.count(b"\r\n") == 1


# Another CRM's mapping ----------------------------------------------------------------------

GENERIC = """
name = "Generic CRM"
delimiter = ";"
encoding = "UTF8"
bom = true

[[files]]
name = "accounts.csv"
rows = "accounts"
columns = [
  ["External ID", "{account.key}"],
  ["Company", "{account.company_name} {account.legal_form}"],
  ["City", "{account.postcode} {account.municipality} ({account.province})"],
  ["Phone", "Tel. {account.phone}"],
  ["Owner", "{salesperson.code}"],
  ["Braces", "{{literal}}"],
  ["Confirmed", "{wave.confirmed_on}"],
]

[[files]]
name = "fleet.csv"
rows = "fleet"
columns = [["External ID", "{account.key}"], ["Brand", "{fleet.brand}"],
           ["Vehicles", "{fleet.vehicles}"], ["Class", "{fleet.tonnage_class}"]]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_custom_mapping_with_semicolons_and_a_bom(tmp_path):
    mapping = load_mapping(write(tmp_path, GENERIC))
    assert mapping.encoding == "utf-8"
    files = crm_files(mapping, PACK, BATCH)
    assert list(files) == ["accounts.csv", "fleet.csv"]
    raw = files["accounts.csv"]
    assert raw.startswith(b"\xef\xbb\xbf" + b"External ID;Company;")
    first = read(raw, delimiter=";")[0]
    assert first == {
        "External ID": "K00001",
        "Company": "Società Trasporti Nicolò S.r.l.",
        "City": "20121 Milano (MI)",
        "Phone": "Tel. +390212345678",
        "Owner": "VEN01",
        "Braces": "{literal}",
        "Confirmed": "2026-01-31",
    }
    fleet = read(files["fleet.csv"], delimiter=";")
    assert [(r["Brand"], r["Vehicles"], r["Class"]) for r in fleet] == [
        ("Volvo", "3", "gt_16"),
        ("IVECO", "10", "gt_16"),
        ("IVECO", "2", ""),
    ]


def test_text_the_encoding_cannot_write_is_refused_by_name(tmp_path):
    text = GENERIC.replace('encoding = "UTF8"\nbom = true', 'encoding = "ascii"')
    mapping = load_mapping(write(tmp_path, text))
    with pytest.raises(MappingError, match=r'"accounts.csv".*cannot be written in ascii'):
        crm_files(mapping, PACK, BATCH)


def test_headers_are_written_as_the_mapping_names_them(tmp_path):
    text = 'name = "X"\n[[files]]\nname = "a.csv"\nrows = "accounts"\ncolumns = [["=SUM", "x"]]'
    body = crm_files(load_mapping(write(tmp_path, text)), PACK, BATCH)["a.csv"]
    assert body.startswith(b"=SUM\r\n")


# Bad mappings -------------------------------------------------------------------------------


def mapping_text(columns: str = '[["ROW_ID", "{row_id}"]]', rows: str = "accounts", **top) -> str:
    head = {"name": '"Test CRM"', **top}
    lines = [f"{key} = {value}" for key, value in head.items() if value is not None]
    lines += ["[[files]]", 'name = "out.csv"', f'rows = "{rows}"', f"columns = {columns}"]
    return "\n".join(lines) + "\n"


BAD = {
    "not toml": ('name = "x"\n[[files]\n', r"not valid TOML.*line 2"),
    "no name": (mapping_text(name=None), r"name is missing"),
    "misspelt key": (mapping_text(delimeter='";"'), r"unknown key 'delimeter'"),
    "no files": ('name = "x"\n', r"no \[\[files\]\] tables"),
    "unknown rows": (mapping_text(rows="leads"), r'file "out.csv": rows must be one of .*leads'),
    "unknown field": (
        mapping_text('[["NAME", "{account.companyname}"]]'),
        r'file "out.csv", column "NAME": unknown field "\{account.companyname\}" '
        r'\(did you mean "account.company_name"\?\)',
    ),
    "field of other rows": (
        mapping_text('[["FIRST", "{contact.first_name}"]]'),
        r'column "FIRST": field "contact.first_name" is not available when rows = "accounts"',
    ),
    "attribute access": (mapping_text('[["X", "{account.key.__class__}"]]'), r"unknown field"),
    "index": (mapping_text('[["X", "{account.phones[0]}"]]'), r"unknown field"),
    "positional": (mapping_text('[["X", "{}"]]'), r'unknown field "\{\}"'),
    "format spec": (mapping_text('[["X", "{row_id:>5}"]]'), r"may not carry a format"),
    "conversion": (mapping_text('[["X", "{row_id!r}"]]'), r"may not carry a format"),
    "unbalanced brace": (mapping_text('[["X", "{row_id"]]'), r'column "X": .*for a brace'),
    "duplicate column": (
        mapping_text('[["ROW_ID", "{row_id}"], ["row_id", "x"]]'),
        r'column "ROW_ID" appears more than once',
    ),
    "empty columns": (mapping_text("[]"), r'file "out.csv": no columns'),
    "empty header": (mapping_text('[[" ", "x"]]'), r"empty header"),
    "not a pair": (mapping_text('[["ROW_ID"]]'), r"must be \["),
    "unknown third": (mapping_text('[["ROW_ID", "x", "quote"]]'), r'"template", "guard"\]'),
    "long delimiter": (mapping_text(delimiter='";;"'), r"delimiter must be one character"),
    "empty delimiter": (mapping_text(delimiter='""'), r"delimiter must be one character"),
    "quote delimiter": (mapping_text(delimiter="'\"'"), r"delimiter must be one character"),
    "number delimiter": (mapping_text(delimiter="1"), r"delimiter must be one character"),
    "unknown encoding": (mapping_text(encoding='"klingon"'), r"unknown text encoding 'klingon'"),
    "bytes codec": (mapping_text(encoding='"rot13"'), r"unknown text encoding 'rot13'"),
    "bom not utf-8": (
        mapping_text(encoding='"latin-1"', bom="true"),
        r'bom = true needs encoding = "utf-8"',
    ),
    "bom not a flag": (mapping_text(bom='"yes"'), r"bom must be true or false"),
    "folder in name": (
        mapping_text().replace('"out.csv"', '"../out.csv"'),
        r"\[\[files\]\] number 1: name '../out.csv' must be a plain file name",
    ),
    "unknown file key": (
        mapping_text().replace('rows = "accounts"', 'rows = "accounts"\nrow = "x"'),
        r"\[\[files\]\] number 1: unknown key 'row'",
    ),
    "duplicate file": (
        mapping_text() + '[[files]]\nname = "OUT.csv"\nrows = "fleet"\ncolumns = [["A", "x"]]\n',
        r'file name "out.csv" is used by more than one',
    ),
}


@pytest.mark.parametrize(("text", "message"), BAD.values(), ids=BAD.keys())
def test_a_bad_mapping_is_refused_with_what_and_where(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(MappingError, match=message) as caught:
        load_mapping(path)
    assert str(caught.value).startswith(str(path))


def test_a_missing_mapping_file_says_which_setting_to_fix(tmp_path):
    with pytest.raises(MappingError, match=r"no such CRM mapping file.*QUALIFICA_CRM_MAPPING"):
        load_mapping(tmp_path / "absent.toml")


def test_a_good_minimal_mapping_loads(tmp_path):
    mapping = load_mapping(write(tmp_path, mapping_text()))
    assert (mapping.delimiter, mapping.encoding, mapping.bom) == (",", "utf-8", False)


# Values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Mario Rossi", ("Mario", "Rossi")),
        ("  Mario   Rossi ", ("Mario", "Rossi")),
        ("Dott. Mario De Luca", ("Mario", "De Luca")),
        ("Dott.ssa Anna Maria Della Valle", ("Anna Maria", "Della Valle")),
        ("Ing. Giovanni Lo Russo", ("Giovanni", "Lo Russo")),
        ("Pier Luigi Dal Monte", ("Pier Luigi", "Dal Monte")),
        ("Niccolò D'Amico", ("Niccolò", "D'Amico")),
        ("De Luca", ("De", "Luca")),  # a given name must be left
        ("Bianchi", ("", "Bianchi")),
        ("Sig.ra Bianchi", ("", "Bianchi")),
        ("", ("", "")),
    ],
)
def test_split_name(full_name, expected):
    assert split_name(full_name) == expected


def test_fleet_summary_sums_brands_and_puts_the_largest_first():
    fleet = (FleetItem("volvo", 3), FleetItem("IVECO", 10), FleetItem("DAF", 3))
    fleet += (FleetItem("IVECO", 2),)
    assert fleet_summary(fleet) == "IVECO 12, DAF 3, volvo 3"
    assert fleet_summary(()) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "Y"),
        (False, "N"),
        (12, "12"),
        (date(2026, 2, 28), "2026-02-28"),
        (datetime(2026, 7, 1, 11, 15, tzinfo=timezone(timedelta(hours=2))), "2026-07-01T09:15:00Z"),
        (datetime(2026, 7, 1, 9, 15), "2026-07-01T09:15:00Z"),  # naive: already UTC
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_every_placeholder_is_documented():
    doc = (ROOT / "docs" / "exports.md").read_text(encoding="utf-8")
    missing = [name for name in FIELDS if f"`{{{name}}}`" not in doc]
    assert not missing, f"add to docs/exports.md (CRM load files): {missing}"
