"""The cables.csv reader against a reference: the reader this project had before it read large
buffers, which walks the file line by line and counts the unescaped quotes of each line. It is
kept here, simple and slow, as the statement of what the dump's rows are; the reader must give
the same Sources and Failures, field by field, for any dump cut into any pieces.

One change is intended: a row longer than MAX_ROW_BYTES is a Failure even when its quote closes
at the end of the line that takes it over the limit (the old reader yielded it, which needed the
whole line in memory however long). The reference states that rule too (`size > max_row`).

The real rows are the fixture tests/fixtures/cables-csv/cables_sample.csv, byte for byte the
development corpus's cables_sample.csv.
"""

from __future__ import annotations

import io
import itertools
import re
import tracemalloc
from collections.abc import Iterator
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cableparse import csvdump
from cableparse.csvdump import COLUMNS, ROW_START, read_rows
from cableparse.decoding import decode
from cableparse.inputs import Failure, Source, SourceError

from .conftest import FIXTURES

SAMPLE = (FIXTURES / "cables-csv" / "cables_sample.csv").read_bytes()
Item = Source | Failure

# ---- the reference -----------------------------------------------------------------------------

_ESCAPED = re.compile(rb"\\.", re.S)
_FIELD = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"(,|\r?\n|\Z)', re.S)
_UNESCAPE = re.compile(r"\\(.)", re.S)


def reference(data: bytes, name: str = "d.csv", max_row: int | None = None) -> list[Item]:
    """The dump's rows, read line by line (lines end at LF, as a binary file's do)."""
    max_row = csvdump.MAX_ROW_BYTES if max_row is None else max_row
    out: list[Item] = []
    pending: list[bytes] = []
    size = start = offset = ordinal = 0
    open_quote = skipping = False
    for k, line in enumerate(io.BytesIO(data)):
        if k == 0 and line.startswith(b"\xef\xbb\xbf"):
            line, offset = line[3:], 3
        if (open_quote or skipping) and ROW_START.match(line):
            if not skipping:
                out.append(_ref_failure(name, ordinal + 1, start, "a quote is never closed"))
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
        if _ESCAPED.sub(b"", line).count(b'"') % 2:
            open_quote = not open_quote
        if size > max_row:
            out.append(_ref_failure(name, ordinal + 1, start, f"longer than {max_row} bytes"))
            pending, size, open_quote, skipping = [], 0, False, True
            continue
        if not open_quote:
            row = b"".join(pending)
            pending, size = [], 0
            if row.strip():
                ordinal += 1
                out.append(_ref_row(row, name, ordinal, start))
    if pending and not skipping:
        out.append(_ref_failure(name, ordinal + 1, start, "the file ends inside a quoted field"))
    return out


def _ref_failure(name: str, ordinal: int, offset: int, why: str) -> Failure:
    return Failure(name, f"row {ordinal} (byte {offset}): {why}")


def _ref_row(data: bytes, name: str, ordinal: int, offset: int) -> Item:
    # The reference finds and splits rows its own way; the Source is made from the fields as
    # the reader makes it.
    try:
        text, encoding, warnings = decode(data)
        fields = _ref_split(text)
    except SourceError as exc:
        return _ref_failure(name, ordinal, offset, str(exc))
    return csvdump.row_source(fields, data, encoding, warnings, name, ordinal, offset)


def _ref_split(text: str) -> list[str]:
    fields: list[str] = []
    pos = 0
    while True:
        m = _FIELD.match(text, pos)
        if m is None:
            raise SourceError(f"column {len(fields) + 1} is not a quoted field")
        fields.append(_UNESCAPE.sub(lambda e: e.group(1), m.group(1)))
        pos = m.end()
        if m.group(2) != ",":
            break
    if pos != len(text):
        raise SourceError(f"text after the last quoted field (column {len(fields)})")
    if len(fields) != len(COLUMNS):
        raise SourceError(f"{len(fields)} columns, not {len(COLUMNS)}")
    return fields


# ---- helpers -----------------------------------------------------------------------------------


def read(data: bytes, buffer_size: int, name: str = "d.csv") -> list[Item]:
    """The reader over a binary stream, as sources.read_stream gives it."""
    stream = io.BufferedReader(io.BytesIO(data), buffer_size=max(buffer_size, 1))
    return list(read_rows(stream, name, buffer_size=buffer_size))


