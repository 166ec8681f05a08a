"""The record model: small frozen attrs classes, serialised to the record in one place.

The record's keys are a promise to people outside the project (see docs/record.md and
cableparse/record.schema.json); the classes here mirror them one to one.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs
import orjson

SCHEMA = "cableparse.record/1"

Span = tuple[int, int]


def _span(value: Any) -> Span:
    start, end = value
    if not 0 <= start <= end:
        raise ValueError(f"bad span {value!r}")
    return (int(start), int(end))


@attrs.frozen
class Paragraph:
    text: str
    span: Span = attrs.field(converter=_span)
    number: int | None = None
    label: str | None = None
    marking: str | None = None
    heading: str | None = None


@attrs.frozen
class Recipient:
    name: str
    route: str | None = None
    precedence: str | None = None
    mcn: str | None = None


@attrs.frozen
class Reference:
    text: str
    label: str | None = None
    kind: Literal["cable", "email", "telcon", "other"] = "other"
    id: str | None = None


@attrs.frozen
class ClassifiedBy:
    text: str
    name: str | None = None
    title: str | None = None


@attrs.frozen
class Section:
    number: int
    of: int


@attrs.frozen
class Cable:
    origin: str
    serial: int
    reference_id: str | None = None
    from_: str | None = None
    to: tuple[Recipient, ...] = ()
    info: tuple[Recipient, ...] = ()
    transmission_id: str | None = None
    precedence: str | None = None
    dtg: str | None = None
    section: Section | None = None
    handling: tuple[str, ...] = ()
    eo: str | None = None
    declassify_on: str | None = None
    tags: tuple[str, ...] = ()
    subject: str | None = None
    references: tuple[Reference, ...] = ()
    classified_by: ClassifiedBy | None = None
    reasons: tuple[str, ...] = ()
    signed_by: tuple[str, ...] = ()
    summary: str | None = None


@attrs.frozen
class Dateline:
    text: str
    place: str | None = None
    agency: str | None = None


@attrs.frozen
class Article:
    headline: str
    dateline: Dateline | None = None
    byline: str | None = None
    published: str | None = None
    captions: tuple[str, ...] = ()
    deck: str | None = None


@attrs.frozen
class Provenance:
    source: str
    sha256: str
    encoding: str
    format: str
    parser: Literal["cable", "article"]
    parser_version: str
    warnings: tuple[str, ...] = ()
    # Where inside a larger file the document sits (a cables.csv row, a zip member).
    row: int | None = None
    offset: int | None = None
    length: int | None = None
    # Which field values came from outside the text (CSV columns, an HTML page's table).
    external: tuple[tuple[str, str], ...] = ()
    # For each of reference_id, date, classification, origin, title: "text", "external" or
    # "both" (they agree).
    field_sources: tuple[tuple[str, str], ...] = ()
    # Character spans of extracted fields in the source text: field name -> [start, end).
    spans: tuple[tuple[str, Span], ...] = ()


@attrs.frozen
class Document:
    id: str
    kind: Literal["cable", "article"]
    text: str
    provenance: Provenance
    title: str | None = None
    date: str | None = None
    classification: str | None = None
    aliases: tuple[str, ...] = ()
    paragraphs: tuple[Paragraph, ...] = ()
    cable: Cable | None = None
    article: Article | None = None

    def paragraph(self, number: int) -> Paragraph | None:
        for para in self.paragraphs:
            if para.number == number:
                return para
        return None

    def to_record(self) -> dict[str, Any]:
        """The record of shared/contract.md: plain JSON types, keys in a fixed order."""
        return {
            "schema": SCHEMA,
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "date": self.date,
            "classification": self.classification,
            "aliases": list(self.aliases),
            "paragraphs": [_paragraph(p) for p in self.paragraphs],
            "cable": _cable(self.cable) if self.cable else None,
            "article": _article(self.article) if self.article else None,
            "provenance": _provenance(self.provenance),
        }


def record_json(record: dict[str, Any]) -> str:
    """A record as one line of JSON: keys in the record's order, non-ASCII kept as it is, no
    spaces. orjson writes the same bytes as json.dumps with those settings, ten times faster:
    the record's JSON was a tenth of a cable's parse and of an ingest worker's time."""
    return orjson.dumps(record).decode("utf-8")


def _paragraph(p: Paragraph) -> dict[str, Any]:
    return {
        "number": p.number,
        "label": p.label,
        "marking": p.marking,
        "heading": p.heading,
        "text": p.text,
        "span": list(p.span),
    }


def _recipient(r: Recipient) -> dict[str, Any]:
    return {"route": r.route, "name": r.name, "precedence": r.precedence, "mcn": r.mcn}


def _cable(c: Cable) -> dict[str, Any]:
    return {
        "reference_id": c.reference_id,
        "origin": c.origin,
        "serial": c.serial,
        "from": c.from_,
        "to": [_recipient(r) for r in c.to],
        "info": [_recipient(r) for r in c.info],
        "transmission_id": c.transmission_id,
        "precedence": c.precedence,
        "dtg": c.dtg,
        "section": {"number": c.section.number, "of": c.section.of} if c.section else None,
        "handling": list(c.handling),
        "eo": c.eo,
        "declassify_on": c.declassify_on,
        "tags": list(c.tags),
        "subject": c.subject,
        "references": [
            {"label": r.label, "text": r.text, "kind": r.kind, "id": r.id} for r in c.references
        ],
        "classified_by": (
            {
                "text": c.classified_by.text,
                "name": c.classified_by.name,
                "title": c.classified_by.title,
            }
            if c.classified_by
            else None
        ),
        "reasons": list(c.reasons),
        "signed_by": list(c.signed_by),
        "summary": c.summary,
    }


def _article(a: Article) -> dict[str, Any]:
    return {
        "headline": a.headline,
        "deck": a.deck,
        "dateline": (
            {"place": a.dateline.place, "agency": a.dateline.agency, "text": a.dateline.text}
            if a.dateline
            else None
        ),
        "byline": a.byline,
        "published": a.published,
        "captions": list(a.captions),
    }


def _provenance(p: Provenance) -> dict[str, Any]:
    return {
        "source": p.source,
        "sha256": p.sha256,
        "encoding": p.encoding,
        "format": p.format,
        "parser": p.parser,
        "parser_version": p.parser_version,
        "warnings": list(p.warnings),
        "row": p.row,
        "offset": p.offset,
        "length": p.length,
        "external": dict(p.external),
        "field_sources": dict(p.field_sources),
        "spans": {name: list(span) for name, span in p.spans},
    }
