"""Make a `cables.csv` of N rows from the development corpus, for benchmarks of the dump reader.

The rows keep the dump's quirks: 8 quoted columns, no header row, quotes and apostrophes escaped
with a backslash, newlines inside fields. They cycle through the real cables of the corpus
(the dump sample's rows and the plain-text cables, split at their banner into routing header and
body), each row with its own serial number (in the banner and the reference id) and its own
date (in the date column and the date-time group), so that every row is a distinct cable.

Usage: python benchmarks/make_csv.py N OUT.csv [CORPUS]   (default corpus: ../shared/corpus)
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import attrs

from cableparse import ids, parse_text
from cableparse.csvdump import COLUMNS
from cableparse.sources import Source, iter_sources

_META_DATE = re.compile(r"(?im)^(\s*date:\s*)\d{1,2}/\d{1,2}/\d{4}(?:\s+\d{1,2}:\d\d)?")
# The banner's serial at the end of its line (a dump may leave an escaped newline after it).
_SERIAL = re.compile(r"(\d+)(\s*\\?\s*)$")


@attrs.frozen
class Template:
    header: str
    body: str
    dtg: str | None
    station: str
    date: datetime
    origin: str
    classification: str
    references: str


def templates(corpus: Path) -> Iterator[Template]:
    """The corpus's cables, split into the dump's columns."""
    for item in iter_sources(corpus / "cables-csv"):
        if isinstance(item, Source):
            yield from _split(item.text, dict(item.external))
    for path in sorted((corpus / "cablegate-dev").glob("*.txt")):
        truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if truth.get("date"):
            truth["date"] += "T12:00:00Z"
        yield from _split(path.read_text(encoding="utf-8"), truth)


def _split(text: str, meta: dict[str, str]) -> Iterator[Template]:
    rec = parse_text(text).to_record()
    banner = rec["provenance"]["spans"].get("banner")
    cable = rec["cable"]
    date = rec["date"] if rec["date"] and "T" in rec["date"] else meta.get("date")
    if banner is None or cable is None or not date:
        return
    refs = "|".join(r["id"] for r in cable["references"] if r["id"])
    yield Template(
        header=text[: banner[0]].rstrip("\n"),
        body=text[banner[0] :],
        dtg=cable["dtg"],
        station=cable["origin"],
        date=datetime.fromisoformat(date.replace("Z", "")[:16]),
        origin=meta.get("origin") or cable["origin"].title(),
        classification=meta.get("classification") or rec["classification"] or "UNCLASSIFIED",
        references=refs,
    )


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")


# Dates move by the row number in hours, around a cycle of three years: a dump of Cablegate's
# size keeps its cables' dates near their templates' (1966-2010), not decades past them.
DATE_CYCLE_HOURS = 3 * 365 * 24


def row(n: int, t: Template) -> str:
    """Row n (1-based) made from template t: serial n, date moved by n hours (in a cycle)."""
    when = t.date + timedelta(hours=n % DATE_CYCLE_HOURS)
    header, body = t.header, t.body
    if t.dtg:
        dtg = when.strftime("%d%H%MZ %b %y").upper()
        header, body = header.replace(t.dtg, dtg), body.replace(t.dtg, dtg)
    stamp = f"{when.month}/{when.day}/{when.year} {when.hour}:{when.minute:02d}"
    header = _META_DATE.sub(lambda m: m.group(1) + stamp, header)
    first, _, rest = body.partition("\n")

    def serial(m: re.Match[str]) -> str:
        return f"{n:0{len(m.group(1))}d}{m.group(2)}"

    body = _SERIAL.sub(serial, first, count=1) + "\n" + rest
    ref = ids.reference_id(t.station, n, when.year)
    fields = [
        str(n),
        stamp,
        ref,
        t.origin,
        t.classification,
        t.references,
        header,
        body,
    ]
    assert len(fields) == len(COLUMNS)
    return ",".join(f'"{escape(f)}"' for f in fields) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    count, out = int(argv[0]), Path(argv[1])
    corpus = (
        Path(argv[2]) if len(argv) > 2 else Path(__file__).resolve().parents[2] / "shared/corpus"
    )
    pool = list(templates(corpus))
    with out.open("w", encoding="utf-8", newline="\n") as f:
        for n in range(1, count + 1):
            f.write(row(n, pool[(n - 1) % len(pool)]))
    print(f"{out}: {count} rows from {len(pool)} cables", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