def read_pieces(data: bytes, cuts: list[int], name: str = "d.csv") -> list[Item]:
    """The reader over the dump given as pieces cut at the given offsets."""
    bounds = [0, *sorted({c for c in cuts if 0 < c < len(data)}), len(data)]
    return list(read_rows((data[a:b] for a, b in itertools.pairwise(bounds)), name))


def assert_same(got: list[Item], want: list[Item]) -> None:
    """Field by field, so that a difference says which row and which field."""
    assert [type(i).__name__ for i in got] == [type(i).__name__ for i in want]
    for g, w in zip(got, want, strict=True):
        if isinstance(w, Failure):
            assert g == w
            continue
        assert isinstance(g, Source)
        for field in ("row", "offset", "data", "text", "encoding", "warnings", "external"):
            assert getattr(g, field) == getattr(w, field), (w.row, field)
        assert g == w


def row(*fields: str, end: str = "\n") -> bytes:
    def esc(v: str) -> str:
        return v.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")

    return (",".join(f'"{esc(f)}"' for f in fields) + end).encode("utf-8")


# ---- real rows ---------------------------------------------------------------------------------

SECOND = SAMPLE.index(b'\n"2","2/25/1972 9:30"') + 1


def test_the_reference_reads_the_real_rows_as_the_file_holds_them() -> None:
    """The reference itself, against what the file says: two rows, their bytes and columns."""
    first, second = reference(SAMPLE)
    assert isinstance(first, Source) and isinstance(second, Source)
    assert (first.row, first.offset, first.data) == (1, 0, SAMPLE[:SECOND])
    assert (second.row, second.offset, second.data) == (2, SECOND, SAMPLE[SECOND:])
    assert first.external == (
        ("row", "1"),
        ("date", "1966-12-28T18:48:00Z"),
        ("reference_id", "66BUENOSAIRES2481"),
        ("origin", "Embassy Buenos Aires"),
        ("classification", "UNCLASSIFIED"),
        ("references", "66STATE106206"),
    )
    assert 'OF "PREFERENTIAL JURISDICTION" FOR FISHING' in first.text
    assert second.external_value("references") == "72MOSCOW1603|72TEHRAN1091|72TEHRAN263"


@pytest.mark.parametrize("buffer_size", [*range(1, 41), 64, 1000, 4096, 1 << 22])
def test_real_rows_are_the_same_whatever_the_buffer_size(buffer_size: int) -> None:
    assert_same(read(SAMPLE, buffer_size), reference(SAMPLE))


def test_real_rows_given_as_lines_or_as_pieces_of_any_size() -> None:
    want = reference(SAMPLE)
    assert_same(list(read_rows(io.BytesIO(SAMPLE).readlines(), "d.csv")), want)
    for step in (1, 2, 3, 7, 100, 5000):
        assert_same(read_pieces(SAMPLE, list(range(step, len(SAMPLE), step))), want)


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda d: d.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda d: b"\xef\xbb\xbf" + d, id="bom"),
        pytest.param(lambda d: b"\xef\xbb\xbf" + d.replace(b"\n", b"\r\n"), id="bom-crlf"),
        pytest.param(lambda d: d[:-1], id="no-final-newline"),
        pytest.param(lambda d: d + b"\n\n  \r\n", id="blank-lines-after"),
        pytest.param(lambda d: d.replace(b"\n", b"\n\n", 1), id="blank-line-inside"),
        pytest.param(lambda d: d + d, id="twice"),
        pytest.param(lambda d: d.replace(b"\xc2\xb6", b"\xb6"), id="latin-1"),
        pytest.param(lambda d: d.replace(b"SACCIO", b"SACCI\xc3\x83\xc2\xa9"), id="mojibake"),
        pytest.param(lambda d: d.replace(b"SACCIO", b"S\xc3\xa9CCIO"), id="utf-8"),
        pytest.param(lambda d: d.replace(b"SACCIO", b"SAC\x00CIO"), id="nul"),
    ],
)
def test_real_rows_changed_as_files_are(variant: object) -> None:
    assert callable(variant)
    data = variant(SAMPLE)
    want = reference(data)
    for size in (1, 2, 3, 5, 64, 1 << 22):
        assert_same(read(data, size), want)


