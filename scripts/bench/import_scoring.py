"""Score an imported batch against the generator's truth, per case kind (issue 24).

For each case kind of ``scripts/dirty_cases.py`` (and overall):

  - pairs of rows: true pairs (same company), predicted pairs (same account), precision,
    recall, F1; a pair counts for the case kinds of its rows, and for the ordinary rows
    when both rows are ordinary. Pairs left for a person's review count as not merged,
    and the pending pairs that touch a kind's accounts are shown beside it;
  - phones: each phone stored on an account is matched to the phones its rows wrote, and
    is *right* (callable and the true number, or not callable where nothing was callable),
    *flagged* (an open flag on the account names its digits), *silently wrong* (callable,
    not the true number, no flag) or *lost* (a true number left uncallable without a flag);
  - ISTAT codes per row: the code of the row's site when the schema links sources to
    sites, else of its account (or of any of its account's sites): right, flagged (none, or
    an open flag on a location field of the account) or silently wrong;
  - accounts held for review (status ``to_review``) and why; for branches, the true sites
    kept as sites (when the schema has an ``account_sites`` table).

The schema is read by reflection, so the same script scores branches that add sites,
phone-level flags or new phone kinds: a phone is callable when it has an E.164 form and
its kind is fixed, mobile or other (or, when the table says so, its ``callable`` column).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import Any

ORDINARY = "ordinary"
CALLABLE_KINDS = {"fixed", "mobile", "other"}
LOCATION_FIELDS = ("municipality", "istat", "postcode", "province", "site", "street", "address")
PHONE_FLAG_COLUMNS = ("flag", "doubt", "review", "reason")  # on account_phones, if any


@dataclass(frozen=True)
class TruthRow:
    company: str
    istat: str
    vat: str
    case: str
    site: str
    phones: tuple[tuple[str, str], ...]  # (written, true E.164 or "")
    contradicts: bool  # names another comune than the company's (cross_chunk)


def read_truth(path: Path) -> dict[int, TruthRow]:
    rows: dict[int, TruthRow] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            phones = tuple(
                tuple(item.rsplit("=", 1)) for item in (r.get("phones") or "").split(";") if item
            )
            rows[int(r["row"])] = TruthRow(
                r["company"], r["istat_code"], r["vat_number"], r.get("case") or ORDINARY,
                r.get("site") or "", phones,  # type: ignore[arg-type]
                "municipality_contradicts" in r["defects"],
            )  # fmt: skip
    return rows


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


@dataclass
class KindScore:
    rows: int = 0
    true_pairs: int = 0
    predicted_pairs: int = 0
    right_pairs: int = 0
    review_pairs: int = 0
    phones: Counter[str] = field(default_factory=Counter)
    istat: Counter[str] = field(default_factory=Counter)

    @property
    def precision(self) -> float:
        return self.right_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.right_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(groups: dict[Any, Counter[str]], into: dict[str, KindScore], attr: str) -> int:
    """Add each kind's pairs within ``groups`` to ``into``; return all pairs. A case kind's
    pairs are those with at least one row of the kind; ordinary pairs are those of two
    ordinary rows (a row with another company's VAT merged into an ordinary account is
    the case's miss, not the ordinary duplicates')."""
    total = 0
    for counts in groups.values():
        n = sum(counts.values())
        total += comb(n, 2)
        for kind, k in counts.items():
            pairs = comb(k, 2) if kind == ORDINARY else comb(n, 2) - comb(n - k, 2)
            setattr(into[kind], attr, getattr(into[kind], attr) + pairs)
    return total


class Database:
    """The tables scoring reads, by reflection (the schema differs between branches)."""

    def __init__(self, session: Any) -> None:
        import sqlalchemy as sa

        self.sa, self.session = sa, session
        self.metadata = sa.MetaData()
        self.names = set(sa.inspect(session.get_bind()).get_table_names())

    def table(self, name: str) -> Any:
        return self.sa.Table(name, self.metadata, autoload_with=self.session.get_bind())

    def rows(self, name: str, *where: Any) -> Iterator[Any]:
        """The table's rows as mappings, fetched a slice at a time (a million phones)."""
        table = self.table(name)
        query = self.sa.select(table).execution_options(yield_per=10_000)
        for condition in where:
            query = query.where(condition(table))
        return iter(self.session.execute(query).mappings())

    def sites_table(self) -> str | None:
        if "account_sites" in self.names:
            return "account_sites"
        return next((n for n in sorted(self.names) if n.endswith("sites")), None)


