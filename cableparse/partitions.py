"""The plan of a distributed read: the inputs cut into partitions that workers read on their own.

A partition is a small value a scheduler sends to a worker: whole files (`Files`), one byte range
of a cables.csv dump (`Rows`; the dump is one 1.6 GB file, which no cluster should read on one
worker), or some members of a zip archive (`Members`). `read(partition)` gives its documents
as a local read gives them: the documents of all partitions, in the plan's order, are those of
`pipeline.read_inputs(paths)`, byte for byte, names, row numbers and offsets included.

A dump is cut at lines that start like a row (`"123","12/31/1999 23:59","`): the dump's reader
starts a row at every such line, whatever came before it (a quote left open ends there as a
Failure), so a range that starts at one is read as the whole file's read reads it, and a naive
cut at a line break, which may fall inside a quoted field, is never made. The one thing a range
cannot know by itself is how many rows came before it: `plan` counts the rows of each range
(without decoding them; an engine passes its own `map` to count them on its workers) and each
Rows partition carries that number.

Paths with a protocol (`s3://bucket/dump.csv`, `memory://x`) are read through fsspec, which
comes with the dask extra; local paths need nothing but the standard library.
"""

from __future__ import annotations

import itertools
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import attrs

from cableparse import containers, csvdump, pipeline, sources
from cableparse.inputs import Failure, Parsed, Source, is_dataset, is_document_name

__all__ = [
    "TARGET_BYTES",
    "Files",
    "MapCounts",
    "Members",
    "Partition",
    "Rows",
    "count",
    "plan",
    "read",
]

# About what one partition holds: a few seconds of parsing on one core, and a few tens of
# megabytes of records for a worker to hold at once.
TARGET_BYTES = 32 * 1024**2
# How much of a dump is read at a time to find a row's start near a cut.
_WINDOW = 64 * 1024
# A row's start cut by a window's end is looked at again in the next.
_OVERLAP = 256


@attrs.frozen
class Files:
    """Whole files (or Parquet datasets' folders, whose records are not parsed again), each
    read as a local read of it would be; a Failure met while listing them (a folder that is a
    loop, a path that is not there) stands in its place."""

    paths: tuple[str | Failure, ...]


@attrs.frozen
class Rows:
    """The rows of a cables.csv dump that start in [start, end), and how many come before."""

    path: str
    start: int
    end: int
    rows_before: int = 0


@attrs.frozen
class Members:
    """Some members of a zip archive, by their places in its directory."""

    path: str
    members: tuple[int, ...]


Partition = Files | Rows | Members
MapCounts = Callable[[Callable[[Rows], int], list[Rows]], Iterable[int]]