def test_real_rows_in_crlf_keep_their_bytes() -> None:
    data = SAMPLE.replace(b"\n", b"\r\n")
    first, second = read(data, 7)
    assert isinstance(first, Source) and isinstance(second, Source)
    assert first.data + second.data == data
    assert second.offset == len(first.data)
    assert first.external_value("reference_id") == "66BUENOSAIRES2481"


@pytest.mark.parametrize("cut", range(0, len(SAMPLE), 97))
def test_a_real_dump_cut_anywhere(cut: int) -> None:
    data = SAMPLE[:cut]
    want = reference(data)
    assert_same(read(data, 13), want)
    assert_same(read(data, 1 << 22), want)


@pytest.mark.parametrize("at", range(1, len(SAMPLE), 211))
def test_a_stray_quote_or_backslash_in_a_real_dump(at: int) -> None:
    for junk in (b'"', b"\\", b'\\"', b"\n", b'\n"3","1/1/1970 0:00","'):
        data = SAMPLE[:at] + junk + SAMPLE[at:]
        want = reference(data)
        assert_same(read(data, 11), want)
        assert_same(read(data, 1 << 22), want)


def test_a_real_row_whose_quote_never_closes_fails_and_the_next_is_read() -> None:
    """Told explicitly, not only against the reference: without the first row's last quote,
    its body runs on into the second row, whose first line starts like a row and so starts one."""
    assert SAMPLE[SECOND - 2 : SECOND] == b'"\n'
    data = SAMPLE[: SECOND - 2] + SAMPLE[SECOND - 1 :]
    for size in (1, 100, 4096, 1 << 22):
        failure, second = read(data, size)
        assert failure == Failure("d.csv", "row 1 (byte 0): a quote is never closed")
        assert isinstance(second, Source)
        assert (second.row, second.offset, second.data) == (2, SECOND - 1, SAMPLE[SECOND:])


# ---- escapes, told explicitly ------------------------------------------------------------------


def test_escapes_cut_by_every_buffer_boundary() -> None:
    header = 'a \\ backslash, a "quote" and\nan apostrophe\'s line\r\n'
    body = 'ends in a backslash \\\n\\"\n\\'
    data = row("1", "1/2/1970 3:04", "70X1", "E", "U", "", header, body)
    data += b'"2","1/2/1970 3:05","70X2","E","U","","h","line one\\\nline two"\r\n'
    want_text = [header + "\n" + body, "h\nline one\nline two"]
    for size in range(1, len(data) + 2):
        items = read(data, size)
        assert [i.text for i in items if isinstance(i, Source)] == want_text, size
        assert [i.offset for i in items if isinstance(i, Source)] == [0, data.index(b'"2"')]
    assert_same(read(data, 1), reference(data))


def test_an_escaped_quote_outside_a_field_is_no_quote() -> None:
    data = b'"1","1/2/1970 3:04","70X1","E","U","","h","b",\\"\n' + row(
        "2", "1/2/1970 3:05", "70X2", "E", "U", "", "h", "b"
    )
    items = read(data, 3)
    # The comma asks for a 9th column; the escaped quote does not open one, so the line ends
    # the row and the next row is read.
    assert items[0] == Failure("d.csv", "row 1 (byte 0): column 9 is not a quoted field")
    assert isinstance(items[1], Source) and items[1].row == 2
    assert_same(items, reference(data))


def test_escapes_far_from_any_quote_outside_a_field() -> None:
    """Text outside the fields, long enough to be looked through in pieces, with an escape
    at every offset: an escaped quote there opens nothing, an escaped backslash escapes nothing."""
    good = row("9", "1/2/1970 3:05", "70X2", "E", "U", "", "h", "b")
    for k in range(300):
        for escape in (b'\\"', b'\\\\"', b"\\\\\\\n"):
            data = b"x" * k + escape + b"y\n" + good
            for size in (5, 64, 1 << 22):
                assert_same(read(data, size), reference(data))


def test_a_row_over_the_limit_fails_and_the_next_row_is_read() -> None:
    good = row("2", "1/2/1970 3:05", "70X2", "E", "U", "", "h", "b")
    long_open = b'"1","1/2/1970 3:04","70X1","E","U","","h","' + b"x\n" * 600
    long_closed = row("1", "1/2/1970 3:04", "70X1", "E", "U", "", "h", "x" * 1200)
    with mock.patch.object(csvdump, "MAX_ROW_BYTES", 1000):
        for long in (long_open, long_closed):
            data = long + good
            for size in (1, 10, 999, 1001, 1 << 22):
                failure, second = read(data, size)
                assert failure == Failure("d.csv", "row 1 (byte 0): longer than 1000 bytes")
                assert isinstance(second, Source)
                assert (second.row, second.offset, second.data) == (2, len(long), good)
                assert second.external_value("reference_id") == "70X2"
            assert_same(read(data, 7), reference(data, max_row=1000))


