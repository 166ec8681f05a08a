"""Evaluate the article parser against the truth shipped with a corpus of news articles.

For every `<name>.txt` or `<name>.html` with a `<name>.json` beside it (see the corpus README),
compare the record's title, dateline place and agency, byline and date with the truth, print
every miss and the share that match. Usage: python benchmarks/eval_articles.py [FOLDER ...]
(default: ../shared/corpus/news-dev). HTML files are read as `article-html` Sources.

Comparisons: titles, places and agencies match ignoring case and spacing; a byline matches
ignoring case, spacing and a leading "By" or French "Par" (the truth keeps the prefix only
where its source printed one); the date is counted only where the truth's `date_in_text` is
true, since a date the text does not state must not be invented (where it is false, a null
date is counted).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from folders import folders_from_arguments

from cableparse import parse_source
from cableparse.errors import ParseError
from cableparse.sources import Source, decode

FIELDS = ("title", "dateline_place", "dateline_agency", "byline", "date")


def norm(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def norm_byline(text: str | None) -> str:
    return re.sub(r"^(?:by|par):?\s+", "", norm(text))


def source_for(path: Path) -> Source:
    data = path.read_bytes()
    text, encoding, warnings = decode(data)
    fmt = "article-html" if path.suffix == ".html" else "text"
    return Source(str(path), data, text, encoding, fmt, warnings=tuple(warnings))


def compare(record: dict[str, Any], truth: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    article = record.get("article") or {}
    dateline = article.get("dateline") or {}
    got = {
        "title": record.get("title"),
        "dateline_place": dateline.get("place"),
        "dateline_agency": dateline.get("agency"),
        "byline": article.get("byline"),
        "date": record.get("date"),
    }
    want = {field: truth.get(field) for field in FIELDS}
    if not truth.get("date_in_text"):
        want["date"] = None
    results = {}
    for field in FIELDS:
        same = norm_byline if field == "byline" else norm
        ok = same(got[field]) == same(want[field])
        results[field] = (ok, f"{got[field]!r} != {want[field]!r}")
    return results


def main(folders: list[str]) -> int:
    hits = dict.fromkeys(FIELDS, 0)
    counted = dict.fromkeys(FIELDS, 0)
    total = 0
    for folder in folders:
        for path in sorted(Path(folder).iterdir()):
            sidecar = path.with_suffix(".json")
            if path.suffix not in (".txt", ".html") or not sidecar.exists():
                continue
            truth = json.loads(sidecar.read_text(encoding="utf-8"))
            total += 1
            try:
                record = parse_source(source_for(path)).to_record()
            except ParseError as exc:
                print(f"{path.name}: FAILED {exc}")
                continue
            for field, (ok, why) in compare(record, truth).items():
                if field == "date" and truth.get("date_in_text") is None:
                    continue  # HTML: the truth does not say whether the page states a date
                counted[field] += 1
                hits[field] += ok
                if not ok:
                    print(f"{path.name}: {field}: {why}")
    print(f"\n{total} articles")
    for field in FIELDS:
        rate = 100 * hits[field] / max(counted[field], 1)
        print(f"{field:16} {hits[field]:3}/{counted[field]:<3} {rate:5.1f}%")
    return 0


if __name__ == "__main__":
    default = [str(Path(__file__).resolve().parents[2] / "shared/corpus/news-dev")]
    sys.exit(main(folders_from_arguments(__doc__, default)))