@dataclass
class Score:
    kinds: dict[str, KindScore]
    overall: KindScore
    accounts: int
    held: int
    held_reasons: Counter[str]
    pending_pairs: int
    rejected: int
    vat_right: int
    sites: str
    contradictions: tuple[int, int]  # rows naming another comune, and those with a doubt

    def lines(self) -> list[str]:
        """The per-kind table and the summary lines, as docs/benchmarks.md shows them."""
        head = (
            "| case | rows | true pairs | predicted pairs | precision | recall | F1 "
            "| pairs to review | phones right / flagged / silently wrong / lost "
            "| ISTAT right / flagged / silently wrong |"
        )
        out = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for name, s in [*sorted(self.kinds.items(), key=_kind_order), ("**all**", self.overall)]:
            p, i = s.phones, s.istat
            out.append(
                f"| {name} | {s.rows:,} | {s.true_pairs:,} | {s.predicted_pairs:,} "
                f"| {_ratio(s.precision, s.predicted_pairs)} | {_ratio(s.recall, s.true_pairs)} "
                f"| {_ratio(s.f1, s.predicted_pairs or s.true_pairs)} | {s.review_pairs:,} "
                f"| {p['right']:,} / {p['flagged']:,} / {p['wrong']:,} / {p['lost']:,} "
                f"| {i['right']:,} / {i['flagged']:,} / {i['wrong']:,} |"
            )
        unmatched = self.overall.phones["unmatched"]
        untraced = f", not traced to a written phone {unmatched:,}" if unmatched else ""
        reasons = ", ".join(f"{r} {n:,}" for r, n in self.held_reasons.most_common(5))
        o = self.overall
        out += [
            "",
            f"- overall pairwise F1 {o.f1:.4f} (precision {o.precision:.4f}, recall "
            f"{o.recall:.4f}); ordinary rows {self.kinds[ORDINARY].f1:.4f}"
            if ORDINARY in self.kinds
            else f"- overall pairwise F1 {o.f1:.4f}",
            f"- accounts held for review: {self.held:,} of {self.accounts:,} "
            f"({self.held / max(self.accounts, 1):.2%}); accounts with an open flag of each "
            f"reason among them: {reasons or '-'}; pending pairs {self.pending_pairs:,}",
            f"- phones stored: {sum(o.phones.values()):,}; right {o.phones['right']:,}, "
            f"flagged {o.phones['flagged']:,}, silently wrong {o.phones['wrong']:,}, lost "
            f"{o.phones['lost']:,}{untraced}",
            f"- ISTAT per row: right {o.istat['right']:,}, flagged {o.istat['flagged']:,}, "
            f"silently wrong {o.istat['wrong']:,}; rows rejected {self.rejected:,}; true VAT "
            f"number on the account for {self.vat_right / max(o.rows, 1):.2%} of rows",
            f"- branches, sites kept: {self.sites}",
            f"- rows naming another comune than their company's earlier row (cross_chunk): "
            f"{self.contradictions[0]:,}, of which with a doubt on their account (an open "
            f"location flag or a pending pair): {self.contradictions[1]:,}",
        ]
        return out


def _ratio(value: float, out_of: int) -> str:
    """A ratio over no pair at all is shown as "-", not as a perfect 1."""
    return f"{value:.4f}" if out_of else "-"


def _kind_order(item: tuple[str, KindScore]) -> tuple[int, str]:
    return (0 if item[0] == ORDINARY else 1, item[0])