def test_memory_stays_bounded_when_a_quote_never_closes() -> None:
    """48 MB after an unclosed quote, given in pieces: the reader keeps a bounded buffer."""
    piece = b"no quote here, and no row start either\n" * 1600

    def dump() -> Iterator[bytes]:
        yield b'"1","1/2/1970 3:04","70X1","E","U","","h","'
        for _ in range(48 * 1024 * 1024 // len(piece)):
            yield piece
        yield b'\n"2","1/2/1970 3:05","70X2","E","U","","h","b"\n'

    with mock.patch.object(csvdump, "MAX_ROW_BYTES", 1024 * 1024):
        tracemalloc.start()
        try:
            items = list(read_rows(dump(), "d.csv"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert items[0] == Failure("d.csv", "row 1 (byte 0): longer than 1048576 bytes")
    assert isinstance(items[1], Source) and items[1].row == 2
    assert peak < 8 * 1024 * 1024


# ---- generated and mutated dumps ---------------------------------------------------------------

# Field contents as the dump writes them, escapes included (a backslash before a line break is in
# the real dump too), with what matters to decode (UTF-8, mojibake marks, NUL), and a lone
# backslash, which escapes whatever follows it, the closing quote too.
_TOKENS = st.sampled_from(
    [
        *('\\"', "\\'", "\\\\", "\\\n", "\\\r\n", "\n", "\r\n", ",", "a", "1", "/", ":", " "),
        *("¶", "é", "â€", "Ã©", "\x00", "\\"),
    ]
)
_FIELD_TEXT = st.lists(_TOKENS, max_size=12).map("".join)
_DATE = st.sampled_from(["1/2/1970 3:04", "12/31/1999 23:59", "2/30/1970 0:00", "soon", ""])


@st.composite
def _row(draw: st.DrawFn) -> bytes:
    count = draw(st.sampled_from([8, 8, 8, 7, 9]))
    number = draw(st.sampled_from(["1", "22", "x", ""]))
    fields = [number, draw(_DATE), *(draw(_FIELD_TEXT) for _ in range(count - 2))]
    end = draw(st.sampled_from(["\n", "\n", "\r\n", ""]))
    return (",".join(f'"{f}"' for f in fields) + end).encode("utf-8")


_JUNK = st.sampled_from(
    [b'"', b"\\", b'\\"', b"\\\\", b"\n", b"\r\n", b",", b'""', b'"1","1/2/1970 3:04","', b"\xff"]
)


@st.composite
def dumps(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + b"".join(
        draw(st.lists(_row(), max_size=5))
    )
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        if draw(st.booleans()):
            data = data[:at] + draw(_JUNK) + data[at:]
        else:
            data = data[:at] + data[at + draw(st.integers(0, 20)) :]
    return data


_QUOTES_ONLY = st.binary(max_size=300).map(
    lambda b: bytes(b'"\\\n,1'[x % 5] for x in b)  # the bytes the reader looks at, densely
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(dumps(), _QUOTES_ONLY),
    buffer_size=st.integers(1, 40),
    cuts=st.lists(st.integers(0, 400), max_size=8),
    steps=st.sampled_from([0, 1, 3, 64]),
    max_row=st.sampled_from([None, 40, 200]),
)
def test_generated_dumps_read_as_the_reference_reads_them(
    data: bytes, buffer_size: int, cuts: list[int], steps: int, max_row: int | None
) -> None:
    limit = csvdump.MAX_ROW_BYTES if max_row is None else max_row
    # _FIND_STEPS 0 sends every row through the expressions, 1 and 3 switch mid-row.
    with (
        mock.patch.object(csvdump, "MAX_ROW_BYTES", limit),
        mock.patch.object(csvdump, "_FIND_STEPS", steps),
    ):
        want = reference(data, max_row=limit)
        assert_same(read(data, buffer_size), want)
        assert_same(read_pieces(data, cuts), want)
        assert_same(list(read_rows(io.BytesIO(data).readlines(), "d.csv")), want)
