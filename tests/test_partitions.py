"""The plan of a distributed read: partitions read one by one, in order, give the local read."""

from __future__ import annotations

import io
import itertools
import pickle
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cableparse import csvdump, partitions, pipeline
from cableparse.inputs import Failure, Source
from cableparse.partitions import Files, Members, Rows

from .conftest import FIXTURES, SEEDS
from .test_csvdump import assert_same, dumps, reference

SAMPLE = FIXTURES / "cables-csv" / "cables_sample.csv"


def read_all(parts: list[partitions.Partition]) -> list[Source | Failure]:
    return [item for part in parts for item in partitions.read(part)]


def local(*paths: str | Path) -> list[Source | Failure]:
    return list(pipeline.read_inputs([str(p) for p in paths]))


def test_folders_in_partitions_read_as_the_local_read_reads_them() -> None:
    paths = [SEEDS, FIXTURES / "cablegate-dev", FIXTURES / "cablegate-html", FIXTURES / "html"]
    parts = partitions.plan([str(p) for p in paths], target_bytes=64 * 1024)
    assert len(parts) > 4
    assert all(isinstance(p, Files) for p in parts)
    got = read_all(parts)
    assert got == local(*paths)
    # Every document once: the sidecar .json truth files are no documents.
    names = [item.name for item in got]
    assert len(names) == len(set(names)) and not any(n.endswith(".json") for n in names)


