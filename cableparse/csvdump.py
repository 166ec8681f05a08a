"""The `cables.csv` dump of Cablegate: 8 quoted columns, no header row, backslash escapes.

Columns: row number, date (`MM/DD/YYYY HH:MM`), reference id, origin, classification,
referenced ids separated by `|`, routing header, body. Fields hold raw newlines, and quotes
inside them are written `\\"` (apostrophes `\\'`), so a row ends at the first line break outside
a quoted field, with escapes read left to right (a quote is escaped when an odd number of
backslashes stands before it). The file is read in large buffers and the row ends found with
`bytes.find` over them, so that the Python work is per quoted field, not per line; a row that is
cut by a buffer's end is carried into the next. Memory stays bounded whatever the file's size.

Each row becomes one Source: `data` is the row's bytes as they are in the file, `offset` their
byte offset and `row` the row's ordinal (1 for the first). The text the parsers read is the
routing header column, a line break, then the body column, both with their escapes undone:
character `i` of the body is character `len(header) + 1 + i` of the text. The other columns go
into `external`.

A line inside a quoted field that starts like a row (ROW_START) means the quote before it was
never closed: that row is a Failure and a new row starts at the line. A row longer than
MAX_ROW_BYTES is a Failure, and what follows it is passed over up to the next line that starts
like a row.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TypeVar

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
# How much of the file is read at a time: large enough that the per-buffer work is nothing, small
# enough not to matter for memory.
BUFFER_BYTES = 4 * 1024 * 1024

# ROW_START after a line break. The row number is bounded so that telling whether the last line
# of a buffer starts a row needs a bounded look ahead: a number longer than a row can be is no
# row's number.
_ROW_NUMBER_DIGITS = 32 * 1024 * 1024
_NEXT_ROW_START = re.compile(
    rb'\n(?="\d{1,%d}","\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}",")' % _ROW_NUMBER_DIGITS
)
_ROW_NUMBER = re.compile(rb'"\d*')
_AFTER_ROW_NUMBER = len('","12/31/1999 23:59","')
# A row whose quotes come thick (a file of quotes only, a field of escaped quotes) is read on by
# these expressions, which do in C what the loop over bytes.find would do quote by quote.
_FIND_STEPS = 64
_OUTSIDE = re.compile(rb'(?:[^"\\\n]++|\\[^\n]|"(?:[^"\\]++|\\.)*+")*+(\\?\n)?', re.S)
_INSIDE = re.compile(rb'(?:[^"\\]++|\\.)*+(")?', re.S)
_FIELD_REST = re.compile(r'(?:[^"\\]++|\\.)*+"', re.S)
_UNESCAPE = re.compile(r"\\(.)", re.S)


def looks_like(head: bytes) -> bool:
    """Whether a file's first bytes are a cables.csv row."""
    return ROW_START.match(head.removeprefix(b"\xef\xbb\xbf")) is not None


def read_rows(
    lines: Iterable[bytes],
    name: str,
    buffer_size: int = BUFFER_BYTES,
    *,
    offset: int = 0,
    rows_before: int = 0,
    stop: int | None = None,
) -> Iterator[Source | Failure]:
    """The rows of a dump given as a binary file object (read `buffer_size` bytes at a time) or
    as its lines (any pieces of it, in order), as Sources, and a Failure naming the row for each
    that is not 8 well-quoted columns; the rest goes on.

    A part of the file is read by giving the stream from a row's start: `offset` is that start
    in the file, `rows_before` the rows before it, and the reading stops at the first row that
    starts at `stop` or after. The rows come out as the whole file's read gives them (the same
    row numbers and offsets) when both ends are lines that start like a row (see
    `row_starts`): the reader starts a row at each such line, whatever came before it."""
    return _read(lines, name, buffer_size, offset, rows_before, stop, _row)


def count_rows(
    lines: Iterable[bytes],
    buffer_size: int = BUFFER_BYTES,
    *,
    offset: int = 0,
    stop: int | None = None,
) -> int:
    """How many rows and failures read_rows would give for the same arguments, without
    decoding a row."""
    return sum(1 for _ in _read(lines, "", buffer_size, offset, 0, stop, _no_row))


def row_starts(data: bytes | bytearray, start: int = 0) -> Iterator[int]:
    """The offsets in `data`, from `start` on, of the lines that start like a row: where a part
    of the file may begin (read_rows). Offset 0 is no such line (it follows no line break)."""
    for m in _NEXT_ROW_START.finditer(data, max(start - 1, 0)):
        yield m.start() + 1


