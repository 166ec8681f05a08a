"""The core both the CLI and the library call: a Source in, a Document out.

The cable grammar is tried first; a document it does not take goes to the article parser, and
the reason the grammar gave is kept in the record's warnings.
"""

from __future__ import annotations

import collections
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from cableparse import article, cable
from cableparse.errors import NotACable, ParseError
from cableparse.inputs import DEFAULT_MAX_MB, MAX_SIZE_ENV
from cableparse.model import Document
from cableparse.sources import Failure, Source, iter_sources

__all__ = [
    "map_stream",
    "max_document_bytes",
    "or_failure",
    "parse_path",
    "parse_source",
    "parse_sources",
    "parse_text",
    "record_or_fail",
]

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


def parse_or_fail(item: Source | Failure) -> Document | Failure:
    """One input to its Document, or to a Failure naming the input and the problem."""
    return or_failure(parse_source, item)


def record_or_fail(item: Source | Failure) -> dict[str, Any] | Failure:
    """One input to its record (the contract's JSON object), or to a Failure naming the input
    and the problem: a fault in making the record fails that input, as one in parsing does."""
    return or_failure(_record, item)


def _record(src: Source) -> dict[str, Any]:
    return parse_source(src).to_record()


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


# Batches of inputs handed to the workers before the results of the oldest are taken.
BATCHES_AHEAD = 3


def _yield_to_the_feeder() -> None:
    """A worker runs at a lower priority than the process that feeds it: that one process reads
    every input and writes every result, and when it waits for a core the workers soon wait
    for work (an ingest kept 1.72 of 2 cores busy)."""
    if hasattr(os, "nice"):
        os.nice(5)


def map_stream(
    fn: Callable[[Source | Failure], T], items: Iterable[Source | Failure], jobs: int = 1
) -> Iterator[tuple[Source | None, T]]:
    """`fn` over a stream of inputs, in order: each result with its Source (None for an input
    that could not be read). With jobs > 1, `fn` (a module-level function, so that it can be
    sent) runs in that many worker processes; the inputs are still read as a stream by this
    one, in bounded batches, so memory stays flat whatever the corpus size."""
    it = iter(items)
    if jobs <= 1:
        for item in it:
            yield (item if isinstance(item, Source) else None), fn(item)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_yield_to_the_feeder) as pool:
        # The next batches are read and handed out before this one's results are taken, so
        # that the workers have work while this process reads inputs and writes results.
        ahead: collections.deque[tuple[list[Source | Failure], Iterator[T]]] = collections.deque()
        while True:
            while len(ahead) < BATCHES_AHEAD and (batch := list(itertools.islice(it, 256 * jobs))):
                ahead.append((batch, pool.map(fn, batch, chunksize=16)))
            if not ahead:
                return
            batch, results = ahead.popleft()
            for item, result in zip(batch, results, strict=True):
                yield (item if isinstance(item, Source) else None), result


def parse_sources(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], jobs: int = 1
) -> Iterator[Document | Failure]:
    """Every document under one or more paths, in order, or a Failure naming the input and the
    problem (see map_stream for jobs)."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    items = itertools.chain.from_iterable(iter_sources(p) for p in paths)
    for _, result in map_stream(parse_or_fail, items, jobs):
        yield result


def parse_path(
    path: str | os.PathLike[str], on_error: Callable[[Failure], None] | None = None
) -> Iterator[Document]:
    """Documents under a file or folder. A bad input raises ParseError (from the original
    exception, when it is a fault of cableparse's own), unless `on_error` is given: then it is
    called with the Failure and the rest of the inputs are still read."""
    for item in parse_sources(path):
        if isinstance(item, Failure):
            if on_error is None:
                raise ParseError(str(item)) from item.cause
            on_error(item)
        else:
            yield item
