"""What a cluster worker does with one partition of the plan (cableparse.partitions), the same
for every engine (cableparse.dask, cableparse.spark): read it inside a guard, parse it with the
local code, and give back its records or write its part files of the Parquet dataset.

A fault outside the guard of one input (a bug in reading the partition) ends the partition with
a Failure naming it, after the records it gave: no partition is dropped without a word.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cableparse import partitions, pipeline
from cableparse.inputs import MAX_SIZE_ENV, Failure, Source
from cableparse.partitions import Files, Partition, Rows

__all__ = ["WRITE_BATCH", "failure", "guarded", "records_of", "settings", "write_part"]

Result = dict[str, Any] | Failure
Settings = dict[str, str | None]
# Documents a worker turns into Arrow tables at a time: it holds one batch's records, and the
# 500 of arrow.BATCH took a worker's peak RSS to 305 MB (docs/speed.md). Batches are joined
# into row groups of arrow.BATCH documents, as the local write's: row groups of 200 made the
# dataset 1.7 times as big (each row group is compressed, and has dictionaries, of its own).
WRITE_BATCH = 100
# The settings a worker takes from the process that starts the job (--max-size).
_SETTINGS = (MAX_SIZE_ENV,)


def settings() -> Settings:
    """This process's settings of a job, to send to the workers with each task."""
    return {key: os.environ.get(key) for key in _SETTINGS}


def records_of(part: Partition, settings: Settings | None = None) -> list[Result]:
    """One partition's records and failures, as a worker makes them."""
    _apply(settings or {})
    return [pipeline.record_step(item) for item in guarded(part)]


def write_part(
    numbered: tuple[int, Partition], out_dir: str, settings: Settings
) -> tuple[int, list[Failure]]:
    """One partition's part files, written in a folder of its own and moved into the
    dataset when whole: a task that dies part way (and is run again) leaves no half file."""
    from cableparse import arrow

    _apply(settings)
    k, part = numbered
    out = Path(out_dir)
    stage = out / f".part-{k:06d}"
    shutil.rmtree(stage, ignore_errors=True)
    failures: list[Failure] = []

    def pairs() -> Iterator[tuple[Source, dict[str, Any]]]:
        for item in pipeline.pairs(guarded(part)):
            if isinstance(item, Failure):
                failures.append(item)
            else:
                yield item

    batches = _row_groups(arrow.table_batches(pairs(), WRITE_BATCH), arrow.BATCH)
    written = arrow.write_dataset(batches, stage, prefix=f"part-{k:06d}")
    for table in arrow.TABLES:
        for file in sorted((stage / table).iterdir()):
            os.replace(file, out / table / file.name)
    shutil.rmtree(stage)
    return written, failures


def _row_groups(batches: Iterable[dict[str, Any]], size: int) -> Iterator[dict[str, Any]]:
    """Batches of tables joined into batches of at least `size` documents (one row group
    each, as write_dataset writes them). Each table is made one contiguous chunk: Parquet
    compresses a table written in chunks chunk by chunk (the sources table of a part came out
    1.27 times as big)."""
    import pyarrow as pa

    group: list[dict[str, Any]] = []
    documents = 0
    for batch in batches:
        group.append(batch)
        documents += batch["documents"].num_rows
        if documents >= size:
            yield _joined(group, pa)
            group, documents = [], 0
    if group:
        yield _joined(group, pa)


def _joined(group: list[dict[str, Any]], pa: Any) -> dict[str, Any]:
    return {name: pa.concat_tables([b[name] for b in group]).combine_chunks() for name in group[0]}


def guarded(part: Partition) -> Iterator[pipeline.Item]:
    """The partition's inputs; a fault in reading them (a bug of cableparse's, which a local
    read would stop on) ends the partition with a Failure naming it."""
    try:
        yield from partitions.read(part)
    except Exception as exc:
        yield failure(part, "cableparse failed reading it", exc)


def failure(part: Partition, what: str, exc: BaseException) -> Failure:
    if isinstance(part, Rows):
        name, where = part.path, f"bytes {part.start}-{part.end}: "
    elif isinstance(part, Files):
        first = part.paths[0] if part.paths else "?"
        name = first.name if isinstance(first, Failure) else first
        where = f"this and the next {len(part.paths) - 1} files: " if len(part.paths) > 1 else ""
    else:
        name, where = part.path, f"{len(part.members)} members: "
    return Failure(name, f"{where}{what} ({type(exc).__name__}: {exc}); please report this")


def _apply(settings: Settings) -> None:
    """This job's settings on a worker, which may have run another job's before."""
    for key, value in settings.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
