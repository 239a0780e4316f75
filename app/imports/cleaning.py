"""Cleaning a batch's rows, a chunk at a time, in a second process when the file is large.

Why: cleaning (names, streets, municipalities, phones, VAT numbers) is about half of an
import's time and needs nothing from the database, while matching and writing need the
transaction. For a large file a second process cleans the next chunk while this one
matches and writes the previous one: the two halves overlap on two cores. Rows go out as
plain dicts and come back as ``Record``s (pickled, ~0.06 ms a row on the way back, a
quarter of what cleaning them costs). Small files are cleaned here: starting a process
(~1 s of imports) would cost more than it gives.

The worker is *spawned* (a fresh interpreter), not forked: the importing process may be a
web server with threads and open database connections, which a fork would copy half-way.
As with any spawned process, Python runs the main script again in it as ``__mp_main__``:
the application's entry points (``flask``, ``rq worker``, gunicorn, the benchmark) keep
their work under ``if __name__ == "__main__"``, and a script of your own that imports
a large file must do the same.

The worker gets the municipality reference's places and builds its own index from them
(the index keys its places by ``id()``, which pickling would not keep). A worker that dies
breaks the pool: the next result raises, the import's transaction rolls back.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Protocol

from app.accounts.normalise.municipality import MunicipalityIndex, Place
from app.imports.records import Record, make_record

PARALLEL_FROM = 30_000  # rows (estimated) from which a second process is worth starting
PROGRESS_EVERY = 2_000  # rows between two progress reports of inline cleaning
Items = list[tuple[int, Mapping[str, str]]]  # (row number, mapped raw values)

_index: MunicipalityIndex | None = None
_provinces: dict[str, str] = {}


Tick = Callable[[int], None]  # rows cleaned so far in the batch


class Cleaner(Protocol):
    def submit(self, items: Items, before: int) -> Future[list[Record]]:
        """Clean ``items``; ``before``: rows of the batch handed over earlier."""
        ...


def clean_all(
    index: MunicipalityIndex,
    provinces: dict[str, str],
    items: Items,
    tick: Tick | None = None,
    before: int = 0,
) -> list[Record]:
    records = []
    for done, (number, values) in enumerate(items, start=1):
        record = make_record(number, values, index, provinces)
        if not record.rejected:
            _ = record.fingerprint  # computed here, carried back with the record
        records.append(record)
        if tick is not None and done % PROGRESS_EVERY == 0:
            tick(before + done)
    return records


class InlineCleaner:
    """Cleans when asked, in this process; the result is ready at once."""

    def __init__(self, index: MunicipalityIndex, provinces: dict[str, str], tick: Tick) -> None:
        self.index, self.provinces, self.tick = index, provinces, tick

    def submit(self, items: Items, before: int) -> Future[list[Record]]:
        future: Future[list[Record]] = Future()
        future.set_result(clean_all(self.index, self.provinces, items, self.tick, before))
        return future


def _start_worker(places: list[Place], provinces: dict[str, str]) -> None:
    global _index, _provinces
    _index, _provinces = MunicipalityIndex(places), provinces


def _clean_in_worker(items: Items) -> list[Record]:
    assert _index is not None, "the worker was not started with its reference"  # noqa: S101  # nosec B101 # a programming error
    return clean_all(_index, _provinces, items)


class PoolCleaner:
    """Cleans in one spawned process; ``submit`` returns at once."""

    def __init__(self, executor: ProcessPoolExecutor, tick: Tick) -> None:
        self.executor, self.tick = executor, tick

    def submit(self, items: Items, before: int) -> Future[list[Record]]:
        self.tick(before)  # the worker cannot report: each chunk's start is reported
        return self.executor.submit(_clean_in_worker, items)


@contextmanager
def cleaner(
    index: MunicipalityIndex, provinces: dict[str, str], *, rows: int | None, tick: Tick
) -> Iterator[Cleaner]:
    """A second process for ``rows`` of ``PARALLEL_FROM`` or more, else this one."""
    if rows is None or rows < PARALLEL_FROM:
        yield InlineCleaner(index, provinces, tick)
        return
    executor = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(index.places, provinces),
    )
    try:
        yield PoolCleaner(executor, tick)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
