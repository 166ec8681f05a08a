"""The core both the CLI and the library call: a Source in, a Document out.

The cable grammar is tried first; a document it does not take goes to the article parser, and
the reason the grammar gave is kept in the record's warnings. Streams of inputs, and where they
are parsed, are cableparse/pipeline.py's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from cableparse import article, cable
from cableparse.errors import NotACable, ParseError
from cableparse.inputs import DEFAULT_MAX_MB, MAX_SIZE_ENV, Failure, Source
from cableparse.model import Document

__all__ = ["max_document_bytes", "or_failure", "parse_source", "parse_text"]

MB = 1 << 20


def max_document_bytes() -> int:
    """The size limit per document: $CABLEPARSE_MAX_SIZE megabytes, else 100 MB. An
    environment variable, so that parse --jobs workers and library callers share one setting."""
    value = os.environ.get(MAX_SIZE_ENV, "").strip()
    try:
        megabytes = float(value) if value else DEFAULT_MAX_MB
    except ValueError as exc:
        raise ParseError(f"${MAX_SIZE_ENV}={value!r} is not a size in megabytes") from exc
    return int(megabytes * MB)


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB // 10 else f"{n:,} bytes"


def parse_source(src: Source) -> Document:
    """Read one Source as a cable, or failing that as a news article."""
    if not src.text or src.text.isspace():
        # Not a document to keep: an empty record would stand in the archive for nothing.
        raise ParseError("empty file" if not src.data else "no text, only white space")
    limit = max_document_bytes()
    if len(src.data) > limit:
        raise ParseError(
            f"{_size(len(src.data))} is over the limit of {_size(limit)} per document "
            f"(--max-size, ${MAX_SIZE_ENV})"
        )
    if src.format == "article-html":
        return article.parse_html_article(src)
    if src.hint == "article":
        return article.parse_article(src, why_not_cable="the container marks it as an article")
    try:
        return cable.parse_cable(src)
    except NotACable as exc:
        if src.hint == "cable":
            raise ParseError(f"not a readable cable: {exc}") from exc
        return article.parse_article(src, why_not_cable=str(exc))


def parse_text(text: str, source: str = "<text>") -> Document:
    """Parse a document given as text. `source` names it in the record's provenance."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # Lone surrogates: no file holds them, so the text has no bytes to keep or hash.
        raise ParseError(f"{source}: the text is not valid Unicode ({exc.reason})") from exc
    return parse_source(Source(name=source, data=data, text=text, encoding="utf-8", format="text"))


T = TypeVar("T")


def or_failure(fn: Callable[[Source], T], item: Source | Failure) -> T | Failure:
    """`fn` of one input, or a Failure naming the input and the problem: a ParseError's, or
    any other exception's, which is a fault of cableparse's on that input."""
    if isinstance(item, Failure):
        return item
    where = f"row {item.row} (byte {item.offset}): " if item.row is not None else ""
    try:
        return fn(item)
    except ParseError as exc:
        return Failure(item.name, f"{where}{exc}")
    except Exception as exc:
        # A fault of the parsers' (or of a library's) on this one input: it is named as failed,
        # with the error, and the rest of a batch of thousands is still read.
        return Failure(
            item.name,
            f"{where}cableparse failed on it ({type(exc).__name__}: {exc}); "
            "please report this, with the file",
            cause=exc,
        )
