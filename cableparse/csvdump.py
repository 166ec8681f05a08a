"""The `cables.csv` dump of Cablegate: 8 quoted columns, no header row, backslash escapes.

Columns: row number, date (`MM/DD/YYYY HH:MM`), reference id, origin, classification,
referenced ids separated by `|`, routing header, body. Fields hold raw newlines, and quotes
inside them are written `\\"` (apostrophes `\\'`), so a row is found by counting unescaped quotes
line by line: the file is read as a stream, one row in memory at a time, whatever its size.

Each row becomes one Source: `data` is the row's bytes as they are in the file, `offset` their
byte offset and `row` the row's ordinal (1 for the first). The text the parsers read is the
routing header column, a line break, then the body column, both with their escapes undone:
character `i` of the body is character `len(header) + 1 + i` of the text. The other columns go
into `external`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from cableparse.decoding import decode
from cableparse.inputs import Failure, Source, SourceError

COLUMNS = (
    "row",
    "date",
    "reference_id",
    "origin",
    "classification",
    "references",
    "header",
    "body",
)
# How a row of the dump starts; a line like this inside an open quote means the previous row's
# quote was never closed.
ROW_START = re.compile(rb'^"\d+","\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}","')
# A row is at most this long; past it the row is reported and skipped, to keep memory bounded
# when a stray quote would otherwise swallow the rest of the file.
MAX_ROW_BYTES = 32 * 1024 * 1024

_ESCAPED = re.compile(rb"\\.", re.S)
_FIELD = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"(,|\r?\n|\Z)', re.S)
_UNESCAPE = re.compile(r"\\(.)", re.S)


def looks_like(head: bytes) -> bool:
    """Whether a file's first bytes are a cables.csv row."""
    return ROW_START.match(head.removeprefix(b"\xef\xbb\xbf")) is not None


def read_rows(lines: Iterable[bytes], name: str) -> Iterator[Source | Failure]:
    """The rows of a dump given as its lines (a binary file object is one), as Sources, and a
    Failure naming the row for each that is not 8 well-quoted columns; the rest goes on."""
    pending: list[bytes] = []
    size = start = offset = 0
    ordinal = 0
    open_quote = skipping = False
    for k, line in enumerate(lines):
        if k == 0 and line.startswith(b"\xef\xbb\xbf"):
            line, offset = line[3:], 3
        if line.startswith(b'"') and (open_quote or skipping) and ROW_START.match(line):
            if not skipping:
                yield _failure(name, ordinal + 1, start, "a quote is never closed")
            ordinal += 1
            pending, size, open_quote, skipping = [], 0, False, False
        if skipping:
            offset += len(line)
            continue
        if not pending:
            start = offset
        pending.append(line)
        size += len(line)
        offset += len(line)
        if b'"' in line and _quotes(line) % 2:
            open_quote = not open_quote
        if open_quote and size > MAX_ROW_BYTES:
            yield _failure(name, ordinal + 1, start, f"longer than {MAX_ROW_BYTES} bytes")
            pending, size, open_quote, skipping = [], 0, False, True
            continue
        if not open_quote:
            data = b"".join(pending)
            pending, size = [], 0
            if data.strip():
                ordinal += 1
                yield _row(data, name, ordinal, start)
    if pending and not skipping:
        yield _failure(name, ordinal + 1, start, "the file ends inside a quoted field")


def _quotes(line: bytes) -> int:
    """The unescaped quotes in a line."""
    return (_ESCAPED.sub(b"", line) if b"\\" in line else line).count(b'"')


def _unescape(field: str) -> str:
    """A field with its backslash escapes undone. The dump escapes quotes and apostrophes
    almost only, and str.replace undoes those far faster than a substitution with a template,
    which Python expands match by match."""
    if "\\" not in field:
        return field
    if "\\\\" not in field:
        field = field.replace('\\"', '"').replace("\\'", "'")
        if "\\" not in field:
            return field
    return _UNESCAPE.sub(_escaped_char, field)


def _escaped_char(m: re.Match[str]) -> str:
    return m.group(1)


def _failure(name: str, ordinal: int, offset: int, why: str) -> Failure:
    return Failure(name, f"row {ordinal} (byte {offset}): {why}")


def _row(data: bytes, name: str, ordinal: int, offset: int) -> Source | Failure:
    try:
        text, encoding, warnings = decode(data)
        fields = split_row(text)
    except SourceError as exc:
        return _failure(name, ordinal, offset, str(exc))
    columns = dict(zip(COLUMNS, fields, strict=True))
    header, body = columns.pop("header"), columns.pop("body")
    date = iso_date(columns["date"])
    if date is None:
        warnings.append(f"the date column {columns['date']!r} is not a MM/DD/YYYY HH:MM date")
        del columns["date"]
    else:
        columns["date"] = date
    return Source(
        name=name,
        data=data,
        text=header + "\n" + body,
        encoding=encoding,
        format="cables-csv",
        warnings=tuple(warnings),
        row=ordinal,
        offset=offset,
        external=tuple((k, v.strip()) for k, v in columns.items() if v.strip()),
        hint="cable",
    )


def split_row(text: str) -> list[str]:
    """One row's text to its 8 unescaped fields; SourceError when it is not that."""
    fields: list[str] = []
    pos = 0
    while True:
        m = _FIELD.match(text, pos)
        if m is None:
            raise SourceError(f"column {len(fields) + 1} is not a quoted field")
        fields.append(_unescape(m.group(1)))
        pos = m.end()
        if m.group(2) != ",":
            break
    if pos != len(text):
        raise SourceError(f"text after the last quoted field (column {len(fields)})")
    if len(fields) != len(COLUMNS):
        raise SourceError(f"{len(fields)} columns, not {len(COLUMNS)}")
    return fields


def iso_date(value: str, layout: str = "%m/%d/%Y %H:%M") -> str | None:
    """The dump's '12/28/1966 18:48' (or another layout) as '1966-12-28T18:48:00Z'."""
    try:
        return datetime.strptime(value.strip(), layout).strftime("%Y-%m-%dT%H:%M:00Z")
    except ValueError:
        return None
