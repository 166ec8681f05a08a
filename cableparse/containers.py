"""Containers: .gz, .zip and (with the `7z` extra, py7zr) .7z files.

Members become sources named `archive.zip!/path/in/zip` and are read like files, containers
inside containers included (to a depth of MAX_DEPTH). Nothing is written to disk. A member whose
path tries to leave the archive (`../x`, `/etc/x`, `C:\\x`) is refused, and decompression is
metered: a member that grows past MAX_MEMBER_BYTES, or past MAX_RATIO times its compressed size
once it is bigger than RATIO_FLOOR, stops with a Failure (a decompression bomb).
"""

from __future__ import annotations

import gzip
import io
import posixpath
import zipfile
from collections.abc import Callable, Collection, Iterator
from typing import IO, Protocol

from cableparse.inputs import Failure, Source, SourceError, is_document_name

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SEVENZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"

MAX_MEMBER_BYTES = 4 * 1024**3  # a whole cables.csv (1.6 GB) fits, streamed
MAX_RATIO = 200  # text compresses 3-10 times; bombs do thousands of times
RATIO_FLOOR = 16 * 1024**2
MAX_MEMBERS = 1_000_000  # the Cablegate torrent holds 251,287 pages
MAX_DEPTH = 3
BATCH_7Z_BYTES = 64 * 1024**2


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


Reader = Callable[[IO[bytes], str, int], Iterator[Source | Failure]]


def kind(head: bytes) -> str | None:
    if head[257:262] == b"ustar":
        raise SourceError("a tar archive: not read (unpack it, or zip it, first)")
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(SEVENZIP_MAGIC):
        return "7z"
    return None


class Metered(io.RawIOBase):
    """A decompressing stream that stops with SourceError when it grows like a bomb.
    `packed` tells how many compressed bytes have been read so far."""

    def __init__(self, inner: Readable, packed: Callable[[], int]) -> None:
        self.inner, self.packed, self.total = inner, packed, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.total += n
        if self.total > MAX_MEMBER_BYTES:
            raise SourceError(f"decompresses to more than {MAX_MEMBER_BYTES} bytes; not read")
        if self.total > RATIO_FLOOR and self.total > MAX_RATIO * max(self.packed(), 1):
            raise SourceError(
                f"decompresses more than {MAX_RATIO} times its size (a decompression bomb?); "
                "not read"
            )
        return n


class _Counted(io.RawIOBase):
    """Counts the compressed bytes a decompressor reads."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner, self.count = inner, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


def safe_member(path: str) -> str | None:
    """The member's path inside the archive, or None when it tries to leave it."""
    path = path.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return None
    norm = posixpath.normpath(path)
    if norm == ".." or norm.startswith("../"):
        return None
    return norm


def read_gzip(stream: IO[bytes], name: str, depth: int, read: Reader) -> Iterator[Source | Failure]:
    counted = _Counted(stream)
    inner = gzip.GzipFile(fileobj=io.BufferedReader(counted), mode="rb")
    member = posixpath.basename(name.split("!/")[-1])
    member = member[:-3] if member.lower().endswith(".gz") else member
    metered = io.BufferedReader(Metered(inner, lambda: counted.count))
    yield from read(metered, f"{name}!/{member}", depth + 1)


