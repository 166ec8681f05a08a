"""The lexer's fast path for running text must give every line the kind the full rules give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cableparse import lexer

from .conftest import FIXTURES, SEED_CABLE

REAL_LINES = sorted(
    {
        line
        for path in [SEED_CABLE, *sorted((FIXTURES / "cablegate-dev").glob("*.txt"))]
        for line in path.read_text(encoding="utf-8").split("\n")
    }
)
# Lines that sit near the fast path's edges: short, all capitals, ending in digits or Z/W,
# metadata, end marks and the archive's stamps, rules, headings.
EDGE_LINES = [
    "",
    " ",
    "NNNN",
    "NNN",
    "BT",
    "GP-3",
    "XGDS-2",
    "EXEMPT",
    "Declassified/Released US Department of State EO Systematic Review 30 JUN 2005",
    "Declassified/Released US Department of State EO",
    "Systematic Review 05 JUL 2006",
    "id: 2446",
    "Date: 1/4/1993",
    "header:",
    "CONFIDENTIAL",
    "C O N F I D E N T I A L",
    "SECRET//NOFORN",
    "LIMITED OFFICIAL USE",
    "UNCLAS SECTION 02 OF 03 BAKU 000433",
    "Unclas Section 02 of 03 Baku 000433",
    "s e c r e t section 02 of 03 baku 000433",
    "Secret talks in Baku 2009",
    "UNCLAS BAKU 000433 SIPDIS",
    "E.O. 12958: N/A TAGS: PREL",
    "BAKU 00000433  002 OF 003",
    "PAGE 02        HANOI  02738  01 OF 03  130720Z",
    "      EB-00    VC-00",
    "/015W",
    "-----",
    "SEEKING NATO STANDARDS",
    "Comment",
    "COMMENT:",
    "DERSE",
    "CG: JKENNY",
    "Gnehm",
    "The minister said that the talks would go on in 2009",
    "the talks would go on,",
]


def kinds(lines: list[str]) -> list[tuple[bool, str]]:
    """For each line: whether the fast path takes it, and the full rules' kind."""
    parsed = lexer.split_lines("\n".join(lines))
    return [
        (lexer._plain(line, parsed, i), lexer._body_kind(parsed, i))
        for i, line in enumerate(parsed)
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(REAL_LINES), st.sampled_from(EDGE_LINES)), min_size=1, max_size=12
    )
)
def test_fast_path_lines_are_text_or_blank_by_the_full_rules(lines: list[str]) -> None:
    for plain, kind in kinds(lines):
        if plain:
            assert kind in ("TEXT", "BLANK")


def test_fast_path_takes_most_lines_of_a_real_cable() -> None:
    # The point of the fast path: the wrapped prose of a real cable takes it (09BAKU139: 179
    # lines, a quarter of them paragraph markers, headings, header and blank-line edges).
    lines = (FIXTURES / "cablegate-dev" / "09BAKU139.txt").read_text(encoding="utf-8").split("\n")
    taken = sum(plain for plain, _ in kinds(lines))
    assert taken > 0.6 * len(lines)


def _as_tuples(lines: list[lexer.Line]) -> list[tuple[str, int, int, bool]]:
    return [(ln.value, ln.start_pos, ln.end_pos, ln.blank) for ln in lines]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*REAL_LINES, *EDGE_LINES, "x \t", "\x0c", "a \\ ", "\\\\"]), max_size=8
    ),
    st.booleans(),
)
def test_the_short_way_of_splitting_lines_agrees_with_the_general_one(
    lines: list[str], dos: bool
) -> None:
    # Text whose line breaks are all LF or all CRLF is split the short way; the same text with
    # a lone CR at its end takes the general way, which must give the same lines and one more.
    text = ("\r\n" if dos else "\n").join(lines)
    short = lexer.split_lines(text)
    general = lexer.split_lines(text + "\r")
    assert _as_tuples(short) == _as_tuples(general[:-1])
    for ln in short:
        assert text[ln.start_pos : ln.end_pos] == ln.value


def test_lines_keep_their_offsets_in_every_line_ending() -> None:
    text = "UNCLAS\r\nTAGS: PGOV\rSUBJECT: A\\\n1. Text\n"
    lines = lexer.split_lines(text)
    assert [ln.value for ln in lines] == ["UNCLAS", "TAGS: PGOV", "SUBJECT: A", "1. Text", ""]
    assert [text[ln.start_pos : ln.end_pos] for ln in lines[:2]] == ["UNCLAS", "TAGS: PGOV"]
    assert text[lines[3].start_pos : lines[3].end_pos] == "1. Text"