def plan(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    target_bytes: int = TARGET_BYTES,
    mapper: MapCounts = map,
) -> list[Partition]:
    """The partitions of a read of `paths`, each of about `target_bytes`, in the order of a
    local read. Small files are grouped; a dump larger than that is cut into byte ranges, a zip
    archive into groups of members; other containers (gzip, 7z) stay whole, as they cannot be
    read from the middle. `mapper(count, ranges)` counts the rows of a dump's ranges (all but
    its last): the builtin map counts them here; an engine passes one that runs on its
    workers."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    parts: list[Partition] = []
    group: list[str | Failure] = []
    size = 0
    for entry in _entries(paths):
        if isinstance(entry, Failure):
            group.append(entry)
            continue
        split = _split(entry, target_bytes)
        if split is None:
            n = _size_or_none(entry) or 0
            if group and size + n > target_bytes:
                parts.append(Files(tuple(group)))
                group, size = [], 0
            group.append(entry)
            size += n
            continue
        if group:
            parts.append(Files(tuple(group)))
            group, size = [], 0
        parts.extend(split)
    if group:
        parts.append(Files(tuple(group)))
    return _numbered(parts, mapper)


def read(partition: Partition) -> Iterator[Source | Parsed | Failure]:
    """The documents of one partition, failures included, as a local read gives them."""
    if isinstance(partition, Files):
        for entry in partition.paths:
            if isinstance(entry, Failure):
                yield entry
            elif _is_url(entry):
                try:
                    with _open(entry) as stream:
                        yield from sources.iter_stream(stream, entry)
                except OSError as exc:
                    yield Failure(entry, exc.strerror or str(exc))
            else:
                yield from pipeline.read_inputs(entry)
    elif isinstance(partition, Rows):
        try:
            with _open(partition.path) as stream:
                stream.seek(partition.start)
                yield from csvdump.read_rows(
                    _chunks(stream),
                    partition.path,
                    offset=partition.start,
                    rows_before=partition.rows_before,
                    stop=partition.end,
                )
        except OSError as exc:
            yield Failure(partition.path, exc.strerror or str(exc))
    else:
        try:
            with _open(partition.path) as stream:
                yield from sources.read_zip_members(stream, partition.path, partition.members)
        except OSError as exc:
            yield Failure(partition.path, exc.strerror or str(exc))


def count(partition: Rows) -> int:
    """The rows (and failures) `read` gives for a range of a dump, found without decoding."""
    with _open(partition.path) as stream:
        stream.seek(partition.start)
        return csvdump.count_rows(_chunks(stream), offset=partition.start, stop=partition.end)


# ---- planning ----------------------------------------------------------------------------------


def _entries(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str | Failure]:
    """Every file under the paths, named as sources.iter_sources names it, or the Failure
    that listing met."""
    for path in paths:
        if path == "-":
            yield Failure("-", "standard input cannot be read in parts; give a file")
        elif _is_url(str(path)):
            yield from _remote_entries(str(path))
        elif not Path(path).exists():
            yield Failure(str(path), "no such file or folder")
        elif is_dataset(path):
            yield str(path)  # records made already: read whole, not parsed again
        else:
            for file in sources.iter_paths(Path(path)):
                yield file if isinstance(file, Failure) else str(file)


def _remote_entries(url: str) -> Iterator[str | Failure]:
    fs, root = _fsspec().core.url_to_fs(url)
    if not fs.exists(root):
        yield Failure(url, "no such file or folder")
    elif not fs.isdir(root):
        yield url
    else:
        for file in sorted(fs.find(root)):
            below = os.path.relpath(file, root).split(os.sep)
            if not any(p.startswith(".") for p in below) and is_document_name(file):
                yield fs.unstrip_protocol(file)


def _split(path: str, target_bytes: int) -> list[Partition] | None:
    """A file's partitions when it is a dump or a zip archive larger than one partition; None
    when it is read whole (and when it cannot be read now: reading it gives its Failure)."""
    size = _size_or_none(path)
    if size is None or size <= target_bytes:
        return None
    try:
        with _open(path) as stream:
            head = stream.read(8192)
            if csvdump.looks_like(head):
                return list(_ranges(stream, path, size, target_bytes))
            if head.startswith(containers.ZIP_MAGIC):
                stream.seek(0)
                return _member_groups(path, containers.zip_members(stream), target_bytes)
    except (OSError, ValueError, zipfile.BadZipFile):
        pass
    return None


def _ranges(stream: IO[bytes], path: str, size: int, target_bytes: int) -> Iterator[Rows]:
    pieces = -(-size // target_bytes)
    cuts = [0]
    for k in range(1, pieces):
        at = _row_start_after(stream, max(k * size // pieces, cuts[-1] + 1))
        if at is None:
            break
        if at > cuts[-1]:
            cuts.append(at)
    cuts.append(size)
    for start, end in itertools.pairwise(cuts):
        if start < end:
            yield Rows(path, start, end)


def _row_start_after(stream: IO[bytes], at: int) -> int | None:
    """The offset of the first line that starts like a row at `at` or after, or None."""
    pos = at - 1  # the file offset of buf[0]: the line break before a row that starts at `at`
    stream.seek(pos)
    buf = bytearray()
    while True:
        chunk = stream.read(_WINDOW)
        buf += chunk
        found = next(csvdump.row_starts(buf, 1), None)
        if found is not None:
            return pos + found
        if not chunk:
            return None
        keep = min(len(buf), _OVERLAP)
        pos += len(buf) - keep
        del buf[:-keep]


def _member_groups(
    path: str, members: list[tuple[int, int]], target_bytes: int
) -> list[Partition] | None:
    if len(members) > containers.MAX_MEMBERS:
        return None  # read whole, which reports it
    groups: list[Partition] = []
    group: list[int] = []
    size = 0
    for place, packed in members:
        if group and size + packed > target_bytes:
            groups.append(Members(path, tuple(group)))
            group, size = [], 0
        group.append(place)
        size += packed
    if group:
        groups.append(Members(path, tuple(group)))
    return groups


def _numbered(parts: list[Partition], mapper: MapCounts) -> list[Partition]:
    """The partitions with the rows before each range of a dump counted: each range's count
    is the rows of the ranges before it in the same file."""
    ranges = [
        p
        for p, after in itertools.pairwise([*parts, None])
        if isinstance(p, Rows) and isinstance(after, Rows) and after.path == p.path
    ]
    counted = dict(zip(ranges, mapper(count, ranges), strict=True))
    out: list[Partition] = []
    before = 0
    for p in parts:
        if isinstance(p, Rows):
            before = 0 if p.start == 0 else before
            out.append(attrs.evolve(p, rows_before=before))
            before += counted.get(p, 0)
        else:
            out.append(p)
    return out


# ---- files, local or through fsspec ------------------------------------------------------------


def _is_url(path: str) -> bool:
    return "://" in path


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError as exc:
        raise ImportError(
            "reading a path with a protocol needs fsspec: pip install 'cableparse[dask]'"
        ) from exc
    return fsspec


def _open(path: str) -> IO[bytes]:
    if _is_url(path):
        return _fsspec().open(path, "rb").open()  # type: ignore[no-any-return]
    return open(path, "rb")


def _size_or_none(path: str) -> int | None:
    """The file's size, or None when it cannot be had now (reading the file reports why)."""
    try:
        if _is_url(path):
            fs, root = _fsspec().core.url_to_fs(path)
            return int(fs.size(root))
        return os.path.getsize(path)
    except OSError:
        return None


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream in the dump reader's buffers: a local file gives what it has buffered
    (read1); an fsspec file is read a buffer at a time."""
    read = getattr(stream, "read1", stream.read)
    while chunk := read(csvdump.BUFFER_BYTES):
        yield chunk
