"""What a store of records is, apart from how it keeps them.

The pipeline (cableparse/pipeline.py) writes to a `Sink`; the commands that read (show, search,
list, export, verify) read a `Store`. The SQLite archive (cableparse/archive.py) is both; a second
store (PostgreSQL, say) is one more class with these methods, not a copy of the pipeline.

The rows a store writes are made here from a parsed document (`rows_of`), where the parsing
happens: in a worker process under --jobs, so the one writing process does little more than
write. Nothing here loads the parsers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import attrs

from cableparse import ids
from cableparse.inputs import Failure, Source
from cableparse.model import Document, record_json


class ArchiveError(Exception):
    """The archive cannot be opened or written; the message says why, in a user's words."""


class LookupFailed(ArchiveError):
    """No document, or more than one, answers to an id. `candidates` lists close or
    competing ids."""

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


@attrs.define
class Counts:
    """What a write did with the documents it was given."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


@attrs.define
class IngestReport(Counts):
    failed: int = 0
    failures: list[Failure] = attrs.Factory(list)

    def add(self, counts: Counts) -> None:
        self.new += counts.new
        self.updated += counts.updated
        self.unchanged += counts.unchanged

    def fail(self, failure: Failure) -> None:
        self.failed += 1
        self.failures.append(failure)

    def summary(self) -> str:
        return (
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.failed} failed"
        )


@attrs.frozen
class Hit:
    id: str
    reference_id: str | None
    number: int | None
    title: str | None
    snippet: str

    def citation(self) -> str:
        cite = self.id if self.number is None else f"{self.id} ¶{self.number}"
        return f"{cite} ({self.reference_id})" if self.reference_id else cite


@attrs.frozen
class Summary:
    """What a listing shows of an archived document."""

    id: str
    reference_id: str | None
    kind: str
    title: str | None
    date: str | None

    def label(self) -> str:
        return f"{self.id} ({self.reference_id})" if self.reference_id else self.id


@attrs.frozen
class Link:
    """One REF item of a cable: the cable that cites (`citing`), the item as written, the
    canonical id it cites (None for an email, a telcon, an item not read as a cable), where it
    is in the citing cable's text, and the archived documents that id names (none: the cited
    cable is not in the archive)."""

    citing: Summary
    label: str | None
    kind: str
    text: str
    cited_id: str | None
    span: tuple[int, int]
    cited: tuple[Summary, ...]


@attrs.frozen
class Related:
    """A document found related to another: its score (higher is closer), the query terms it
    shares with the other, and the days between the two (None where a date is unknown)."""

    document: Summary
    score: float
    terms: tuple[str, ...]
    days: int | None


def identity(record: dict[str, Any]) -> str:
    """What makes two records versions of one document: a cable's reference id (or its id
    and date when the year is unknown), an article's id."""
    cable = record.get("cable")
    if cable:
        if cable.get("reference_id"):
            return f"cable:{cable['reference_id']}"
        return f"cable:{record['id']}:{record.get('date') or ''}"
    return f"article:{record['id']}"


def lookup_forms(record: dict[str, Any]) -> list[str]:
    """Every id form a user may type for this record, folded (see ids.fold)."""
    forms = {ids.fold(record["id"])}
    forms.update(ids.fold(a) for a in record.get("aliases", []))
    cable = record.get("cable")
    if cable:
        station = ids.station_key(cable["origin"])
        serial = cable["serial"]
        forms.add(f"{station}-{serial:06d}")
        forms.add(f"{station} {serial}")
        if cable.get("reference_id"):
            year = cable["reference_id"][:2]
            forms.add(f"{year}{station}{serial}")
            forms.add(f"{year}{station}{serial:06d}")
    return sorted(forms)


@attrs.frozen
class Prepared:
    """A parsed document reduced to the values a store writes, sent to the writing process as
    plain tuples rather than the nested record."""

    record_json: str
    identity: str
    sha256: str
    format: str
    # The version of the parser that made the record: this one's for a parse, an older one's
    # for a record loaded from a dataset.
    parser_version: str
    # The documents columns from `id` to `year`, in the table's order.
    columns: tuple[Any, ...]
    # (seq, number, label, marking, heading, text, span_start, span_end) of each paragraph.
    paragraphs: list[tuple[Any, ...]]
    forms: list[str]
    tags: list[str]
    # (seq, label, kind, text, cited_id, span_start, span_end) of each REF item; `cited_id`
    # is the canonical id of the cited cable (None for an email, a telcon, an unread item).
    references: list[tuple[Any, ...]]
    # The text the spans index, when it is not the Source's own (an HTML page's extract):
    # None spares sending the same text back from the worker.
    text: str | None

    @property
    def title(self) -> str | None:
        title: str | None = self.columns[2]
        return title


def rows_of(src: Source, doc: Document) -> Prepared:
    """The rows of one parsed document."""
    return prepared(doc.to_record(), None if doc.text == src.text else doc.text, doc.text)


