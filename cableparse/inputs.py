"""The value types of reading inputs: Source (one document's bytes and text), Failure, SourceError.

They live apart from cableparse.sources so that the format readers (csvdump, htmlpage,
containers) can build Sources while sources.py, the entry point, dispatches to them.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from pathlib import Path
from typing import Any, Literal

import attrs

# The setting of the size limit a document (cableparse.parsing.max_document_bytes reads it),
# kept here so that the command line can name it without loading the parsers.
MAX_SIZE_ENV = "CABLEPARSE_MAX_SIZE"
DEFAULT_MAX_MB = 100.0


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


def source_format(record_format: str) -> str:
    """The Source's format of a record's `provenance.format`: a plain text file is read as
    text whichever parser took it."""
    return "text" if record_format in ("cable-text", "article-text") else record_format


@attrs.frozen
class Parsed:
    """A Source that comes with its record made already (a row of a Parquet dataset): the
    pipeline keeps the record as it is rather than parse the Source again."""

    source: Source
    record: dict[str, Any]


@attrs.frozen
class Failure:
    """An input that could not be read, with a message a user understands. `cause` is the
    exception of a fault of cableparse's own, for a library caller's traceback; it stays in the
    process that met it (a worker's exception may not survive pickling)."""

    name: str
    message: str
    cause: BaseException | None = attrs.field(default=None, eq=False, repr=False)

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"

    def __reduce__(self) -> tuple[type[Failure], tuple[str, str]]:
        return (Failure, (self.name, self.message))


class SourceError(Exception):
    """An input cannot be read as a document."""


# In a folder walk or an archive's members, files with these endings are metadata or notes, not
# documents (the corpora people hold keep truth sidecars like 09BAKU139.json next to the cables),
# and hidden files are skipped. A file named explicitly is always read.
NOT_DOCUMENTS = frozenset({".json", ".md"})


def is_document_name(path: str) -> bool:
    name = posixpath.basename(path.replace("\\", "/"))
    return not name.startswith(".") and posixpath.splitext(name)[1].lower() not in NOT_DOCUMENTS


def is_dataset(path: str | os.PathLike[str]) -> bool:
    """Whether a folder is laid out as a cableparse Parquet dataset (documents/ and sources/
    in it; see cableparse/arrow.py). Told here, without pyarrow, so that reading inputs can
    tell a dataset from a folder of documents on an installation without the extra."""
    p = Path(path)
    return (p / "documents").is_dir() and (p / "sources").is_dir()
