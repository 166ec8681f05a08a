"""Hostile inputs take time linear in their size: each generator of tests/fuzzing.py HOSTILE
(text) and HOSTILE_HTML (article pages) is parsed at size n and 4n characters, each of
HOSTILE_FIELDS (a field that continues over lines: TAGS, REF, SUBJECT, addressees, Classified
By, summaries) at n and 4n lines, and the ratio of the times is printed. Linear is about 4; a
quadratic step would show about 16. A ratio above 8 fails, above 6 for the fields (issue 22).
Times are CPU time of this process (best of --repeat runs), so that other work on a shared
machine does not blur the ratio. tests/test_fuzz.py runs the fields at a small n.

Usage: python benchmarks/adversarial.py [--size N] [--repeat 2] [--fields] [NAME ...]
The default sizes reach the issue's: one 50 MB line, 1,000,000 short lines (2 MB), 100,000
paragraph markers, fields over 25,000 and 100,000 lines; --size scales the rest.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cableparse import Document, ParseError, parse_text
from cableparse.parsing import parse_source
from cableparse.sources import Source
from tests.fuzzing import HOSTILE, HOSTILE_FIELDS, HOSTILE_HTML

# The size n of each generator, in characters; the run also parses 4n.
SIZES = {
    "one long line": 50_000_000 // 4,
    "one long line, no spaces": 50_000_000 // 4,
    "short lines": 2_000_000 // 4,  # 4n: 1,000,000 lines of "x"
}
DEFAULT = 500_000  # 4n: about 100,000 markers, 95,000 TAGS lines, 140,000 office lines
FIELD_LINES = 25_000  # n for HOSTILE_FIELDS, in lines
LIMIT = 8.0
FIELD_LIMIT = 6.0


def parse_html(page: str) -> Document:
    data = page.encode()
    return parse_source(Source("x.html", data, page, "utf-8", format="article-html"))


def best_time(text: str, repeat: int, parse: Callable[[str], Document]) -> tuple[float, str]:
    best, outcome = float("inf"), ""
    for _ in range(repeat):
        gc.collect()
        began = time.process_time()
        try:
            doc = parse(text)
            outcome = f"{doc.kind}, {len(doc.paragraphs)} paragraphs"
        except ParseError as exc:
            outcome = f"ParseError: {exc}"
        best = min(best, time.process_time() - began)
    return best, outcome


def limit(name: str) -> float:
    return FIELD_LIMIT if name in HOSTILE_FIELDS else LIMIT


def measure(name: str, n: int | None, repeat: int) -> tuple[int, float, int, float, str]:
    """One generator at n and 4n (its default n when None): the sizes in characters, the
    times, and what the larger parse gave."""
    if name in HOSTILE_FIELDS:
        make, parse, n = HOSTILE_FIELDS[name], parse_text, n or FIELD_LINES
    elif name in HOSTILE:
        make, parse, n = HOSTILE[name], parse_text, n or SIZES.get(name, DEFAULT)
    else:
        make, parse, n = HOSTILE_HTML[name], parse_html, n or DEFAULT
    small, big = make(n), make(4 * n)
    t_small, _ = best_time(small, repeat, parse)
    t_big, outcome = best_time(big, repeat, parse)
    return len(small), t_small, len(big), t_big, outcome


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "names", nargs="*", default=sorted(HOSTILE) + sorted(HOSTILE_HTML) + list(HOSTILE_FIELDS)
    )
    ap.add_argument("--size", type=int, default=None, help="n for every generator")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--fields", action="store_true", help="only the fields over many lines")
    args = ap.parse_args()
    if args.fields:
        args.names = [n for n in args.names if n in HOSTILE_FIELDS]
    slow = 0
    print(f"{'input':40} {'size n':>12} {'time n':>9} {'size 4n':>12} {'time 4n':>9} {'ratio':>6}")
    for name in args.names:
        small, t_small, big, t_big, outcome = measure(name, args.size, args.repeat)
        ratio = t_big / max(t_small, 1e-4)
        flag = "" if ratio <= limit(name) else "  NOT LINEAR"
        slow += ratio > limit(name)
        print(
            f"{name:40} {small:>12,} {t_small:>8.2f}s {big:>12,} {t_big:>8.2f}s "
            f"{ratio:>6.1f}{flag}  ({outcome[:60]})",
            flush=True,
        )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