def test_a_generated_dump_in_byte_ranges_reads_as_the_whole_file(generated_csv: Path) -> None:
    size = generated_csv.stat().st_size
    parts = partitions.plan(str(generated_csv), target_bytes=size // 5 + 1)
    assert [type(p) for p in parts] == [Rows] * 5
    # Each range starts at a row: the row's line starts like one, after a line break.
    data = generated_csv.read_bytes()
    for p in parts:
        assert isinstance(p, Rows)
        assert p.start == 0 or (
            data[p.start - 1 : p.start] == b"\n"
            and csvdump.looks_like(data[p.start : p.start + 64])
        )
    assert [p.rows_before for p in parts] == [
        sum(partitions.count(q) for q in parts[:k]) for k in range(len(parts))
    ]
    got, want = read_all(parts), local(generated_csv)
    assert len(want) == 300 and all(isinstance(i, Source) for i in want)
    assert_same(got, want)
    assert [i.row for i in got if isinstance(i, Source)] == list(range(1, 301))


def test_a_cut_next_to_a_quote_that_never_closes(tmp_path: Path) -> None:
    """The real sample with the first row's closing quote taken out: the first row fails with
    the message of a whole-file read (the quote is never closed), not as the end of a range."""
    data = SAMPLE.read_bytes()
    second = next(csvdump.row_starts(data))
    broken = data[: second - 2] + data[second - 1 :]  # the quote before the line break
    path = tmp_path / "broken.csv"
    path.write_bytes(broken * 3)
    parts = partitions.plan(str(path), target_bytes=len(broken) // 2)
    assert len(parts) >= 4
    got = read_all(parts)
    assert_same(got, local(path))
    failures = [i for i in got if isinstance(i, Failure)]
    assert len(failures) == 3 and all("a quote is never closed" in f.message for f in failures)
    assert failures[1].message.startswith(f"row 3 (byte {len(broken)}):")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=dumps(), picks=st.lists(st.integers(0, 10**6), max_size=6))
def test_generated_dumps_cut_at_any_rows_start_read_as_the_whole(
    data: bytes, picks: list[int]
) -> None:
    """Malformed dumps too (stray quotes and backslashes, rows cut short): a range may start at
    any line that starts like a row."""
    starts = list(csvdump.row_starts(data))
    cuts = sorted({starts[k % len(starts)] for k in picks} if starts else set())
    bounds = [0, *cuts, len(data)]
    got: list[Source | Failure] = []
    for start, end in itertools.pairwise(bounds):
        if start == end:
            continue
        rows_before = len(got)
        stream = io.BytesIO(data[start:])
        assert csvdump.count_rows(io.BytesIO(data[start:]), offset=start, stop=end) == sum(
            1 for _ in csvdump.read_rows(stream, "d.csv", offset=start, stop=end)
        )
        got += csvdump.read_rows(
            io.BufferedReader(io.BytesIO(data[start:])),
            "d.csv",
            offset=start,
            rows_before=rows_before,
            stop=end,
        )
    assert_same(got, reference(data))


def test_a_zip_in_groups_of_members_reads_as_the_whole_archive(tmp_path: Path) -> None:
    path = tmp_path / "corpus.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted((FIXTURES / "cablegate-dev").glob("*"), reverse=True):
            z.write(f, f"cables/{f.name}")
        z.writestr("../outside.txt", "a member whose path leaves the archive")
        z.writestr("inner.zip", _zip_of({"a.txt": (SEEDS / "000_92e5abb3b2bceab9.txt")}))
        z.write(SAMPLE, "dump/cables.csv")
    parts = partitions.plan(str(path), target_bytes=32 * 1024)
    assert len(parts) > 3 and all(isinstance(p, Members) for p in parts)
    got, want = read_all(parts), local(path)
    assert got == want
    assert Failure(f"{path}!/../outside.txt", "the member's path leaves the archive") in got


def _zip_of(files: dict[str, Path]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, f in files.items():
            z.write(f, name)
    return out.getvalue()


def test_what_cannot_be_read_fails_in_its_place(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 100_000)
    (tmp_path / "empty.txt").write_bytes(b"")
    paths = [str(tmp_path), str(tmp_path / "gone.txt"), str(SEEDS)]
    parts = partitions.plan(paths, target_bytes=1024)
    got = read_all(parts)
    assert got == local(*paths)
    assert Failure(str(tmp_path / "gone.txt"), "no such file or folder") in got
    assert any(isinstance(i, Failure) and i.name == str(tmp_path / "bad.zip") for i in got)
    assert partitions.plan("-") == [
        Files((Failure("-", "standard input cannot be read in parts; give a file"),))
    ]


def test_partitions_are_small_values_that_pickle(generated_csv: Path) -> None:
    parts = partitions.plan([str(generated_csv), str(SEEDS)], target_bytes=256 * 1024)
    assert pickle.loads(pickle.dumps(parts)) == parts
    assert all(len(pickle.dumps(p)) < 1024 for p in parts)


def test_the_rows_are_counted_by_the_map_given() -> None:
    calls: list[int] = []

    def mapper(fn, ranges):  # type: ignore[no-untyped-def]
        calls.append(len(ranges))
        return [fn(r) for r in ranges]

    parts = partitions.plan(str(SAMPLE), target_bytes=4000, mapper=mapper)
    assert calls == [len(parts) - 1] and len(parts) > 1  # the last range needs no count
    assert_same(read_all(parts), local(SAMPLE))


def test_paths_with_a_protocol_are_read_through_fsspec() -> None:
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    fs.pipe("/corpus/dump.csv", SAMPLE.read_bytes() * 4)
    fs.pipe("/corpus/a.txt", (SEEDS / "002_304b85bcb573f93c.txt").read_bytes())
    fs.pipe("/corpus/.hidden.txt", b"not read")
    fs.pipe("/corpus/a.json", b"{}")
    parts = partitions.plan("memory://corpus", target_bytes=len(SAMPLE.read_bytes()))
    assert [type(p) for p in parts] == [Files] + [Rows] * 4
    got = read_all(parts)
    assert isinstance(got[0], Source) and got[0].name == "memory:///corpus/a.txt"
    dump = io.BytesIO(SAMPLE.read_bytes() * 4)
    assert got[1:] == list(csvdump.read_rows(dump, "memory:///corpus/dump.csv"))


def test_a_dataset_is_read_whole_as_its_records(tmp_path: Path) -> None:
    from cableparse import arrow

    pairs = [p for p in pipeline.pairs(pipeline.read_inputs(SEEDS)) if not isinstance(p, Failure)]
    arrow.write_dataset(arrow.table_batches(pairs), tmp_path / "seeds.parquet")
    paths = [str(tmp_path / "seeds.parquet"), str(SEEDS)]
    parts = partitions.plan(paths, target_bytes=1024)
    assert parts[0] == Files((str(tmp_path / "seeds.parquet"),))
    got = read_all(parts)
    assert got == local(*paths) and len(got) == 10
    # In a folder walk, the dataset's folder comes after the files beside it, read whole.
    (tmp_path / "a.txt").write_bytes((SEEDS / "002_304b85bcb573f93c.txt").read_bytes())
    parts = partitions.plan(str(tmp_path), target_bytes=1024)
    got = read_all(parts)
    assert got == local(tmp_path) and len(got) == 6
    assert isinstance(got[0], Source) and got[0].name == str(tmp_path / "a.txt")
