"""Dask, the Python cluster engine: the inputs read and parsed in partitions on a cluster.

    import cableparse.dask
    bag = cableparse.dask.read(["cables.csv", "s3://bucket/pages/"])   # a dask.bag
    bag.filter(cableparse.dask.is_record).pluck("id").take(5)

The read is planned by cableparse.partitions (folders by lists of files, a cables.csv by byte
ranges cut at rows, a zip by groups of members), and each partition is read and parsed where
it runs, so no worker reads the whole of a big dump. The items, in partition order, are those
of the local parse (pipeline.records): a record, or a Failure naming an input that could not
be read (`PATH: reason`), in the same place.

A fault outside the guard of one input (reading a partition, a worker that dies) becomes a
Failure naming that partition, after the records it gave, and the other partitions go on: no
partition is dropped without a word, and no one input ends the job.

`connect()` gives a client of a scheduler at an address, or of a LocalCluster of one worker a
core; `records()` runs a read on it, streaming the records back in order, and `to_parquet()`
has the workers write the Parquet dataset of cableparse.arrow themselves, as `cableparse parse
--engine dask [--format parquet -o DIR]` does. A bag's partition is a list in a worker's memory
(the records of some 30 MB of input); for a whole dump, the dataset is the way.
Needs the dask extra: pip install 'cableparse[dask]'.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import attrs

from cableparse import partitions, pipeline, worker
from cableparse.inputs import Failure
from cableparse.partitions import TARGET_BYTES, Partition, Rows

try:
    import dask.bag as db
    from distributed import Client, LocalCluster
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the Dask engine needs Dask, an extra of cableparse: pip install 'cableparse[dask]'"
    ) from exc

__all__ = [
    "TARGET_BYTES",
    "Written",
    "connect",
    "in_order",
    "is_record",
    "read",
    "records",
    "to_parquet",
]

T = TypeVar("T")
Paths = pipeline.Paths
Result = dict[str, Any] | Failure


def read(paths: Paths, target_bytes: int = TARGET_BYTES) -> db.Bag:
    """A bag of the records under `paths` (files, folders, fsspec URLs), one bag partition a
    partition of the plan, each item a record or the Failure of an input that could not be read,
    in the order of the local parse. The rows of a dump are counted on the scheduler in use
    when the plan is made (dask's default, or a distributed Client's)."""
    parts = partitions.plan(paths, target_bytes, _bag_map)
    settings = worker.settings()
    bag: db.Bag = db.from_sequence(parts, npartitions=max(len(parts), 1)).map_partitions(
        _records_of_all, settings
    )
    return bag


def is_record(item: Result) -> bool:
    """Whether a bag's item is a record (not a Failure): for bag.filter."""
    return not isinstance(item, Failure)


@contextlib.contextmanager
def connect(scheduler: str | None = None) -> Iterator[Client]:
    """A client of the scheduler at `scheduler` (tcp://host:8786), or of a LocalCluster on
    this machine, one single-threaded worker process a core (parsing holds the GIL), quiet
    and without a dashboard; it is closed on the way out."""
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def records(paths: Paths, client: Client, target_bytes: int = TARGET_BYTES) -> Iterator[Result]:
    """The records under `paths` parsed on the client's cluster, in the order of the local
    parse, each partition's as it is done (a few partitions run ahead of the one being
    given, so that the workers stay busy while memory stays bounded)."""
    parts = partitions.plan(paths, target_bytes, _client_map(client))
    for result in in_order(client, worker.records_of, parts, worker.settings()):
        if isinstance(result, Failure):
            yield result
        else:
            yield from result


@attrs.frozen
class Written:
    """What to_parquet wrote: the documents, and the inputs that failed, in order."""

    documents: int
    failures: tuple[Failure, ...]


def to_parquet(
    paths: Paths,
    out_dir: str | os.PathLike[str],
    client: Client | None = None,
    target_bytes: int = TARGET_BYTES,
    on_error: Callable[[Failure], None] | None = None,
) -> Written:
    """Parse `paths` on the cluster into the Parquet dataset of cableparse.arrow at `out_dir`,
    each partition written by its worker as part files of its own (`part-NNNNNN-*`, in the
    plan's order, so the dataset reads back in the order of the local parse), a batch at a
    time. `out_dir` must be a folder every worker reaches, new or without part files. Each
    failure is given to `on_error` as its partition is done. Without a client, a LocalCluster
    runs it."""
    from cableparse import arrow

    out = Path(out_dir)
    for table in arrow.TABLES:
        old = sorted((out / table).glob("*.parquet"))
        if old:
            raise arrow.DatasetError(old[0], "already there; write the dataset to a new folder")
    for table in arrow.TABLES:
        (out / table).mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(connect())
        parts = partitions.plan(paths, target_bytes, _client_map(client))
        documents = 0
        failures: list[Failure] = []
        for result in in_order(
            client, worker.write_part, enumerate(parts), str(out), worker.settings()
        ):
            written, failed = (0, [result]) if isinstance(result, Failure) else result
            documents += written
            for failure in failed:
                failures.append(failure)
                if on_error is not None:
                    on_error(failure)
    return Written(documents, tuple(failures))


def in_order(
    client: Client,
    task: Callable[..., T],
    parts: Iterable[Partition | tuple[int, Partition]],
    *args: Any,
) -> Iterator[T | Failure]:
    """`task(part, *args)` of each partition (or (number, partition)) on the cluster, the
    results in partition order. A task that fails as a whole (its worker died, its result
    could not come back) gives a Failure naming its partition instead; the others go on."""
    ahead = 2 * max(sum(client.nthreads().values()), 1)
    window: collections.deque[tuple[Partition | tuple[int, Partition], Any]]
    window = collections.deque()
    todo = iter(parts)
    while True:
        while len(window) < ahead and (part := next(todo, None)) is not None:
            window.append((part, client.submit(task, part, *args, pure=False)))
        if not window:
            return
        part, future = window.popleft()
        try:
            result: T | Failure = future.result()
        except Exception as exc:
            whole = part[1] if isinstance(part, tuple) else part
            result = worker.failure(whole, "its task failed on a worker", exc)
        future.release()
        yield result


# ---- on the workers ----------------------------------------------------------------------------


def _records_of_all(parts: list[Partition], settings: dict[str, str | None]) -> list[Result]:
    return [r for part in parts for r in worker.records_of(part, settings)]


# ---- counting a dump's rows on the cluster -----------------------------------------------------


def _bag_map(fn: Callable[[Rows], int], ranges: list[Rows]) -> Iterable[int]:
    if not ranges:
        return []
    counts: list[int] = db.from_sequence(ranges, npartitions=len(ranges)).map(fn).compute()
    return counts


def _client_map(client: Client) -> partitions.MapCounts:
    def mapper(fn: Callable[[Rows], int], ranges: list[Rows]) -> Iterable[int]:
        counts: list[int] = client.gather(client.map(fn, ranges, pure=False))
        return counts

    return mapper
