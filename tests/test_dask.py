"""The Dask engine on a LocalCluster of 2 worker processes: the records equal the local parse."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import cableparse
from cableparse import partitions, pipeline, worker
from cableparse.cli import main
from cableparse.inputs import Failure
from cableparse.partitions import Files, Rows

from .conftest import FIXTURES, SEEDS

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
import cableparse.dask as cdask  # noqa: E402 - only with the extra

FOLDERS = [SEEDS, FIXTURES / "cablegate-dev", FIXTURES / "cablegate-html", FIXTURES / "html"]


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    import dask

    # A worker that dies fails its task at once, not after three more workers have died of it.
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="400MiB",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def local(paths: list[str]) -> list[cdask.Result]:
    return list(pipeline.records(pipeline.read_inputs(paths)))


def test_the_bag_holds_the_local_records_in_order(
    client: distributed.Client, generated_csv: Path
) -> None:
    paths = [str(p) for p in [*FOLDERS, generated_csv]]
    bag = cdask.read(paths, target_bytes=256 * 1024)
    assert bag.npartitions > 8
    got = bag.compute()
    want = local(paths)
    assert len(want) > 350 and all(cdask.is_record(r) for r in want)
    assert got == want
    rows = [r["provenance"]["row"] for r in got if r["provenance"]["source"] == str(generated_csv)]
    assert rows == list(range(1, 301))


def test_records_stream_back_in_order_with_failures_in_their_place(
    client: distributed.Client, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_bytes((SEEDS / "002_304b85bcb573f93c.txt").read_bytes())
    (tmp_path / "b_empty.txt").write_bytes(b"")
    (tmp_path / "c.csv").write_bytes(b'"1","1/2/1970 3:04","x')
    paths = [str(tmp_path), str(tmp_path / "gone"), str(SEEDS)]
    got = list(cdask.records(paths, client, target_bytes=1024))
    assert got == local(paths)
    assert [str(f) for f in got if isinstance(f, Failure)] == [
        f"{tmp_path}/b_empty.txt: empty file",
        f"{tmp_path}/c.csv: row 1 (byte 0): the file ends inside a quoted field",
        f"{tmp_path}/gone: no such file or folder",
    ]


def test_the_command_line_gives_what_the_local_parse_gives(
    client: distributed.Client, generated_csv: Path, tmp_path: Path
) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    args = ["parse", str(SEEDS), str(generated_csv), str(tmp_path), "--format", "jsonl"]
    runner = CliRunner()
    here = runner.invoke(main, args)
    there = runner.invoke(
        main, [*args, "--engine", "dask", "--scheduler", client.scheduler.address]
    )
    assert (there.exit_code, there.stderr) == (1, f"{tmp_path}/empty.txt: empty file\n")
    assert (there.stdout, there.stderr, there.exit_code) == (
        here.stdout,
        here.stderr,
        here.exit_code,
    )
    assert len(there.stdout.splitlines()) == 305


def test_the_workers_write_the_dataset_of_the_local_parse(
    client: distributed.Client, generated_csv: Path, tmp_path: Path
) -> None:
    from cableparse import arrow

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    paths = [*(str(p) for p in FOLDERS), str(generated_csv), str(tmp_path / "in")]
    seen: list[Failure] = []
    written = cdask.to_parquet(paths, tmp_path / "out", client, 256 * 1024, seen.append)
    want = list(pipeline.pairs(pipeline.read_inputs(paths)))
    failures = [f for f in want if isinstance(f, Failure)]
    assert written.failures == tuple(seen) == tuple(failures)
    assert [str(f) for f in failures] == [f"{tmp_path}/in/empty.txt: empty file"]
    assert written.documents == len(want) - 1 > 350
    pairs = [p for p in want if not isinstance(p, Failure)]
    arrow.write_dataset(arrow.table_batches(pairs), tmp_path / "local")
    got = list(arrow.read_dataset(tmp_path / "out"))
    assert got == list(arrow.read_dataset(tmp_path / "local"))
    assert [record for _, record in got] == [record for _, record in pairs]
    # Part files of each part, in the plan's order; no staging folder left behind.
    names = sorted(f.name for f in (tmp_path / "out" / "documents").iterdir())
    assert len(names) > 8 and names[0] == "part-000000-00000.parquet"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == list(arrow.TABLES)
    with pytest.raises(arrow.DatasetError, match="already there"):
        cdask.to_parquet(paths, tmp_path / "out", client)


def test_the_command_line_writes_the_dataset_the_local_parse_writes(
    client: distributed.Client, tmp_path: Path
) -> None:
    from cableparse import arrow

    (tmp_path / "empty.txt").write_bytes(b"")
    args = ["parse", str(SEEDS), str(FIXTURES / "cables-csv"), str(tmp_path / "empty.txt")]
    runner = CliRunner()
    here = runner.invoke(main, [*args, "--format", "parquet", "-o", str(tmp_path / "here")])
    dask_args = ["--engine", "dask", "--scheduler", client.scheduler.address]
    out = ["--format", "parquet", "-o", str(tmp_path / "there")]
    there = runner.invoke(main, [*args, *out, *dask_args])
    assert (there.exit_code, there.stderr) == (here.exit_code, here.stderr)
    assert there.stderr == f"{tmp_path}/empty.txt: empty file\n"
    got = list(arrow.read_dataset(tmp_path / "there"))
    assert len(got) == 7 and got == list(arrow.read_dataset(tmp_path / "here"))


def test_a_dump_counted_and_read_in_ranges_on_the_workers(
    client: distributed.Client, generated_csv: Path
) -> None:
    size = generated_csv.stat().st_size
    parts = partitions.plan(str(generated_csv), size // 4 + 1, cdask._client_map(client))
    assert parts == partitions.plan(str(generated_csv), size // 4 + 1)
    assert [type(p) for p in parts] == [Rows] * 4


def test_a_worker_that_dies_fails_its_partition_and_the_job_goes_on(
    client: distributed.Client,
) -> None:
    parts: list[partitions.Partition] = [Files((str(SEEDS),)), Rows("dump.csv", 10, 20)]
    first, second = cdask.in_order(client, lambda part: os._exit(1), parts)
    assert isinstance(first, Failure) and isinstance(second, Failure)
    assert first.name == str(SEEDS) and "its task failed on a worker" in first.message
    assert second.name == "dump.csv" and second.message.startswith("bytes 10-20: ")
    # The cluster is still there for the next job.
    assert list(cdask.records([str(SEEDS)], client)) == local([str(SEEDS)])


def test_a_fault_in_reading_a_partition_ends_it_with_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Inside a worker: the records before the fault are kept, the fault names the part."""
    read = partitions.read

    def faulty(part: partitions.Partition) -> Iterator[pipeline.Item]:
        yield next(read(part))
        raise RuntimeError("a bug")

    monkeypatch.setattr(partitions, "read", faulty)
    got = worker.records_of(Files((str(SEEDS),)))
    assert len(got) == 2 and cdask.is_record(got[0])
    assert got[1] == Failure(
        str(SEEDS),
        "cableparse failed reading it (RuntimeError: a bug); please report this",
    )


def test_without_the_extra_the_command_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "cableparse.dask")
    monkeypatch.delattr(cableparse, "dask")
    monkeypatch.setitem(sys.modules, "dask.bag", None)
    result = CliRunner().invoke(main, ["parse", str(SEEDS), "--engine", "dask"])
    assert result.exit_code == 1
    assert "pip install 'cableparse[dask]'" in result.stderr


def test_a_worker_writes_row_groups_as_big_as_the_local_write() -> None:
    """Small batches of records (a worker's memory), joined into one contiguous table a row
    group: Parquet compresses a table written in chunks chunk by chunk."""
    from cableparse import arrow

    pairs = [p for p in pipeline.pairs(pipeline.read_inputs(FOLDERS)) if not isinstance(p, Failure)]
    groups = list(worker._row_groups(arrow.table_batches(pairs, 10), 25))
    sizes = [g["documents"].num_rows for g in groups]
    assert sizes[:-1] == [30] * (len(pairs) // 30) and sum(sizes) == len(pairs)
    assert all(t.column(0).num_chunks == 1 for g in groups for t in g.values())
    joined = [row for g in groups for row in g["sources"].to_pylist()]
    assert joined == [row for b in arrow.table_batches(pairs) for row in b["sources"].to_pylist()]
