"""Score an import's earlier qualification results against the generator's truth.

For a file made with ``make_dirty_accounts.py --results`` (``dirty_results.py``):

  - accounts that arrived qualified elsewhere: expected (the rows whose truth says
    ``qualified``), got (the accounts the batch marked), and of those got, how many are an
    expected one's account;
  - each answer (a contact, a fleet line, a horizon) of each results row: *right* when it
    is on the account its company maps to (the account that holds most of the company's
    rows: where a salesperson will look for it), *wrong* when it is not there but on the
    account the row itself went to (the row was merged into another company, or its
    company was split and the answer sits on the smaller part), *lost* when it is on
    neither.

``score_answers`` is the rule, on plain values (tested by hand); ``score`` reads them from
the database.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Answer = tuple[str, tuple[Any, ...]]  # ("contact", (name, phone)), ("fleet", (brand, n))...
KINDS = ("contact", "fleet", "horizon")


@dataclass(frozen=True)
class Expected:
    """One results row's truth."""

    row: int
    company: str
    contact: str
    contact_phone: str
    fleet: str  # "Iveco:4;Scania:2"
    horizon: str  # "3", "6", "12", "none", or "" (no opportunity should land)
    qualified_on: str  # ISO date or ""
    qualified: bool

    def answers(self) -> Iterator[Answer]:
        if self.contact:
            yield "contact", (self.contact, self.contact_phone or None)
        for item in filter(None, self.fleet.split(";")):
            brand, count = item.rsplit(":", 1)
            yield "fleet", (brand, int(count))
        if self.horizon:
            yield "horizon", (self.horizon, self.qualified_on or None)


def read_expected(truth_path: Path) -> tuple[list[Expected], dict[int, str]]:
    """The results rows' truth, and every row's company; ([], ...) for a file without
    results."""
    expected: list[Expected] = []
    company_of: dict[int, str] = {}
    with truth_path.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            company_of[int(r["row"])] = r["company"]
            if "qualified" not in r or not any(r[k] for k in ("contact", "fleet", "horizon",
                                                              "qualified_on")):  # fmt: skip
                continue
            expected.append(Expected(
                int(r["row"]), r["company"], r["contact"], r["contact_phone"], r["fleet"],
                r["horizon"], r["qualified_on"], r["qualified"] == "1",
            ))  # fmt: skip
    return expected, company_of


def company_accounts(
    company_of: Mapping[int, str], row_account: Mapping[int, int]
) -> dict[str, int]:
    """Each company's account: the one holding most of its rows (the lower id on a tie)."""
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    for row, company in company_of.items():
        if row in row_account:
            counts[company][row_account[row]] += 1
    return {c: min(n, key=lambda a: (-n[a], a)) for c, n in counts.items()}


def score_answers(
    expected: Iterable[Expected],
    row_account: Mapping[int, int],
    company_account: Mapping[str, int],
    landed: Mapping[int, set[Answer]],
) -> dict[str, Counter[str]]:
    """Per kind of answer: right / wrong / lost (module docstring)."""
    verdicts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    for facts in expected:
        home, went = company_account.get(facts.company), row_account.get(facts.row)
        for answer in facts.answers():
            if home is not None and answer in landed.get(home, set()):
                verdict = "right"
            elif went is not None and went != home and answer in landed.get(went, set()):
                verdict = "wrong"
            else:
                verdict = "lost"
            verdicts[answer[0]][verdict] += 1
    return verdicts


@dataclass
class ResultsScore:
    expected_qualified: int
    got_qualified: int
    right_qualified: int
    answers: dict[str, Counter[str]]

    def lines(self) -> list[str]:
        table = [
            "| answer | expected | right | wrong account | lost |",
            "|---|---:|---:|---:|---:|",
        ]
        for kind, counts in self.answers.items():
            total = sum(counts.values())
            table.append(f"| {kind} | {total:,} | {counts['right']:,} | {counts['wrong']:,} | "
                         f"{counts['lost']:,} |")  # fmt: skip
        return [
            f"- accounts arrived qualified elsewhere: expected {self.expected_qualified:,}, got "
            f"{self.got_qualified:,}, of which on an expected company's account "
            f"{self.right_qualified:,}",
            "",
            *table,
        ]


def score(session: Any, batch_id: int, truth_path: Path) -> ResultsScore | None:
    """The batch's results against the truth; None for a file without results."""
    import sqlalchemy as sa

    from app.accounts.models import Account, AccountSource, Contact, FleetLine, Opportunity

    expected, company_of = read_expected(truth_path)
    if not expected:
        return None
    sources = sa.select(AccountSource.row_number, AccountSource.account_id).where(
        AccountSource.import_batch_id == batch_id
    )
    row_account = {row: account for row, account in session.execute(sources)}
    homes = company_accounts(company_of, row_account)
    landed: dict[int, set[Answer]] = defaultdict(set)
    queries = (
        ("contact", sa.select(Contact.account_id, Contact.full_name, Contact.phone)
         .where(Contact.import_batch_id == batch_id)),
        ("fleet", sa.select(FleetLine.account_id, FleetLine.brand, FleetLine.vehicle_count)
         .where(FleetLine.import_batch_id == batch_id)),
        ("horizon", sa.select(Opportunity.account_id, Opportunity.horizon,
                              Opportunity.qualified_on)
         .where(Opportunity.import_batch_id == batch_id)),
    )  # fmt: skip
    for kind, query in queries:
        for account_id, *values in session.execute(query):
            if kind == "horizon":
                values = [values[0].value, values[1].isoformat() if values[1] else None]
            landed[account_id].add((kind, tuple(values)))
    marked = set(session.scalars(
        sa.select(Account.id).where(Account.qualified_elsewhere_batch_id == batch_id)
    ))  # fmt: skip
    wanted = {homes[e.company] for e in expected if e.qualified and e.company in homes}
    return ResultsScore(
        sum(e.qualified for e in expected), len(marked), len(marked & wanted),
        score_answers(expected, row_account, homes, landed),
    )  # fmt: skip