def score(session: Any, batch_id: int, truth_path: Path) -> Score:  # Long: one pass per table
    truth = read_truth(truth_path)
    db = Database(session)
    account_of: dict[int, int] = {}
    site_of: dict[int, Any] = {}
    for source in db.rows("account_sources", lambda t: t.c.import_batch_id == batch_id):
        account_of[source["row_number"]] = source["account_id"]
        if source.get("site_id") is not None:
            site_of[source["row_number"]] = source["site_id"]
    ours = set(account_of.values())
    accounts = {a["id"]: a for a in db.rows("accounts") if a["id"] in ours}
    flags: dict[int, list[Any]] = defaultdict(list)
    for flag in db.rows("account_flags", lambda t: t.c.status == "open"):
        flags[flag["account_id"]].append(flag)
    sites: dict[int, list[Any]] = defaultdict(list)
    site_rows: dict[Any, Any] = {}
    if sites_table := db.sites_table():
        for site in db.rows(sites_table):
            sites[site["account_id"]].append(site)
            site_rows[site["id"]] = site

    kinds: dict[str, KindScore] = defaultdict(KindScore)
    overall = KindScore()
    by_account: dict[int, Counter[str]] = defaultdict(Counter)
    by_company: dict[str, Counter[str]] = defaultdict(Counter)
    together: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    written: dict[int, list[tuple[str, str, str]]] = defaultdict(list)  # account -> phones
    rejected = vat_right = 0
    contradicting: list[int] = []  # accounts of rows naming another comune
    for row, facts in truth.items():
        kinds[facts.case].rows += 1
        overall.rows += 1
        account_id = account_of.get(row)
        if account_id is None:
            rejected += 1
            continue
        by_account[account_id][facts.case] += 1
        by_company[facts.company][facts.case] += 1
        together[(account_id, facts.company)][facts.case] += 1
        written[account_id] += [(digits(w), t, facts.case) for w, t in facts.phones]
        account = accounts[account_id]
        vat_right += account["vat_number"] == facts.vat
        if facts.contradicts:
            contradicting.append(account_id)
        verdict = _istat(facts, account, site_rows.get(site_of.get(row)), sites[account_id],
                         flags[account_id])  # fmt: skip
        kinds[facts.case].istat[verdict] += 1
        overall.istat[verdict] += 1
    overall.true_pairs = _pairs(by_company, kinds, "true_pairs")
    overall.predicted_pairs = _pairs(by_account, kinds, "predicted_pairs")
    overall.right_pairs = _pairs(together, kinds, "right_pairs")

    phones_table = db.table("account_phones")
    for phone in db.rows("account_phones"):
        account_id = phone["account_id"]
        if account_id not in accounts:
            continue
        case, verdict = _phone(phone, written[account_id], flags[account_id], phones_table)
        kinds[case].phones[verdict] += 1
        overall.phones[verdict] += 1

    pending = [
        p for p in list(db.rows("duplicate_pairs", lambda t: t.c.status == "pending"))
        if p["account_a_id"] in accounts or p["account_b_id"] in accounts
    ]  # fmt: skip
    for pair in pending:
        for kind in set(by_account[pair["account_a_id"]]) | set(by_account[pair["account_b_id"]]):
            kinds[kind].review_pairs += 1
    overall.review_pairs = len(pending)

    live = [a for a in accounts.values() if a["status"] != "merged"]
    held = [a for a in live if a["status"] == "to_review"]
    reasons: Counter[str] = Counter()
    in_pairs = {p[side] for p in pending for side in ("account_a_id", "account_b_id")}
    for account in held:
        reasons.update({f["reason"] for f in flags[account["id"]]})
        reasons["pending pair"] += account["id"] in in_pairs
    doubted = sum(a in in_pairs or _location_flag(flags[a]) for a in contradicting)
    return Score(
        dict(kinds), overall, len(live), len(held), reasons, len(pending), rejected, vat_right,
        _sites_kept(truth, account_of, site_of, site_rows, sites, sites_table),
        (len(contradicting), doubted),
    )  # fmt: skip