def prepared(record: dict[str, Any], text: str | None, spanned: str | None = None) -> Prepared:
    """The rows of one record; `text` is the text its spans index, where that is not its
    Source's own; `spanned` is that text in either case, where the caller has it, for the
    span of each reference (see reference_rows)."""
    cable = record.get("cable") or {}
    ref = cable.get("reference_id")
    return Prepared(
        record_json=record_json(record),
        identity=identity(record),
        sha256=record["provenance"]["sha256"],
        format=record["provenance"]["format"],
        parser_version=record["provenance"]["parser_version"],
        columns=(
            record["id"],
            record["kind"],
            record["title"],
            record["date"],
            record["classification"],
            cable.get("origin"),
            ref,
            ids.station_key(cable["origin"]) if cable else None,
            cable.get("serial"),
            ref[:2] if ref else None,
        ),
        paragraphs=[
            (seq, p["number"], p["label"], p["marking"], p["heading"], p["text"], *p["span"])
            for seq, p in enumerate(record["paragraphs"])
        ],
        forms=lookup_forms(record),
        tags=list(cable.get("tags", [])),
        references=reference_rows(record, text if text is not None else spanned),
        text=text,
    )


def reference_rows(record: dict[str, Any], text: str | None) -> list[tuple[Any, ...]]:
    """The rows of a record's references, each with the span of its item in `text`.

    The record gives a reference's text with its whitespace squashed and the REF section's
    span (`provenance.spans.references`, the first section's). Each item is looked for, in
    order, as its words with any whitespace between them, from the end of the one before:
    in the first REF section, then in the rest of the front matter (a second section stands
    before the first paragraph). An item not written so (an escape or entity the parser
    undid), or no `text` to look in, gets its section's span."""
    refs = (record.get("cable") or {}).get("references") or []
    if not refs:
        return []
    section = record["provenance"]["spans"].get("references") or (0, 0)
    starts = [p["span"][0] for p in record["paragraphs"] if p["span"][0] >= section[1]]
    front_end = min(starts, default=len(text) if text is not None else section[1])
    cursor = section[0]
    rows = []
    for seq, ref in enumerate(refs):
        found = _locate(text, ref["text"], cursor, section[1], front_end) if text else None
        if found is not None:
            cursor = found[1]
        span = found or section
        rows.append((seq, ref["label"], ref["kind"], ref["text"], ref["id"], *span))
    return rows


def _locate(
    text: str, item: str, start: int, section_end: int, front_end: int
) -> tuple[int, int] | None:
    """Where a REF item is written, from `start`: in its section, else before `front_end`."""
    if not item:
        return None
    # Most items stand on one line as the record has them: a find, not a regex.
    at = text.find(item, start, section_end)
    if at >= 0:
        return (at, at + len(item))
    spaced = re.compile(r"\s+".join(map(re.escape, item.split())))
    found = spaced.search(text, start, section_end) or spaced.search(
        text, max(start, section_end), front_end
    )
    return found.span() if found else None


class Sink(Protocol):
    """Where the pipeline writes: a run is begun, written in batches and finished."""

    def begin_run(self, asked: str) -> int:
        """Start a run (`asked`: what the user gave, for the record); returns its id."""
        ...

    def write_batch(self, batch: Sequence[tuple[Source, Prepared]], run: int) -> Counts:
        """Write one batch, all or nothing, and say what became of its documents."""
        ...

    def end_run(self, run: int, report: IngestReport) -> None: ...


class Store(Sink, Protocol):
    """A Sink that can be read: the look-ups of show, search, list, export and verify."""

    def resolve(self, text: str) -> dict[str, Any]:
        """The current record an id names, in any form; LookupFailed when none or several."""
        ...

    def text_of(self, record: dict[str, Any]) -> str: ...

    def source_of(self, record: dict[str, Any]) -> Source:
        """The Source a record was made from: its original bytes, and as its text the text its
        spans index (what a Parquet dataset keeps of it)."""
        ...

    def versions(self, record: dict[str, Any]) -> list[dict[str, Any]]: ...

    def search(self, query: str, limit: int = 20) -> list[Hit]: ...

    def refs(self, record: dict[str, Any]) -> list[Link]:
        """The cable's REF items in order, each with the archived documents it names."""
        ...

    def cited_by(self, record: dict[str, Any]) -> list[Link]:
        """The REF items of current cables that name this document, by the citing cable's
        date."""
        ...

    def links(
        self,
        tag: str | None = None,
        since: str | None = None,
        until: str | None = None,
        kind: str | None = None,
    ) -> Iterator[Link]:
        """The REF items of every current cable the filters keep, resolved as `refs` does."""
        ...

    def related(
        self,
        record: dict[str, Any],
        kind: str | None = None,
        days: int | None = None,
        limit: int = 10,
    ) -> list[Related]:
        """The current documents most about the same events, best first."""
        ...

    def records(
        self,
        tag: str | None = None,
        since: str | None = None,
        until: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]: ...

    def verify(self) -> list[str]: ...

    def counts(self) -> dict[str, int]: ...
