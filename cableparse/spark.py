"""The Spark engine: one parse of many files, or of one big cables.csv, spread over a cluster.

The driver makes the plan (cableparse.partitions: groups of whole files, byte ranges of a dump cut
at row starts, groups of zip members) and sends each partition's description, not its bytes, to
an executor, which reads and parses it there with the same code as a local parse. So the records
are those of `cableparse parse`, in the same order, whatever the cluster.

    from cableparse import spark as cp_spark
    df = cp_spark.read(spark, ["cables.csv"])                  # a DataFrame of records
    report = cp_spark.write_dataset(spark, ["cables.csv"], "cablegate.parquet")

`write_dataset` has each task write its own part files (cableparse.worker.write_part, as Dask's
workers do: staged, then moved in whole) into the dataset that `cableparse ingest DIR` loads;
`out_dir` must be a folder every executor can write (local[N], a shared file system).
`parse_plan(plan)` and `parse_binary_files` are the functions for `mapInArrow`, for pipelines of
your own.

A failed input is never dropped: `read` gives it as a row whose `failure` names the input and
the reason (`failure.source`, `failure.message`) and whose record columns are null, and
`write_dataset` returns the failures.

This module needs pyspark (and pyarrow): `pip install 'cableparse[spark]'`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

# Before cableparse.arrow, whose own message would name only the parquet extra.
try:
    import pyarrow as pa
    import pyspark  # noqa: F401 - to name the extra when it is missing
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the Spark engine needs pyspark, an extra of cableparse: pip install 'cableparse[spark]'"
    ) from exc

from cableparse import arrow, partitions, pipeline, sources, worker
from cableparse.inputs import Failure
from cableparse.model import record_json

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "ARROW_SCHEMA",
    "SparkReport",
    "parse_binary_files",
    "parse_plan",
    "plan",
    "read",
    "records",
    "running",
    "write_dataset",
]


def _nullable(field: pa.Field) -> pa.Field:
    """The field, and every field inside it, nullable: Spark reads a null struct (an
    article's cable) as nulls in each of its fields, which a non-nullable one refuses."""
    kind = field.type
    if pa.types.is_struct(kind):
        kind = pa.struct([_nullable(kind.field(i)) for i in range(kind.num_fields)])
    elif pa.types.is_list(kind):
        kind = pa.list_(_nullable(kind.value_field))
    return field.with_type(kind).with_nullable(True)


# The records' columns, as the dataset's documents table has them, and the failure of an input
# that gave no record.
ARROW_SCHEMA = pa.schema(
    [_nullable(f) for f in arrow.SCHEMAS["documents"]]
    + [pa.field("failure", pa.struct([("source", pa.string()), ("message", pa.string())]))]
)
# Rows handed back to Spark at a time.
BATCH = arrow.BATCH

Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


@attrs.define
class SparkReport:
    """What a write_dataset did: the documents written, and the inputs that failed."""

    documents: int = 0
    partitions: int = 0
    failures: list[Failure] = attrs.Factory(list)


@contextlib.contextmanager
def running(master: str | None = None) -> Iterator[SparkSession]:
    """The SparkSession of this process if one is running (a notebook's, a test's), else a new
    one on `master` (spark://host:7077, yarn, local[4]; default local[N], N the cores), quiet
    (no UI, Spark's log at errors only) and stopped at the end."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        yield active
        return
    # The executors' Python is this one, which has cableparse, unless the user chose another.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(master or f"local[{os.cpu_count() or 1}]")
        .appName("cableparse")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def records(
    spark: SparkSession, paths: Paths, target_bytes: int = partitions.TARGET_BYTES
) -> Iterator[dict[str, Any] | Failure]:
    """The records under `paths`, or their Failures, in the order of a local parse, brought
    back to the driver a partition at a time."""
    # As JSON made on the executors: Spark's rows would give the provenance's maps back in
    # another order than the record's.
    parts = plan(spark, paths, target_bytes)
    lines = _numbered_frame(spark, parts).mapInArrow(
        functools.partial(_json_numbered, tuple(parts)),
        "record string, source string, message string",
    )
    for row in lines.toLocalIterator(prefetchPartitions=True):
        yield Failure(row.source, row.message) if row.record is None else json.loads(row.record)


def plan(
    spark: SparkSession, paths: Paths, target_bytes: int = partitions.TARGET_BYTES
) -> list[partitions.Partition]:
    """The partitions of a read of `paths`; the rows before each range of a dump are counted
    by the executors, so the driver does not read the dump."""
    context = spark.sparkContext

    def on_executors(
        fn: Callable[[partitions.Rows], int], ranges: list[partitions.Rows]
    ) -> list[int]:
        if not ranges:
            return []
        return context.parallelize(ranges, len(ranges)).map(fn).collect()

    return partitions.plan(paths, target_bytes, mapper=on_executors)


def read(
    spark: SparkSession, paths: Paths, target_bytes: int = partitions.TARGET_BYTES
) -> DataFrame:
    """The records under `paths` as a DataFrame, one Spark partition a plan partition, in the
    order of a local parse; an input that failed is a row with its `failure` and no record."""
    parts = plan(spark, paths, target_bytes)
    return _numbered_frame(spark, parts).mapInArrow(parse_plan(parts), _spark_schema())


def _numbered_frame(spark: SparkSession, parts: Sequence[partitions.Partition]) -> DataFrame:
    """A frame of the plan's partition numbers, one Spark partition each."""
    numbers = [(n,) for n in range(len(parts))]
    return spark.createDataFrame(
        spark.sparkContext.parallelize(numbers, max(len(numbers), 1)), "seq long"
    )


def parse_plan(
    parts: Sequence[partitions.Partition],
) -> Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The mapInArrow function over a frame whose `seq` column numbers the partitions of a
    plan: their records (and failures) as ARROW_SCHEMA rows. The plan goes to the executors
    with the function (Spark sends it), so no bytes of the inputs pass through the driver."""
    return functools.partial(_parse_numbered, tuple(parts))


def _parse_numbered(
    parts: tuple[partitions.Partition, ...], batches: Iterable[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        for n in batch.column("seq").to_pylist():
            yield from _batches(worker.guarded(parts[n]))


def parse_binary_files(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """For mapInArrow over `spark.read.format("binaryFile")`: each file's documents (one, or
    a dump's rows, or a container's members), named by the path Spark gives. A file is read
    whole into one row, so a big dump is better given to `read`, which cuts it."""
    for batch in batches:
        for path, content in zip(
            batch.column("path").to_pylist(), batch.column("content").to_pylist(), strict=True
        ):
            name = path.removeprefix("file:")
            stream = io.BufferedReader(io.BytesIO(content))
            yield from _batches(sources.iter_stream(stream, name))


def write_dataset(
    spark: SparkSession,
    paths: Paths,
    out_dir: str | os.PathLike[str],
    target_bytes: int = partitions.TARGET_BYTES,
) -> SparkReport:
    """Parse `paths` on the executors into a Parquet dataset at `out_dir` (the layout of
    cableparse.arrow, which `cableparse ingest` loads), each task writing its own part files.
    Returns the documents written and the failures, in input order."""
    out = Path(out_dir)
    for name in arrow.TABLES:
        if (out / name).exists() and any((out / name).iterdir()):
            raise arrow.DatasetError(out / name, "already there; write the dataset to a new folder")
    parts = plan(spark, paths, target_bytes)
    report = SparkReport(partitions=len(parts))
    if not parts:
        arrow.write_dataset([], out)
        return report
    for name in arrow.TABLES:
        (out / name).mkdir(parents=True, exist_ok=True)
    target, config = str(out.resolve()), worker.settings()
    results = (
        spark.sparkContext.parallelize(list(enumerate(parts)), len(parts))
        .map(lambda job: worker.write_part(job, target, config))
        .collect()
    )
    for written, failures in results:
        report.documents += written
        report.failures.extend(failures)
    return report


def _json_numbered(
    parts: tuple[partitions.Partition, ...], batches: Iterable[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    schema = pa.schema([("record", pa.string()), ("source", pa.string()), ("message", pa.string())])
    for batch in batches:
        for n in batch.column("seq").to_pylist():
            rows = [
                {"source": r.name, "message": r.message}
                if isinstance(r, Failure)
                else {"record": record_json(r)}
                for r in pipeline.records(worker.guarded(parts[n]))
            ]
            yield pa.RecordBatch.from_pylist(rows, schema=schema)


def _batches(items: Iterable[pipeline.Item]) -> Iterator[pa.RecordBatch]:
    rows: list[dict[str, Any]] = []
    for item in pipeline.records(items):
        rows.append(
            {"failure": {"source": item.name, "message": item.message}}
            if isinstance(item, Failure)
            else {**item, "failure": None}
        )
        if len(rows) >= BATCH:
            yield pa.RecordBatch.from_pylist(rows, schema=ARROW_SCHEMA)
            rows = []
    if rows:
        yield pa.RecordBatch.from_pylist(rows, schema=ARROW_SCHEMA)


def _spark_schema() -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(ARROW_SCHEMA)