def _location_flag(flags: list[Any]) -> bool:
    return any(any(word in str(f["field"]).lower() for word in LOCATION_FIELDS) for f in flags)


def _istat(facts: TruthRow, account: Any, site: Any, sites: list[Any], flags: list[Any]) -> str:
    if site is not None:
        found = _site_istat(site)
        if found == facts.istat:
            return "right"
    elif account["istat_code"] == facts.istat or any(_site_istat(s) == facts.istat for s in sites):
        return "right"
    else:
        found = account["istat_code"]
    return "flagged" if not found or _location_flag(flags) else "wrong"


def _site_istat(site: Any) -> str | None:
    for name, value in site.items():
        if "istat" in name:
            return value
    return None


def _phone_flagged(phone: Any, flags: list[Any], table: Any) -> bool:
    for column in table.c:
        name = column.name
        if any(word in name for word in PHONE_FLAG_COLUMNS) and phone[name] not in (
            None, "", False, "ok", "none", "[]", [],
        ):  # fmt: skip
            return True
    mine = {digits(phone["raw"]), digits(phone["e164"])} - {""}
    return any(
        ("phone" in str(f["field"]) or "mobile" in str(f["field"]))
        and (digits(f["value"]) in mine or (f.get("phone_id") == phone["id"]))
        for f in flags
    )


def _callable(phone: Any, table: Any) -> bool:
    for name in ("callable", "dialable", "servable"):
        if name in table.c:
            return bool(phone[name])
    if "blocked" in table.c and phone["blocked"]:
        return False
    return bool(phone["e164"]) and str(phone["kind"]).lower() in CALLABLE_KINDS


def _phone(
    phone: Any, written: list[tuple[str, str, str]], flags: list[Any], table: Any
) -> tuple[str, str]:
    """The case the stored phone came from and its verdict."""
    mine = digits(phone["raw"])
    matches = [(t, c) for d, t, c in written if d == mine] or [
        (t, c) for d, t, c in written if d and mine and (d in mine or mine in d)
    ]
    if not matches:
        return ORDINARY, "unmatched"
    truths, case = {t for t, _ in matches}, matches[0][1]
    if _phone_flagged(phone, flags, table):
        return case, "flagged"
    if _callable(phone, table):
        return case, "right" if phone["e164"] in truths else "wrong"
    return case, "right" if truths == {""} else "lost"


def _sites_kept(
    truth: dict[int, TruthRow],
    account_of: dict[int, int],
    site_of: dict[int, Any],
    site_rows: dict[Any, Any],
    sites: dict[int, list[Any]],
    table: str | None,
) -> str:
    """How many of the branches' true sites are kept as sites of their company's account."""
    if table is None:
        return "n/a — no sites"
    true_sites: dict[tuple[str, str], str] = {}
    accounts_of: dict[str, set[int]] = defaultdict(set)
    records_of: dict[tuple[str, str], set[Any]] = defaultdict(set)
    for row, facts in truth.items():
        if facts.case != "branches" or row not in account_of:
            continue
        true_sites[(facts.company, facts.site)] = facts.istat
        accounts_of[facts.company].add(account_of[row])
        if row in site_of:
            records_of[(facts.company, facts.site)].add(site_of[row])
    kept = 0
    used: set[Any] = set()
    for (company, site), istat in true_sites.items():
        if site_of:  # sources name their site: the site must be its own, with the right code
            found = [r for r in records_of[(company, site)] if r not in used]
            ok = [r for r in found if _site_istat(site_rows[r]) == istat]
        else:
            ok = [s["id"] for a in accounts_of[company] for s in sites[a]
                  if _site_istat(s) == istat and s["id"] not in used]  # fmt: skip
        if ok:
            kept += 1
            used.add(ok[0])
    stored = sum(len(sites[a]) for c in accounts_of for a in accounts_of[c])
    return (
        f"{kept:,} of {len(true_sites):,} true sites ({kept / max(len(true_sites), 1):.1%}); "
        f"{stored:,} sites stored on their accounts (table `{table}`)"
    )
