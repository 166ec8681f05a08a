"""Evaluate the cable parser against the truth shipped with a corpus.

For every `<REFID>.txt` (or `.html`) with a `<REFID>.json` beside it, compare the record's id,
reference_id, title, date and classification (and a cables.csv row's references) with the
truth, and print the share that match and every miss. A Cable Viewer page without a sidecar
is compared with its own metadata table and heading ("Viewing cable REFID, TITLE"), and a
`cables.csv` dump row by row with its columns (no title there), both read here independently
of cableparse (lxml, Python's csv module).
Usage: python benchmarks/eval_cables.py [FOLDER ...]
(default: ../shared/corpus/cablegate-dev, cablegate-html and cables-csv).

WikiLeaks' index keeps only the first line of a SUBJECT and sometimes its leading portion
marking ("C) SYRIA: ..."); a title matches when, ignoring case, spacing and a leading marking,
the truth is a prefix of ours. An index title that is empty matches a null title.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import lxml.html
from folders import folders_from_arguments

from cableparse import ids, parse_path
from cableparse.errors import ParseError

FIELDS = ("id", "reference_id", "title", "date", "classification", "references")


def norm_title(text: str | None) -> str:
    text = re.sub(r"^\(?\s?[A-Z]{1,4}(?:/{1,2}[A-Z]{1,6})*\s?\)\s*", "", (text or "").upper())
    return re.sub(r"[^A-Z0-9]+", "", text)


def truth_for(path: Path) -> list[dict[str, str]] | None:
    """The truth for each document in a file, in order; None when there is none."""
    sidecar = path.with_suffix(".json")
    if sidecar.exists():
        data: dict[str, str] = json.loads(sidecar.read_text(encoding="utf-8"))
        return [data]
    if path.suffix == ".html":
        return [page_truth(path)]
    if path.suffix == ".csv":
        return csv_truth(path)
    return None


def page_truth(path: Path) -> dict[str, str]:
    root = lxml.html.parse(str(path)).getroot()
    heads = [th.text_content().strip() for th in root.xpath("//table[@class='cable']//th")]
    cells = [td.text_content().strip() for td in root.xpath("//table[@class='cable']//td")]
    table = dict(zip(heads, cells, strict=False))
    title = ""
    for h3 in root.xpath("//h3"):
        m = re.match(r"Viewing cable [^,]+, (.*)", " ".join(h3.text_content().split()))
        title = m.group(1) if m else title
    return {
        "reference_id": table.get("Reference ID", ""),
        "date": table.get("Created", ""),
        "classification": table.get("Classification", ""),
        "title": title,
    }


def csv_truth(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, escapechar="\\", doublequote=False):
            month, day, year = row[1].split()[0].split("/")
            out.append(
                {
                    "reference_id": row[2],
                    "date": f"{year}-{int(month):02d}-{int(day):02d}",
                    "classification": row[4],
                    "references": row[5],
                }
            )
    return out


def compare(record: dict[str, object], truth: dict[str, str]) -> dict[str, tuple[bool, str]]:
    cable = record.get("cable") or {}
    assert isinstance(cable, dict)
    ref = truth.get("reference_id") or ""
    parsed = ids.split_id(ref)
    if parsed is None:
        # An index id with a doubled year (WikiLeaks' 7575LIBREVILLE1895) still names the
        # station and serial after its digits.
        m = re.match(r"^\d+([A-Z]+)(\d+)$", ref)
        parsed = (None, m.group(1), int(m.group(2))) if m else None
    want_id = f"{parsed[1]}-{parsed[2]:06d}" if parsed else ""
    got_title = str(record.get("title") or "")
    want_title = truth.get("title") or ""
    got_date = str(record.get("date") or "")
    want_date = (truth.get("date") or "")[:16]
    results: dict[str, tuple[bool, str]] = {
        "id": (record.get("id") == want_id, f"{record.get('id')} != {want_id}"),
        "reference_id": (cable.get("reference_id") == ref, f"{cable.get('reference_id')} != {ref}"),
        "title": (
            norm_title(got_title).startswith(norm_title(want_title))
            and (bool(want_title) == bool(got_title)),
            f"{got_title!r} != {want_title!r}",
        ),
        "date": (
            # To the minute where the truth has a time (a page's Created), else the day.
            got_date.replace("T", " ")[: len(want_date)] == want_date,
            f"{got_date} != {truth.get('date')}",
        ),
        "classification": (
            record.get("classification") == truth.get("classification"),
            f"{record.get('classification')} != {truth.get('classification')}",
        ),
    }
    if "title" not in truth:
        del results["title"]
    if "references" in truth:
        # The dump's column: the ids the cable cites, separated by "|".
        want_refs = sorted({r for r in truth["references"].split("|") if r})
        refs = cable.get("references") or []
        assert isinstance(refs, list)
        got_refs = sorted({str(r["id"]) for r in refs if r.get("id")})
        results["references"] = (got_refs == want_refs, f"{got_refs} != {want_refs}")
    return results


def main(folders: list[str]) -> int:
    for folder in folders:
        hits = dict.fromkeys(FIELDS, 0)
        counted = dict.fromkeys(FIELDS, 0)
        total = 0
        print(f"== {folder}")
        for path in sorted(Path(folder).iterdir()):
            truths = truth_for(path) if path.suffix in (".txt", ".html", ".csv") else None
            if truths is None:
                continue
            total += len(truths)
            try:
                records = [d.to_record() for d in parse_path(path)]
            except ParseError as exc:
                print(f"{path.name}: FAILED {exc}")
                continue
            for k, (record, truth) in enumerate(zip(records, truths, strict=False)):
                where = path.name if len(truths) == 1 else f"{path.name} row {k + 1}"
                for field, (ok, why) in compare(record, truth).items():
                    hits[field] += ok
                    counted[field] += 1
                    if not ok:
                        print(f"{where}: {field}: {why}")
        print(f"{total} cables")
        for field in FIELDS:
            if counted[field]:
                n = counted[field]
                print(f"{field:15} {hits[field]:3}/{n}  {100 * hits[field] / n:5.1f}%")
        print()
    return 0


if __name__ == "__main__":
    corpus = Path(__file__).resolve().parents[2] / "shared/corpus"
    default = [str(corpus / name) for name in ("cablegate-dev", "cablegate-html", "cables-csv")]
    sys.exit(main(folders_from_arguments(__doc__, default)))
