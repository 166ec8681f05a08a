"""Reading inputs: files, folders, encodings. Everything the parsers read arrives as a Source.

A Source keeps the original bytes next to the decoded text, so that nothing the user gave us is
lost and every span in a record can be traced back to the bytes it came from.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import attrs


@attrs.frozen
class Source:
    """One document's worth of input."""

    name: str  # the path as given; "a.zip!/x.txt" for a member; the CSV's path for a CSV row
    data: bytes  # the original bytes of this document
    text: str  # the decoded text the parsers read; spans index into it
    encoding: str
    format: str  # "text", "cablegate-html", "cables-csv", "article-html"
    warnings: tuple[str, ...] = ()
    # Where the document sits inside a larger file (a CSV row and its byte offset).
    row: int | None = None
    offset: int | None = None
    # Field values that came with the document from outside its text (a CSV's columns, an HTML
    # page's metadata table): reference_id, date, origin, classification, title, ...
    external: tuple[tuple[str, str], ...] = ()
    # Which parser should read it when the container says so; None: decide from the text.
    hint: Literal["cable", "article"] | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def external_value(self, key: str) -> str | None:
        return dict(self.external).get(key)


@attrs.frozen
class Failure:
    """An input that could not be read, with a message a user understands."""

    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


class SourceError(Exception):
    """An input cannot be read as a document."""


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """Bytes to text: (text, encoding, warnings). Raises SourceError for binary data."""
    warnings: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig", warnings
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", warnings
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise SourceError("binary data (NUL bytes), not text")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise SourceError("not text in any known encoding")
    encoding = best.encoding
    warnings.append(f"not UTF-8: decoded as {encoding} (detected)")
    return str(best), encoding, warnings


def read_file(path: Path, name: str | None = None) -> Iterator[Source]:
    """The documents in one file."""
    data = path.read_bytes()
    text, encoding, warnings = decode(data)
    yield Source(
        name=name or str(path),
        data=data,
        text=text,
        encoding=encoding,
        format="text",
        warnings=tuple(warnings),
    )


# In a folder walk, files with these endings are metadata or notes, not documents (the corpora
# people hold keep truth sidecars like 09BAKU139.json next to the cables). A file named
# explicitly is always read.
NOT_DOCUMENTS = frozenset({".json", ".md"})


def iter_paths(path: Path) -> Iterator[Path]:
    """Files below a folder, in a stable order, skipping hidden files and non-documents."""
    if path.is_file():
        yield path
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if not f.startswith(".") and Path(f).suffix.lower() not in NOT_DOCUMENTS:
                yield Path(root) / f


def iter_sources(path: str | os.PathLike[str]) -> Iterator[Source | Failure]:
    """Every document under a path; unreadable inputs come out as Failure, and the rest go on."""
    root = Path(path)
    if not root.exists():
        yield Failure(str(path), "no such file or folder")
        return
    for file in iter_paths(root):
        try:
            yield from read_file(file)
        except (OSError, SourceError, UnicodeError) as exc:
            yield Failure(str(file), str(exc))
