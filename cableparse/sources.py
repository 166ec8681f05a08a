"""Reading inputs: files, folders, containers, encodings. Everything the parsers read arrives as
a Source.

A Source keeps the original bytes next to the decoded text, so that nothing the user gave us is
lost and every span in a record can be traced back to the bytes it came from. Each file's format
is told from its content, not its name: a container's magic bytes (containers.py), the first row
of a `cables.csv` dump (csvdump.py), an HTML page (htmlpage.py), or else plain text.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import IO, TypeVar

from cableparse import containers, csvdump, htmlpage
from cableparse.decoding import decode, encode_back
from cableparse.inputs import Failure, Source, SourceError, is_dataset, is_document_name

__all__ = [
    "Failure",
    "Source",
    "SourceError",
    "decode",
    "encode_back",
    "iter_inputs",
    "iter_paths",
    "iter_sources",
    "iter_stream",
    "read_file",
    "read_stream",
    "read_zip_members",
]

# A document that is read whole (not a streamed cables.csv) is at most this long.
MAX_DOCUMENT_BYTES = 256 * 1024**2
_HEAD = 8192
PARQUET_MAGIC = b"PAR1"

T = TypeVar("T")


def read_file(path: Path, name: str | None = None) -> Iterator[Source | Failure]:
    """The documents in one file: one, or one per row of a dump or member of a container."""
    with path.open("rb") as stream:
        yield from read_stream(stream, name or str(path))


def read_stream(stream: IO[bytes], name: str, depth: int = 0) -> Iterator[Source | Failure]:
    """The documents in a binary stream, told apart by their first bytes."""
    if not isinstance(stream, io.BufferedReader):
        # Telling the format needs a look at the first bytes without consuming them; files,
        # standard input and container members are buffered readers, anything else is read.
        stream = io.BufferedReader(io.BytesIO(stream.read()))
    head = stream.peek(_HEAD)[:_HEAD]
    kind = containers.kind(head)
    if kind is not None:
        if depth >= containers.MAX_DEPTH:
            raise SourceError(f"containers nested more than {containers.MAX_DEPTH} deep; not read")
        reader = {
            "gzip": containers.read_gzip,
            "zip": containers.read_zip,
            "7z": containers.read_7z,
        }[kind]
        yield from _guarded(reader(stream, name, depth, _read_member), name)
        return
    if head.startswith(PARQUET_MAGIC):
        # A part file of a dataset met on its own: its rows are records only with the other
        # tables beside it, and as text it is binary noise.
        raise SourceError(
            "a Parquet file: cableparse reads a dataset by its folder "
            "(documents/ and sources/ in it)"
        )
    if csvdump.looks_like(head):
        yield from csvdump.read_rows(stream, name)
        return
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise SourceError(f"longer than {MAX_DOCUMENT_BYTES} bytes for one document; not read")
    text, encoding, warnings = decode(data)
    src = Source(
        name=name,
        data=data,
        text=text,
        encoding=encoding,
        format="text",
        warnings=tuple(warnings),
    )
    yield htmlpage.read_page(src) if htmlpage.looks_like(text) else src


def read_zip_members(
    stream: IO[bytes], name: str, members: Collection[int]
) -> Iterator[Source | Failure]:
    """Some members of a zip file (by their places in its directory: containers.zip_members),
    as reading the whole file gives them."""
    yield from _guarded(containers.read_zip(stream, name, 0, _read_member, members), name)


def _read_member(stream: IO[bytes], name: str, depth: int) -> Iterator[Source | Failure]:
    yield from _guarded(read_stream(stream, name, depth), name)


def _guarded(items: Iterator[Source | Failure], name: str) -> Iterator[Source | Failure]:
    """A container member that cannot be read is a Failure; the other members go on. An error
    that stops the stream itself (a bomb, a corrupt archive) ends it with a Failure."""
    try:
        yield from items
    except OSError as exc:
        # The path is already the Failure's name: "a.txt: Permission denied", not the path twice.
        yield Failure(name, exc.strerror or str(exc))
    except (SourceError, EOFError, UnicodeError) as exc:
        yield Failure(name, str(exc))


def iter_paths(path: Path) -> Iterator[Path | Failure]:
    """Files below a folder, in a stable order, skipping hidden files and non-documents.
    Linked folders are read too (a corpus is often assembled from links), each real folder
    once: a link back to a folder already being read is a loop, reported and not followed.
    A Parquet dataset's folder (inputs.is_dataset) is given as it is, after its parent's files,
    not walked: its part files are no documents one by one."""
    if path.is_file():
        yield path
        return
    seen: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(path, followlinks=True):
        here = os.stat(root)
        seen.add((here.st_dev, here.st_ino))
        keep = []
        datasets = []
        for d in sorted(d for d in dirs if not d.startswith(".")):
            sub = Path(root) / d
            try:
                st = sub.stat()
            except OSError as exc:
                yield Failure(str(sub), exc.strerror or str(exc))
                continue
            if (st.st_dev, st.st_ino) in seen:
                yield Failure(str(sub), f"a link back to {sub.resolve()}: a loop, not followed")
                continue
            if is_dataset(sub):
                datasets.append(sub)
            else:
                keep.append(d)
        dirs[:] = keep
        for f in sorted(files):
            if is_document_name(f):
                yield Path(root) / f
        yield from datasets


def iter_stream(stream: IO[bytes], name: str) -> Iterator[Source | Failure]:
    """The documents in an open binary stream (standard input), failures included."""
    yield from _guarded(read_stream(stream, name), name)


def iter_sources(path: str | os.PathLike[str]) -> Iterator[Source | Failure]:
    """Every document under a path; unreadable inputs come out as Failure, and the rest go on.
    A Parquet dataset's folder is a Failure here (cableparse.pipeline.read_inputs reads it)."""
    return iter_inputs(path, _dataset_not_read)


def iter_inputs(
    path: str | os.PathLike[str], read_dataset: Callable[[Path], Iterator[T]]
) -> Iterator[Source | Failure | T]:
    """iter_sources, with each Parquet dataset's folder under the path (or the path itself)
    given to `read_dataset`: the documents it holds are records already, not files to read."""
    root = Path(path)
    if not root.exists():
        yield Failure(str(path), "no such file or folder")
        return
    if is_dataset(root):
        yield from read_dataset(root)
        return
    for file in iter_paths(root):
        if isinstance(file, Failure):
            yield file
        elif file.is_dir():
            yield from read_dataset(file)
        else:
            yield from _guarded(read_file(file), str(file))


def _dataset_not_read(path: Path) -> Iterator[Failure]:
    yield Failure(str(path), "a Parquet dataset: cableparse.pipeline.read_inputs reads it")
