"""One pipeline for every command that reads inputs: inputs -> Source -> parse -> record -> out.

Where the parsing runs is the runner's business: `LocalPool` runs it in this process or in a
pool of worker processes; the cluster engines (cableparse.dask, cableparse.spark) read their own
partitions and hand their results over as Parquet. Where the records go is the sink's: the
archive (any `store.Sink`), or a stream of records for `parse` and the library.

A Parquet dataset's rows come in as records made already (inputs.Parsed, from
cableparse.arrow): the steps pass them on without parsing, and LocalPool keeps them out of its
workers.

Every input is guarded: a fault on one (a ParseError, or any exception of the parsers') comes
out as a Failure naming the input and the problem, and the rest go on.
"""

from __future__ import annotations

import collections
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

import attrs

from cableparse.errors import ParseError
from cableparse.inputs import Failure, Parsed, Source
from cableparse.model import Document
from cableparse.parsing import or_failure, parse_source
from cableparse.sources import iter_inputs, iter_stream
from cableparse.store import IngestReport, Prepared, Sink, prepared, rows_of

__all__ = [
    "BATCH",
    "LocalPool",
    "Progress",
    "Runner",
    "ingest",
    "pairs",
    "parse_path",
    "parse_sources",
    "read_inputs",
    "records",
    "source_of",
]

T = TypeVar("T")

# Documents a sink writes in one transaction.
BATCH = 500
# Batches of inputs handed to the workers before the results of the oldest are taken.
BATCHES_AHEAD = 3

Item = Source | Parsed | Failure
Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


class Runner(Protocol):
    """Runs a step over a stream of inputs, in order: each result with its Source (None for an
    input that could not be read; see source_of). The step is a module-level function, so that
    a runner may send it to other processes."""

    def map(
        self, step: Callable[[Item], T], items: Iterable[Item]
    ) -> Iterator[tuple[Source | None, T]]: ...


class Progress(Protocol):
    def update(self, n: int) -> None: ...


def _yield_to_the_feeder() -> None:
    """A worker runs at a lower priority than the process that feeds it: that one process reads
    every input and writes every result, and when it waits for a core the workers soon wait
    for work (an ingest kept 1.72 of 2 cores busy)."""
    if hasattr(os, "nice"):
        os.nice(5)


class LocalPool:
    """This machine's runner: the step in this process (jobs=1), or in `jobs` worker processes.
    The inputs are still read as a stream by this process, in bounded batches, so memory
    stays flat whatever the corpus size."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = jobs

    def map(
        self, step: Callable[[Item], T], items: Iterable[Item]
    ) -> Iterator[tuple[Source | None, T]]:
        it = iter(items)
        if self.jobs <= 1:
            for item in it:
                yield source_of(item), step(item)
            return
        with ProcessPoolExecutor(max_workers=self.jobs, initializer=_yield_to_the_feeder) as pool:
            # The next batches are read and handed out before this one's results are taken, so
            # that the workers have work while this process reads inputs and writes results.
            # A record made already (a dataset's) is taken here: sending it to a worker and its
            # result back cost more than the step (an ingest of 5,000: 4.0 s of CPU, not 3.1).
            ahead: collections.deque[tuple[list[Item], Iterator[T]]] = collections.deque()
            size = 256 * self.jobs
            while True:
                while len(ahead) < BATCHES_AHEAD and (batch := list(itertools.islice(it, size))):
                    work = [item for item in batch if not isinstance(item, Parsed)]
                    ahead.append((batch, pool.map(step, work, chunksize=16)))
                if not ahead:
                    return
                batch, results = ahead.popleft()
                for item in batch:
                    yield source_of(item), step(item) if isinstance(item, Parsed) else next(results)


def source_of(item: Item) -> Source | None:
    """An input's Source; None for one that could not be read."""
    if isinstance(item, Parsed):
        return item.source
    return item if isinstance(item, Source) else None


# ---- the steps a runner runs (module-level, so that they can be sent to workers) -------------


def parse_step(item: Item) -> Document | Failure:
    """One input to its Document, or to a Failure naming the input and the problem. A record
    read from a dataset has no Document, and its Source alone is not all its parser read (a
    dump's columns, a page's table): it is a Failure here, not parsed into another record."""
    if isinstance(item, Parsed):
        return Failure(
            item.source.name,
            "a record of a Parquet dataset: its Document is not kept (read its record)",
        )
    return or_failure(parse_source, item)


def record_step(item: Item) -> dict[str, Any] | Failure:
    """One input to its record (the contract's JSON object): a fault in making the record
    fails that input, as one in parsing does."""
    if isinstance(item, Parsed):
        return item.record
    return or_failure(_record, item)


