"""What fuzzing feeds the parsers, and what it checks, in one place: tests/test_fuzz.py draws
inputs with hypothesis (few, shrinkable), benchmarks/fuzz.py with a seeded random.Random (many,
reproducible). Both describe an input as a real cable plus a list of edits, so a failure the
bench finds can be replayed as a hypothesis example.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from functools import cache
from typing import Literal

from cableparse import Document, ParseError, parse_text
from cableparse.parsing import parse_source
from cableparse.sources import Source, SourceError, decode

from .conftest import FIXTURES, check_record

CABLES = sorted((FIXTURES / "cablegate-dev").glob("*.txt"))

Op = Literal["shuffle", "drop", "duplicate", "truncate", "splice", "swap"]
OPS: tuple[Op, ...] = ("shuffle", "drop", "duplicate", "truncate", "splice", "swap")
# An edit of a cable's lines: the operation, two numbers that pick lines or offsets (taken
# modulo what the text has, so any numbers make a valid edit) and the characters a splice adds.
Edit = tuple[Op, int, int, str]

# Characters that mean something to the lexer (markers, pilcrows, digits, capitals, Z of a
# date-time group), the line breaks Python's str.splitlines knows but "\n" splitting does not,
# controls, case-changing letters ("ß".upper() is two characters) and wide characters.
SPLICE_ALPHABET = (
    "\n\r\t ¶.():;/-#\\[]&\x00\x0b\x0c\x1c\x85\u2028\u2029\ufeff"
    "0123456789ABCDEFOSTUZ"
    "ßﬁİıǅ\u0301éЖ中😀"
)


@cache
def cable_texts() -> tuple[str, ...]:
    return tuple(p.read_bytes().decode("utf-8") for p in CABLES)


@cache
def cable_lines() -> tuple[str, ...]:
    """Every distinct line of the real cables: material for documents assembled at random."""
    return tuple(sorted({ln for text in cable_texts() for ln in text.split("\n")}))


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """A real cable with its lines shuffled, dropped, duplicated, cut short or spliced into."""
    lines = text.split("\n")
    for op, a, b, chars in edits:
        if not lines:
            lines = [""]
        i, j = a % len(lines), b % len(lines)
        if op == "shuffle":
            random.Random(a).shuffle(lines)
        elif op == "drop":
            del lines[i : i + 1 + b % 8]
        elif op == "duplicate":
            lines[j:j] = lines[i : i + 1 + b % 8]
        elif op == "truncate":
            # Cut mid-line: the file ends there, as an interrupted download does.
            lines = [*lines[:i], lines[i][: b % (len(lines[i]) + 1)]]
        elif op == "splice":
            at = b % (len(lines[i]) + 1)
            lines[i] = lines[i][:at] + chars + lines[i][at:]
        else:
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def random_edits(rng: random.Random, most: int = 4) -> list[Edit]:
    return [
        (
            rng.choice(OPS),
            rng.randrange(1 << 16),
            rng.randrange(1 << 16),
            "".join(rng.choice(SPLICE_ALPHABET) for _ in range(rng.randint(1, 6))),
        )
        for _ in range(rng.randint(1, most))
    ]


def splice_bytes(data: bytes, at: int, junk: bytes) -> bytes:
    """A file with bytes spliced in (a bad sector, a broken transfer): `at` modulo its size."""
    cut = at % (len(data) + 1)
    return data[:cut] + junk + data[cut:]


def random_input(rng: random.Random) -> tuple[str, str | bytes]:
    """One generated input (bytes: a file's contents, to be decoded first) and the kind of
    generator that made it."""
    roll = rng.random()
    if roll < 0.55:
        return "mutated", apply_edits(rng.choice(cable_texts()), random_edits(rng))
    if roll < 0.65:
        junk = rng.randbytes(rng.randint(1, 16))
        return "bytes", splice_bytes(rng.choice(CABLES).read_bytes(), rng.randrange(1 << 16), junk)
    if roll < 0.85:
        lines = cable_lines()
        return "assembled", "\n".join(rng.choice(lines) for _ in range(rng.randint(0, 80)))
    alphabet = SPLICE_ALPHABET + "abcdefghijklmnopqrstuvwxyz TAGS SUBJECT SECRET BAKU 433"
    return "random", "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))


def check_input(given: str | bytes) -> Document | None:
    """check_parse, for bytes after decoding them as the file reader does; bytes that are no
    text are the reader's documented failure (None)."""
    if isinstance(given, bytes):
        try:
            given = decode(given)[0]
        except (SourceError, UnicodeError):
            return None
    return check_parse(given)


def check_parse(text: str) -> Document | None:
    """Parse `text` and check the promise: a valid record (schema, spans inside the document's
    text, no paragraph number twice) that serialises to JSON, or a ParseError (None)."""
    return _checked(lambda: parse_text(text, source="fuzz.txt"))


def check_html(page: str) -> Document | None:
    """check_parse for an HTML article page, as the HTML reader hands one over."""
    data = page.encode("utf-8", "surrogatepass")
    src = Source(name="fuzz.html", data=data, text=page, encoding="utf-8", format="article-html")
    return _checked(lambda: parse_source(src))


def _checked(parse: Callable[[], Document]) -> Document | None:
    try:
        doc = parse()
    except ParseError:
        return None
    record = check_record(doc.to_record(), doc.text)
    json.dumps(record, ensure_ascii=False)
    return doc


# ---- hostile inputs --------------------------------------------------------------------------
# Each makes a document of about `size` characters that stresses one part of the parser; they
# are run at a moderate size by tests/test_fuzz.py and at 4x sizes by benchmarks/adversarial.py,
# which shows the time grows linearly.

_HEAD = "SECRET BAKU 433\nTAGS: PREL\nSUBJECT: HOSTILE INPUT\n\n"


def _repeat(unit: str, size: int, head: str = _HEAD) -> str:
    return head + unit * max(1, size // len(unit))


def _numbered(size: int) -> str:
    # Every line a marker; numbers run to 9999 (the most a marker has) and start again, so
    # a big input also takes the path of a numbering that restarts.
    lines, total, k = [], 0, 0
    while total < size:
        k += 1
        lines.append(f"{(k - 1) % 9999 + 1}. (C) Text of paragraph {k}.\n")
        total += len(lines[-1])
    return _HEAD + "".join(lines)


HOSTILE: dict[str, Callable[[int], str]] = {
    "one long line": lambda size: _repeat("word ", size, _HEAD + "1. "),
    "one long line, no spaces": lambda size: _repeat("A", size, _HEAD + "1. "),
    "short lines": lambda size: _repeat("x\n", size),
    "TAGS lines": lambda size: _repeat("TAGS: PREL PGOV KDEM\n", size, "SECRET BAKU 433\n"),
    "a numbered paragraph on every line": _numbered,
    "the same marker on every line": lambda size: _repeat("1. x\n", size),
    "false markers between blank lines": lambda size: _repeat("500. x\n\n", size),
    "headings over false markers": lambda size: _repeat("\nHEADING\n\n500. x\n", size),
    # Each office line makes the lexer look ahead for a repeated telegram header.
    "office lines": lambda size: _repeat("ACTION EUR-00\n", size, _HEAD + "1. x\n"),
    "banners": lambda size: _repeat("SECRET BAKU 433\n", size, ""),
    "references to itself": lambda size: _repeat(
        "A. 09 BAKU 433 ", size, "O 010335Z JUN 09\nSECRET BAKU 433\nREF: "
    ),
    "backslash line ends": lambda size: _repeat("x \\\n", size),
    # The signature is looked for upwards from the end, past blank lines and stamps.
    "blank lines after the text": lambda size: _repeat(" \n", size, _HEAD + "1. x.  NAME\n"),
    "stamps after the text": lambda size: _repeat(
        "Systematic Review 05 JUL 2006\nNNN\n", size, _HEAD + "1. x.  NAME\n"
    ),
}

# HTML article pages (through check_html): nesting as deep as the size allows, and a page of
# many short paragraphs.
_STORY = "<p>The story, deep inside the page, is long enough to be the body.</p>"
HOSTILE_HTML: dict[str, Callable[[int], str]] = {
    "deeply nested HTML": lambda size: (
        "<html><body>"
        + "<div>" * (size // 11)
        + _STORY
        + "</div>" * (size // 11)
        + "</body></html>"
    ),
    "HTML, many paragraphs": lambda size: _repeat(
        "<p>A sentence of the story, long enough to be kept.</p>", size, "<html><body><article>"
    ),
}

# Fields that may continue over lines, each continued over `lines` lines: a reader that joins
# or re-scans what it has read so far at every line is quadratic here (issue 22: a TAGS list
# over 32,000 lines took 11 s). benchmarks/adversarial.py runs each at n and 4n lines.
_FRONT = "SECRET BAKU 433\nTAGS: PREL\nSUBJECT: HOSTILE INPUT\n"
_BODY = "\n1. (C) Text.\n"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _lines(make: Callable[[int], str], lines: int) -> str:
    return "".join(make(k) for k in range(lines))


HOSTILE_FIELDS: dict[str, Callable[[int], str]] = {
    "TAGS over many lines": lambda n: (
        "SECRET BAKU 433\nTAGS: " + _lines(lambda k: f"T{k},\n", n) + "SUBJECT: X\n" + _BODY
    ),
    "a TAGS line for each tag": lambda n: (
        "SECRET BAKU 433\n" + _lines(lambda k: f"TAGS: T{k}\n", n) + "SUBJECT: X\n" + _BODY
    ),
    "handling lines": lambda n: (
        "SECRET BAKU 433\n" + _lines(lambda k: f"NOFORN {k}\n", n) + "TAGS: PREL\n" + _BODY
    ),
    "a SUBJECT over many lines": lambda n: (
        "SECRET BAKU 433\nTAGS: PREL\nSUBJECT: " + _lines(lambda k: f"WORD{k}\n", n) + _BODY
    ),
    "a REF list over many lines": lambda n: (
        _FRONT + "REF: " + _lines(lambda k: f"{_LETTERS[k % 26]}. STATE {k + 1}\n", n) + _BODY
    ),
    "REF items between blank lines": lambda n: (
        _FRONT + "REF: " + _lines(lambda k: f"{_LETTERS[k % 26]}. 08 STATE {k + 1}\n\n", n) + _BODY
    ),
    "unlabelled REF items": lambda n: (
        _FRONT + "REF: " + _lines(lambda k: f"BAKU {k + 1};\n", n) + _BODY
    ),
    "one REF item over many lines": lambda n: (
        _FRONT + "REF: " + _lines(lambda k: f"PARA {k} OF\n", n) + "STATE 1\n" + _BODY
    ),
    "Classified By over many lines": lambda n: (
        _FRONT
        + "Classified By: "
        + _lines(lambda k: "Deputy\n", n)
        + "John Smith. Reasons 1.4 (b) and (d)\n"
        + _BODY
    ),
    "Classified By, reasons over many lines": lambda n: (
        _FRONT + "Classified By: John Smith, Reasons\n" + _lines(lambda k: "1.4 (b)\n", n) + _BODY
    ),
    "a summary over many lines": lambda n: (
        _FRONT + "\n1. (C) SUMMARY: " + _lines(lambda k: f"word{k} summary\n", n) + "\n2. x\n"
    ),
    "a summary after BEGIN SUMMARY": lambda n: (
        _FRONT + "\nBEGIN SUMMARY\n" + _lines(lambda k: f"word{k} summary\n", n) + "END SUMMARY\n"
    ),
    "TO addressees": lambda n: (
        "O 010335Z JUN 09\nFM AMEMBASSY BAKU\nTO "
        + _lines(lambda k: f"RUEHC/SECSTATE WASHDC {k}\n", n)
        + _FRONT
        + _BODY
    ),
    "INFO addressees": lambda n: (
        "O 010335Z JUN 09\nFM AMEMBASSY BAKU\nTO RUEHC/SECSTATE WASHDC 1\nINFO "
        + _lines(lambda k: f"AMEMBASSY POST{k}\n", n)
        + _FRONT
        + _BODY
    ),
}