def read_zip(
    stream: IO[bytes],
    name: str,
    depth: int,
    read: Reader,
    members: Collection[int] | None = None,
) -> Iterator[Source | Failure]:
    """The members of a zip archive, in the order of their names; with `members`, only those
    at these places in the archive's directory (zip_members; a cluster reads a zip in parts)."""
    try:
        archive = zipfile.ZipFile(_seekable(stream))
    except zipfile.BadZipFile as exc:
        raise SourceError(f"not a readable zip file: {exc}") from exc
    with archive:
        infos = [
            info
            for k, info in enumerate(archive.infolist())
            if not info.is_dir() and (members is None or k in members)
        ]
        if len(infos) > MAX_MEMBERS:
            raise SourceError(f"{len(infos)} members, more than {MAX_MEMBERS}; not read")
        for info in sorted(infos, key=lambda i: i.filename):
            path = safe_member(info.filename)
            if path is None:
                yield Failure(f"{name}!/{info.filename}", "the member's path leaves the archive")
                continue
            if not is_document_name(path):
                continue
            member = f"{name}!/{path}"
            try:
                with archive.open(info) as raw:
                    metered = io.BufferedReader(Metered(raw, _fixed(info.compress_size)))
                    yield from read(metered, member, depth + 1)
            except (SourceError, zipfile.BadZipFile, RuntimeError, OSError) as exc:
                yield Failure(member, str(exc))


def zip_members(stream: IO[bytes]) -> list[tuple[int, int]]:
    """The members read_zip reads, in its order: each one's place in the archive's directory
    and its compressed size."""
    with zipfile.ZipFile(_seekable(stream)) as archive:
        infos = [(k, i) for k, i in enumerate(archive.infolist()) if not i.is_dir()]
    return [(k, i.compress_size) for k, i in sorted(infos, key=lambda ki: ki[1].filename)]


def read_7z(stream: IO[bytes], name: str, depth: int, read: Reader) -> Iterator[Source | Failure]:
    """Members are decompressed in batches of at most BATCH_7Z_BYTES, in memory: a solid 7z
    archive must be decompressed from its start for each batch, so fewer, bigger batches are
    faster, and a bound on them keeps memory flat."""
    try:
        import py7zr
        from py7zr.io import BytesIOFactory
    except ImportError as exc:
        raise SourceError(
            "a 7z archive: install the optional extra to read it (pip install 'cableparse[7z]')"
        ) from exc
    try:
        archive = py7zr.SevenZipFile(_seekable(stream), mode="r")
    except py7zr.exceptions.Bad7zFile as exc:
        raise SourceError(f"not a readable 7z file: {exc}") from exc
    with archive:
        infos = sorted((i for i in archive.list() if not i.is_directory), key=lambda i: i.filename)
        if len(infos) > MAX_MEMBERS:
            raise SourceError(f"{len(infos)} members, more than {MAX_MEMBERS}; not read")
        packed = max(sum(i.compressed or 0 for i in infos), 1)
        unpacked = sum(i.uncompressed or 0 for i in infos)
        if unpacked > MAX_MEMBER_BYTES or (
            unpacked > RATIO_FLOOR and unpacked > MAX_RATIO * packed
        ):
            raise SourceError(
                f"would decompress to {unpacked} bytes from {packed} (a decompression bomb?); "
                "not read"
            )
        batch: list[str] = []
        size = largest = 0
        for k, info in enumerate(infos):
            path = safe_member(info.filename)
            if path is None:
                yield Failure(f"{name}!/{info.filename}", "the member's path leaves the archive")
            elif is_document_name(path):
                batch.append(info.filename)
                size += info.uncompressed or 0
                largest = max(largest, info.uncompressed or 0)
            if batch and (size >= BATCH_7Z_BYTES or k == len(infos) - 1):
                # Each member holds no more than the archive declares for the largest.
                factory = BytesIOFactory(largest + 1)
                archive.reset()
                archive.extract(targets=batch, factory=factory)
                for member in batch:
                    blob = factory.products[member]
                    blob.seek(0)
                    source = io.BufferedReader(io.BytesIO(blob.read()))
                    yield from read(source, f"{name}!/{safe_member(member)}", depth + 1)
                batch, size, largest = [], 0, 0


def _fixed(count: int) -> Callable[[], int]:
    return lambda: count


def _seekable(stream: IO[bytes]) -> IO[bytes]:
    """Zip and 7z need to seek; a member of another container is read into memory (metered)."""
    if stream.seekable():
        return stream
    return io.BytesIO(stream.read())
