"""Make a large, realistic cable corpus from the development cables, for the benchmarks.

Each generated cable is a real cable of the corpus with its identity changed where the parser
says it is written: a new serial (and sometimes another station) in the banner, a new date in
the date-time group, and a body with some paragraphs dropped or repeated. Everything else, the
scrape's whitespace, page breaks, glued banners and other quirks, stays as it was, so the
parser meets what it meets in real copies. The same seed gives the same corpus.

    python benchmarks/generate.py OUT_DIR --count 10000 [--seed 1] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import cableparse

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "cablegate-dev"
STATIONS = ("BAKU", "ANKARA", "TASHKENT", "YEREVAN", "LISBON", "DAKAR", "BOGOTA", "KUWAIT")
YEARS = (85, 88, 91, 95, 99, 0, 3, 6, 8, 9)
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_SERIAL = re.compile(r"(?P<station>[A-Z][A-Z .'-]*?)\s+(?P<serial>\d{1,7})\s*$")
_DTG = re.compile(r"(?P<day>\d\d)(?P<time>\d{4}Z)\s+(?P<month>[A-Z]{3})\s+(?P<year>\d{2,4})")


class Template:
    """A real cable and the spans of what the generator changes."""

    def __init__(self, text: str) -> None:
        doc = cableparse.parse_text(text)
        record = doc.to_record()
        spans = record["provenance"]["spans"]
        self.text = text
        self.banner = tuple(spans["banner"]) if "banner" in spans else None
        self.dtg = tuple(spans["dtg"]) if "dtg" in spans else None
        self.paragraphs = [tuple(p["span"]) for p in record["paragraphs"] if p["number"]]

    def variant(self, rng: random.Random, serial: int) -> str:
        """This cable as another one: the edits are applied back to front, so that the spans
        of the earlier parts stay valid."""
        edits: list[tuple[int, int, str]] = []
        if self.banner:
            start, end = self.banner
            line = self.text[start:end]
            m = _SERIAL.search(line)
            if m:
                station = m["station"]
                if rng.random() < 0.3 and " " not in station.strip():
                    station = rng.choice(STATIONS)
                width = len(m["serial"])
                new = f"{station} {serial % 10 ** max(width, 6):0{width}d}"
                edits.append((start + m.start(), start + m.end(), new))
        if self.dtg:
            start, end = self.dtg
            m = _DTG.search(self.text, start, end)
            if m:
                y = rng.choice(YEARS)
                year = f"{y:02d}" if len(m["year"]) == 2 else str(1900 + y if y > 50 else 2000 + y)
                new = f"{rng.randint(1, 28):02d}{m['time']} {rng.choice(MONTHS)} {year}"
                edits.append((m.start(), m.end(), new))
        if len(self.paragraphs) > 3 and rng.random() < 0.5:
            # Drop one paragraph from the middle, or repeat one: paragraph counts vary.
            start, end = self.paragraphs[rng.randrange(1, len(self.paragraphs) - 1)]
            body = self.text[start:end]
            edits.append((start, end, "" if rng.random() < 0.5 else body + "\n \n" + body))
        text = self.text
        for start, end, new in sorted(edits, reverse=True):
            text = text[:start] + new + text[end:]
        return text


def templates(corpus: Path) -> list[Template]:
    return [Template(p.read_text(encoding="utf-8")) for p in sorted(corpus.glob("*.txt"))]


def cables(corpus: Path, count: int, seed: int = 1) -> Iterator[str]:
    """`count` generated cable texts."""
    rng = random.Random(seed)
    pool = templates(corpus)
    for n in range(count):
        yield rng.choice(pool).variant(rng, serial=n + 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    for n, text in enumerate(cables(args.corpus, args.count, args.seed)):
        folder = args.out / f"{n // 1000:04d}"
        if n % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{n:07d}.txt").write_text(text, encoding="utf-8")
    print(f"{args.count} cables in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