T = TypeVar("T")


def _read(
    lines: Iterable[bytes],
    name: str,
    buffer_size: int,
    offset: int,
    rows_before: int,
    stop: int | None,
    make: Callable[[bytes, str, int, int], T],
) -> Iterator[T | Failure]:
    end_at = sys.maxsize if stop is None else stop
    buf = bytearray()
    base = offset  # the file offset of buf[0]
    # Indexes into buf: where the current row starts (while skipping: where to look for the
    # next line break); where the scan of the row goes on (always between two escape tokens);
    # where the search for a line inside the row that starts like a row goes on.
    start = pos = resync = 0
    quoted = skipping = False
    ordinal = rows_before
    # A byte order mark can only open the file.
    looked_for_bom = offset > 0
    chunks = iter(_chunks(lines, buffer_size))
    final = False
    while not final:
        chunk = next(chunks, None)
        if chunk is None:
            final = True
        else:
            if start and start >= len(buf) - start:
                # Only dropped when at least half the buffer is done with, so that a long row
                # arriving in many small pieces is not moved once per piece.
                del buf[:start]
                base += start
                pos -= start
                resync -= start
                start = 0
            buf += chunk
        if not looked_for_bom:
            if len(buf) < 3 and not final:
                continue
            looked_for_bom = True
            if buf.startswith(b"\xef\xbb\xbf"):
                start = pos = resync = 3
        size = len(buf)
        while True:
            if skipping:
                m = _NEXT_ROW_START.search(buf, start)
                if m is None:
                    last = buf.rfind(b"\n", start)
                    start = last if last >= 0 and _undecided(buf, last + 1, final) else size
                    break
                ordinal += 1
                start = pos = resync = m.start() + 1
                quoted = skipping = False
                if base + start >= end_at:
                    return
            end, pos, quoted = _scan(buf, pos, quoted, start)
            limit = start + MAX_ROW_BYTES
            m = _NEXT_ROW_START.search(buf, resync, size if end < 0 else end)
            if m is not None and m.start() < limit:
                yield _failure(name, ordinal + 1, base + start, "a quote is never closed")
                ordinal += 1
                start = pos = resync = m.start() + 1
                quoted = False
                if base + start >= end_at:
                    return
                continue
            if end >= 0 and end - start <= MAX_ROW_BYTES:
                data = bytes(buf[start:end])
                if data.strip():
                    ordinal += 1
                    yield make(data, name, ordinal, base + start)
                start = pos = resync = end
                if base + start >= end_at:
                    return
                continue
            if end < 0:
                # The last line start seen may still turn out to begin a row: look at it again.
                last = buf.rfind(b"\n", resync)
                waiting = last >= 0 and _undecided(buf, last + 1, final)
                resync = last if waiting else size
                if size - start <= MAX_ROW_BYTES or (waiting and last < limit):
                    if not final:
                        break
                    if quoted:
                        why = "the file ends inside a quoted field"
                        yield _failure(name, ordinal + 1, base + start, why)
                    elif buf[start:].strip():
                        yield make(bytes(buf[start:]), name, ordinal + 1, base + start)
                    break
            yield _failure(name, ordinal + 1, base + start, f"longer than {MAX_ROW_BYTES} bytes")
            skipping = True
            start = limit


def _chunks(lines: Iterable[bytes], size: int) -> Iterator[bytes]:
    if isinstance(lines, io.BufferedIOBase):
        # read1: a pipe gives what it has instead of blocking until a whole buffer is in.
        while chunk := lines.read1(size):
            yield chunk
    else:
        yield from lines


def _undecided(buf: bytearray, at: int, final: bool) -> bool:
    """Whether more bytes could still make the line that starts at `at`, the last in the buffer,
    start like a row."""
    if final:
        return False
    m = _ROW_NUMBER.match(buf, at)
    if m is None:
        return at == len(buf)
    return m.end() - at - 1 <= _ROW_NUMBER_DIGITS and len(buf) - m.end() < _AFTER_ROW_NUMBER


