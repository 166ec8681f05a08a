"""No text crashes the parsers: whatever parse_text is given, it returns a valid record (schema,
spans inside the text, paragraph numbers unique) or raises the documented ParseError.

Hypothesis keeps the example counts small so the suite stays fast; benchmarks/fuzz.py runs the
same checks over 100,000 inputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from benchmarks.adversarial import FIELD_LIMIT, measure
from cableparse import ParseError, parse_text
from cableparse.pipeline import parse_sources
from cableparse.sources import Failure

from .conftest import check_record
from .fuzzing import (
    CABLES,
    HOSTILE,
    HOSTILE_FIELDS,
    OPS,
    SPLICE_ALPHABET,
    Edit,
    apply_edits,
    cable_lines,
    cable_texts,
    check_html,
    check_parse,
    splice_bytes,
)

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

edits = st.lists(
    st.tuples(
        st.sampled_from(OPS),
        st.integers(0, 1 << 16),
        st.integers(0, 1 << 16),
        st.text(st.sampled_from(SPLICE_ALPHABET) | st.characters(), min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=5,
)


def test_the_fuzzed_cables_are_the_real_ones() -> None:
    # Mutations of a handful of cables would miss the quirks of the others.
    assert len(CABLES) >= 40
    assert all(text.strip() for text in cable_texts())


@FUZZ
@given(st.text(max_size=3000))
def test_arbitrary_text_gives_a_record_or_a_parse_error(text: str) -> None:
    check_parse(text)


@FUZZ
@given(st.lists(st.sampled_from(cable_lines()) | st.text(max_size=40), max_size=120))
def test_documents_assembled_from_real_cable_lines(lines: list[str]) -> None:
    check_parse("\n".join(lines))


@FUZZ
@given(st.integers(0, len(CABLES) - 1), edits)
# A truncated "DECL: 05/05/201" once gave declassify_on "201-05-05": strftime does not pad
# years below 1000 (06TASHKENT902, the E.O. line cut mid-year).
@example(CABLES.index(CABLES[0].parent / "06TASHKENT902.txt"), [("truncate", 42, 27, "")])
def test_mutated_real_cables(which: int, changes: list[Edit]) -> None:
    check_parse(apply_edits(cable_texts()[which], changes))


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    which=st.integers(0, len(CABLES) - 1),
    at=st.integers(0, 1 << 16),
    junk=st.binary(min_size=1, max_size=16),
)
def test_random_bytes_spliced_into_a_real_cable_file(
    tmp_path: Path, which: int, at: int, junk: bytes
) -> None:
    # Through the file reader, so that bytes that are not UTF-8 take the decoding path too.
    path = tmp_path / "spliced.txt"
    path.write_bytes(splice_bytes(CABLES[which].read_bytes(), at, junk))
    for item in parse_sources(path):
        if isinstance(item, Failure):
            # Named by the file, or by a member when the junk made it look like a container.
            assert item.name.startswith(str(path)) and item.message
        else:
            check_record(item.to_record(), item.text)


@pytest.mark.parametrize(
    ("decl", "value"), [("05/05/201", "0201-05-05"), ("05/05/0009", "0009-05-05")]
)
def test_a_year_below_1000_is_still_an_iso_date(decl: str, value: str) -> None:
    doc = check_parse(f"SECRET BAKU 433\nE.O. 12958: DECL: {decl}\nTAGS: PREL\n\n1. (C) Text.\n")
    assert doc is not None and doc.cable is not None
    assert doc.cable.declassify_on == value


def test_dates_from_a_dtg_and_a_scrape_block_are_padded_too() -> None:
    doc = check_parse("date: 1/4/0993\nO 010335Z JUN 0009\nSECRET BAKU 433\nTAGS: PREL\n1. x\n")
    assert doc is not None and doc.date == "0009-06-01T03:35:00Z"


@pytest.mark.parametrize("text", ["", "\n", "\x00", "\ufeff", "¶", "1.", "TAGS:", "SUBJECT:"])
def test_degenerate_texts(text: str) -> None:
    check_parse(text)


def test_every_real_cable_stays_a_cable_under_the_checks() -> None:
    # The fuzz properties on the unmutated inputs: the baseline every mutation starts from.
    for text in cable_texts():
        doc = check_parse(text)
        assert doc is not None


def test_text_no_file_can_hold_is_a_parse_error_not_a_crash() -> None:
    # A lone surrogate cannot be encoded, so it has no sha256 and no place in the archive.
    with pytest.raises(ParseError, match="not valid Unicode"):
        parse_text("SECRET BAKU 433\n1. \ud800\n")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_inputs_give_a_valid_record(name: str) -> None:
    # Their timing (linear in size) is proved by benchmarks/adversarial.py, not here.
    doc = check_parse(HOSTILE[name](20_000))
    assert doc is not None and doc.kind == "cable"


@pytest.mark.parametrize("name", list(HOSTILE_FIELDS))
def test_fields_over_many_lines_take_linear_time(name: str) -> None:
    # benchmarks/adversarial.py at a small n: four times the lines may cost at most six times
    # the time (linear is 4, quadratic 16). A ratio, so that a slow machine does not fail it;
    # the best of three CPU times, so that other work on the machine does not blur it.
    _, t_small, _, t_big, outcome = measure(name, 2_000, repeat=3)
    assert outcome.startswith("cable"), outcome
    ratio = t_big / max(t_small, 1e-4)
    assert ratio <= FIELD_LIMIT, f"{name}: {t_small:.3f} s at n, {t_big:.3f} s at 4n"


HTML_PIECES = [
    "<html>",
    "<head>",
    "<title>Headline of the page</title>",
    "<body>",
    "<article>",
    "<div>",
    "</div>",
    "<p>",
    "</p>",
    "<h1>",
    "</h1>",
    "<table><tr><td>",
    "<script>var x = '</p>';</script>",
    "<style>p { color: red }</style>",
    "<!--",
    "-->",
    "<![CDATA[",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "<figure><img src='x.png'><figcaption>A caption.</figcaption></figure>",
    "BAKU, June 1 (Reuters) - ",
    "A sentence of the story, long enough to be kept as text. ",
    "By A Reporter",
    "\x00",
    "\ufeff",
]


@FUZZ
@given(st.lists(st.sampled_from(HTML_PIECES) | st.text(max_size=20), max_size=80))
def test_html_tag_soup_gives_a_record_or_a_parse_error(pieces: list[str]) -> None:
    check_html("".join(pieces))


@pytest.mark.parametrize("depth", [100, 10_000])
def test_deeply_nested_html(depth: int) -> None:
    text = "<p>The story, deep inside the page, is long enough to be the body.</p>"
    check_html("<html><body>" + "<div>" * depth + text + "</div>" * depth + "</body></html>")
    check_html("<html><body>" + "<div><span><b>" * depth + text)
