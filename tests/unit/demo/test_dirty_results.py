"""The benchmark file's earlier qualification results (``make_dirty_accounts.py
--results``): the same seed writes the same file, the rest of the file is unchanged, and
each row's truth is what the import's own reading of the row gives; and the scoring rule
of ``results_scoring`` on a hand-made case."""

import csv
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from app.imports.mapping import suggest
from app.imports.qualification import read_answers
from app.imports.qualified_elsewhere import QUALIFYING, months_before

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))

import dirty_results  # noqa: E402
import make_dirty_accounts  # noqa: E402
import results_scoring  # noqa: E402
from results_scoring import Expected, company_accounts, score_answers  # noqa: E402

ROWS = 4_000
SEED = 5
DAY = date(2026, 12, 7)


def _table(path: Path, encoding: str) -> list[dict[str, str]]:
    delimiter = ";" if encoding == "cp1252" else ","
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("results") / "risultati.csv"
    make_dirty_accounts.write(out, ROWS, SEED, results=True, results_day=DAY)
    return out


@pytest.fixture(scope="module")
def table(written) -> list[tuple[dict[str, str], dict[str, str]]]:
    rows, truth = _table(written, "cp1252"), _table(written.with_suffix(".truth.csv"), "utf-8")
    assert len(rows) == len(truth) == ROWS
    return list(zip(rows, truth, strict=True))


def test_the_same_seed_and_day_write_the_same_file_and_the_rest_is_unchanged(written, tmp_path):
    again = tmp_path / "again.csv"
    make_dirty_accounts.write(again, ROWS, SEED, results=True, results_day=DAY)
    assert again.read_bytes() == written.read_bytes()
    assert again.with_suffix(".truth.csv").read_bytes() == (
        written.with_suffix(".truth.csv").read_bytes())  # fmt: skip
    plain = tmp_path / "plain.csv"
    make_dirty_accounts.write(plain, ROWS, SEED)
    width = len(make_dirty_accounts.HEADER)
    with (
        plain.open(encoding="cp1252", newline="") as a,
        written.open(encoding="cp1252", newline="") as b,
    ):
        assert list(csv.reader(a, delimiter=";")) == [
            r[:width] for r in csv.reader(b, delimiter=";")]  # fmt: skip


def test_the_import_suggests_a_field_for_every_results_column():
    mapping = suggest(make_dirty_accounts.HEADER + dirty_results.HEADER)
    assert [h for h in dirty_results.HEADER if not mapping[h]] == []


def test_only_a_share_of_companies_first_rows_carry_results(table):
    """A company is named by its first row's key: only that row may carry results, so
    each answer has one account it belongs to."""
    carrying = [(row, facts) for row, facts in table if any(row[h] for h in dirty_results.HEADER)]
    firsts = [row for row, facts in table if row["CODICE"] == facts["company"]]
    assert all(row["CODICE"] == facts["company"] for row, facts in carrying)
    assert 0.15 < len(carrying) / len(firsts) < 0.25
    kinds = Counter(facts["horizon"] for _row, facts in carrying)
    assert set(kinds) == {"3", "6", "12", "none", ""}  # every horizon, and none readable
    assert 0 < sum(facts["qualified"] == "1" for _row, facts in carrying) < len(carrying)


def test_each_row_s_truth_is_what_the_import_reads_in_it(table):
    """The import's own reading (the suggested mapping, ``read_answers``) of every row
    gives the truth's contact, fleet, horizon and date; "qualified" follows from them."""
    mapping = suggest(make_dirty_accounts.HEADER + dirty_results.HEADER)
    field_of = {field: header for header, field in mapping.items() if field}
    checked = 0
    for row, facts in table:
        answers, _flags = read_answers(lambda f, row=row: row.get(field_of.get(f, ""), ""),
                                       row["PROV"])  # fmt: skip
        if answers is None:
            assert facts["contact"] == facts["fleet"] == facts["horizon"] == ""
            continue
        checked += 1
        contact = answers.contact
        assert (contact.get("full_name", ""), contact.get("phone", "")) == (
            facts["contact"], facts["contact_phone"])  # fmt: skip
        fleet = ";".join(f"{b}:{n}" for b, n in sorted(answers.fleet))
        assert fleet == facts["fleet"]
        horizon = answers.horizon.value if answers.horizon else ""
        assert horizon == facts["horizon"]
        day = answers.qualified_on
        assert (day.isoformat() if day else "") == facts["qualified_on"]
        qualified = bool(contact and answers.horizon in QUALIFYING and day
                         and months_before(DAY, 12) <= day <= DAY)  # fmt: skip
        assert facts["qualified"] == ("1" if qualified else "0")
    assert checked > 100


def test_an_answer_is_right_on_its_company_s_account_wrong_elsewhere_or_lost():
    """Three companies: Alfa's row landed on Alfa's account (right); Beta's row was merged
    into Gamma's account (wrong: Beta's own account holds its other two rows); Delta's
    answers are nowhere (lost)."""
    expected = [
        Expected(2, "alfa", "Mario Rossi", "+393331234567", "Iveco:4", "6", "2026-03-01", True),
        Expected(3, "beta", "Anna Neri", "", "", "", "", False),
        Expected(4, "delta", "", "", "Scania:2", "12", "", False),
    ]
    company_of = {2: "alfa", 3: "beta", 4: "delta", 5: "beta", 6: "beta", 7: "gamma"}
    row_account = {2: 10, 3: 30, 4: 40, 5: 20, 6: 20, 7: 30}
    homes = company_accounts(company_of, row_account)
    assert homes == {"alfa": 10, "beta": 20, "delta": 40, "gamma": 30}
    landed = {
        10: {("contact", ("Mario Rossi", "+393331234567")), ("fleet", ("Iveco", 4)),
             ("horizon", ("6", "2026-03-01"))},
        30: {("contact", ("Anna Neri", None))},
        40: {("fleet", ("Scania", 3))},  # another count: not Delta's answer
    }  # fmt: skip
    verdicts = score_answers(expected, row_account, homes, landed)
    assert verdicts == {
        "contact": Counter(right=1, wrong=1),
        "fleet": Counter(right=1, lost=1),
        "horizon": Counter(right=1, lost=1),
    }


def test_a_file_without_results_has_nothing_to_score(tmp_path):
    out = tmp_path / "base.csv"
    truth = make_dirty_accounts.write(out, 50, SEED)
    assert results_scoring.read_expected(truth)[0] == []