def _scan(buf: bytearray, pos: int, quoted: bool, start: int) -> tuple[int, int, bool]:
    """Scan the row that starts at `start` on from `pos` (in a quoted field if `quoted`): the
    index after its line break, or -1 when the buffer ends first, and where to go on."""
    size = len(buf)
    for _ in range(_FIND_STEPS):
        if quoted:
            q = buf.find(b'"', pos)
        else:
            # Outside a field the next quote may be far past the row's line break (a file
            # without quotes): look in a window that doubles, so that a row costs what it holds.
            window = 64
            while True:
                hi = min(size, pos + window)
                q = buf.find(b'"', pos, hi)
                nl = buf.find(b"\n", pos, hi if q < 0 else q)
                if nl >= 0:
                    return nl + 1, nl + 1, False
                if q >= 0 or hi == size:
                    break
                pos = hi - 1 if _escaped(buf, pos, hi) else hi
                window *= 2
        if q < 0:
            # Go on before a backslash that ends the buffer: it escapes what comes next.
            if _escaped(buf, pos, size):
                return -1, size - 1, quoted
            return -1, size, quoted
        if not _escaped(buf, pos, q):
            quoted = not quoted
        pos = q + 1
    while True:
        # Both expressions match the empty string, so they always match.
        if quoted:
            m = _INSIDE.match(buf, pos)
            assert m is not None
            pos = m.end()
            if m.group(1) is None:
                return -1, pos, True
            quoted = False
        m = _OUTSIDE.match(buf, pos)
        assert m is not None
        if m.group(1) is not None:
            return m.end(), m.end(), False
        pos = m.end()
        if pos == size or buf[pos] != 34:
            return -1, pos, False
        # A quoted field that the buffer ends inside.
        quoted = True
        pos += 1


def _escaped(buf: bytearray, lo: int, at: int) -> bool:
    """Whether the backslashes just before `at`, none before `lo` (where an escape token
    begins), are odd in number: then the last of them escapes the byte at `at`."""
    if at <= lo or buf[at - 1] != 92:
        return False
    if at - 1 == lo or buf[at - 2] != 92:
        return True
    return (at - lo - len(buf[lo:at].rstrip(b"\\"))) % 2 == 1


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


def _no_row(data: bytes, name: str, ordinal: int, offset: int) -> None:
    return None


def _row(data: bytes, name: str, ordinal: int, offset: int) -> Source | Failure:
    try:
        text, encoding, warnings = decode(data)
        fields = split_row(text)
    except SourceError as exc:
        return _failure(name, ordinal, offset, str(exc))
    return row_source(fields, data, encoding, warnings, name, ordinal, offset)


def row_source(
    fields: list[str],
    data: bytes,
    encoding: str,
    warnings: list[str],
    name: str,
    ordinal: int,
    offset: int,
) -> Source:
    """A row's Source from its 8 fields and its bytes as they are in the file."""
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
    """One row's text to its 8 unescaped fields; SourceError when it is not that. Each field is
    a quote, text in which a quote is escaped by a backslash, a quote, then a comma, a line
    break (CRLF or LF) or the end of the text."""
    fields: list[str] = []
    pos, size = 0, len(text)
    while True:
        close = _closing_quote(text, pos + 1) if text.startswith('"', pos) else -1
        after = text[close + 1 : close + 3]
        if close < 0 or not (after[:1] in (",", "\n") or after == "\r\n" or close + 1 == size):
            raise SourceError(f"column {len(fields) + 1} is not a quoted field")
        fields.append(_unescape(text[pos + 1 : close]))
        if after[:1] != ",":
            pos = size if not after else close + (3 if after == "\r\n" else 2)
            break
        pos = close + 2
    if pos != size:
        raise SourceError(f"text after the last quoted field (column {len(fields)})")
    if len(fields) != len(COLUMNS):
        raise SourceError(f"{len(fields)} columns, not {len(COLUMNS)}")
    return fields


def _closing_quote(text: str, pos: int) -> int:
    """The first unescaped quote from `pos` on (where an escape token begins), or -1."""
    for _ in range(_FIND_STEPS):
        q = text.find('"', pos)
        if q < 0 or not _escaped_in_text(text, pos, q):
            return q
        pos = q + 1
    m = _FIELD_REST.match(text, pos)
    return -1 if m is None else m.end() - 1


def _escaped_in_text(text: str, lo: int, at: int) -> bool:
    """_escaped for a row's text."""
    if at <= lo or text[at - 1] != "\\":
        return False
    if at - 1 == lo or text[at - 2] != "\\":
        return True
    return (at - lo - len(text[lo:at].rstrip("\\"))) % 2 == 1


def iso_date(value: str, layout: str = "%m/%d/%Y %H:%M") -> str | None:
    """The dump's '12/28/1966 18:48' (or another layout) as '1966-12-28T18:48:00Z'."""
    try:
        return datetime.strptime(value.strip(), layout).strftime("%Y-%m-%dT%H:%M:00Z")
    except ValueError:
        return None