def pair_step(item: Item) -> tuple[dict[str, Any], str | None] | Failure:
    """One input to its record and the text its spans index where that is not its Source's
    own (an HTML page's extract); None spares sending the same text back from a worker."""
    if isinstance(item, Parsed):
        return item.record, None
    return or_failure(_pair, item)


def rows_step(item: Item) -> Prepared | Failure:
    """One input to the rows a store writes (see store.rows_of)."""
    if isinstance(item, Parsed):
        return prepared(item.record, None)
    return or_failure(_rows, item)


def _record(src: Source) -> dict[str, Any]:
    return parse_source(src).to_record()


def _pair(src: Source) -> tuple[dict[str, Any], str | None]:
    doc = parse_source(src)
    return doc.to_record(), None if doc.text == src.text else doc.text


def _rows(src: Source) -> Prepared:
    return rows_of(src, parse_source(src))


# ---- inputs and outputs ------------------------------------------------------------------------


def read_inputs(paths: Paths) -> Iterator[Item]:
    """The documents under each path, in order, failures included; `-` is standard input, told
    by its content like a file (a cables.csv piped in is streamed). A Parquet dataset's folder,
    given or met in a folder, gives its records as they are, not parsed again."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    for path in paths:
        if path == "-":
            yield from iter_stream(sys.stdin.buffer, "-")
        else:
            yield from iter_inputs(path, _read_dataset)


def _read_dataset(path: Path) -> Iterator[Parsed | Failure]:
    """A dataset's records; a part file that cannot be read is a Failure naming it, and the
    other part files are still read."""
    try:
        from cableparse import arrow
    except ImportError as exc:
        yield Failure(str(path), f"a Parquet dataset: {exc}")
        return
    try:
        parts = arrow.parts(path)
    except arrow.DatasetError as exc:
        yield Failure(exc.path, exc.message)
        return
    for doc_file, src_file in parts:
        try:
            for src, record in arrow.read_part(doc_file, src_file):
                yield Parsed(src, record)
        except arrow.DatasetError as exc:
            yield Failure(exc.path, exc.message)


def records(
    items: Iterable[Item], runner: Runner | None = None
) -> Iterator[dict[str, Any] | Failure]:
    """The record of each input, in order, or its Failure."""
    for _, result in (runner or LocalPool()).map(record_step, items):
        yield result


def pairs(
    items: Iterable[Item], runner: Runner | None = None
) -> Iterator[tuple[Source, dict[str, Any]] | Failure]:
    """The record of each input with its Source, in order, or its Failure: what
    cableparse.arrow.tables takes. The Source's text is the text the record's spans index."""
    for src, result in (runner or LocalPool()).map(pair_step, items):
        if isinstance(result, Failure):
            yield result
        else:
            assert src is not None
            record, text = result
            yield (src if text is None else attrs.evolve(src, text=text)), record


def parse_sources(paths: Paths, jobs: int = 1) -> Iterator[Document | Failure]:
    """Every document under one or more paths, in order, or a Failure naming the input and the
    problem; with jobs > 1 in that many worker processes."""
    for _, result in LocalPool(jobs).map(parse_step, read_inputs(paths)):
        yield result


def parse_path(
    path: str | os.PathLike[str], on_error: Callable[[Failure], None] | None = None
) -> Iterator[Document]:
    """Documents under a file or folder. A bad input raises ParseError (from the original
    exception, when it is a fault of cableparse's own), unless `on_error` is given: then it is
    called with the Failure and the rest of the inputs are still read."""
    for item in parse_sources(path):
        if isinstance(item, Failure):
            if on_error is None:
                raise ParseError(str(item)) from item.cause
            on_error(item)
        else:
            yield item


def ingest(
    items: Iterable[Item],
    sink: Sink,
    runner: Runner | None = None,
    asked: str = "",
    progress: Progress | None = None,
    batch: int = BATCH,
) -> IngestReport:
    """Parse a stream of inputs into a sink, one write per batch of documents: a run that
    stops part way (killed, a full disk) leaves whole batches written and none half."""
    report = IngestReport()
    run = sink.begin_run(asked)
    pending: list[tuple[Source, Prepared]] = []
    try:
        for src, result in (runner or LocalPool()).map(rows_step, items):
            if progress is not None:
                progress.update(1)
            if isinstance(result, Failure):
                report.fail(result)
                continue
            assert src is not None
            pending.append((src, result))
            if len(pending) >= batch:
                report.add(sink.write_batch(pending, run))
                pending = []
        if pending:
            report.add(sink.write_batch(pending, run))
    finally:
        sink.end_run(run, report)
    return report
