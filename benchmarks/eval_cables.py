"""Evaluate the cable parser against the truth shipped with a corpus.

For every `<REFID>.txt` (or `.html`) with a `<REFID>.json` beside it, compare the record's id,
reference_id, title, date and classification with the truth, and print the share that match
and every miss. Usage: python benchmarks/eval_cables.py [FOLDER ...]
(default: ../shared/corpus/cablegate-dev and ../shared/corpus/cablegate-html).

WikiLeaks' index keeps only the first line of a SUBJECT and sometimes its leading portion
marking ("C) SYRIA: ..."); a title matches when, ignoring case, spacing and a leading marking,
the truth is a prefix of ours. An index title that is empty matches a null title.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from cableparse import ids, parse_path
from cableparse.errors import ParseError

FIELDS = ("id", "reference_id", "title", "date", "classification")


def norm_title(text: str | None) -> str:
    text = re.sub(r"^\(?\s?[A-Z]{1,4}(?:/{1,2}[A-Z]{1,6})*\s?\)\s*", "", (text or "").upper())
    return re.sub(r"[^A-Z0-9]+", "", text)


def truth_for(path: Path) -> dict[str, str] | None:
    sidecar = path.with_suffix(".json")
    if sidecar.exists():
        data: dict[str, str] = json.loads(sidecar.read_text(encoding="utf-8"))
        return data
    return None


def compare(record: dict[str, object], truth: dict[str, str]) -> dict[str, tuple[bool, str]]:
    cable = record.get("cable") or {}
    assert isinstance(cable, dict)
    ref = truth.get("reference_id") or ""
    parsed = ids.split_id(ref)
    want_id = f"{parsed[1]}-{parsed[2]:06d}" if parsed else ""
    got_title = str(record.get("title") or "")
    want_title = truth.get("title") or ""
    got_date = str(record.get("date") or "")
    results = {
        "id": (record.get("id") == want_id, f"{record.get('id')} != {want_id}"),
        "reference_id": (cable.get("reference_id") == ref, f"{cable.get('reference_id')} != {ref}"),
        "title": (
            norm_title(got_title).startswith(norm_title(want_title))
            and (bool(want_title) == bool(got_title)),
            f"{got_title!r} != {want_title!r}",
        ),
        "date": (
            got_date[:10] == (truth.get("date") or "")[:10],
            f"{got_date} != {truth.get('date')}",
        ),
        "classification": (
            record.get("classification") == truth.get("classification"),
            f"{record.get('classification')} != {truth.get('classification')}",
        ),
    }
    return results


def main(folders: list[str]) -> int:
    hits = dict.fromkeys(FIELDS, 0)
    total = 0
    for folder in folders:
        for path in sorted(Path(folder).iterdir()):
            truth = truth_for(path)
            if path.suffix not in (".txt", ".html") or truth is None:
                continue
            total += 1
            try:
                records = [d.to_record() for d in parse_path(path)]
            except ParseError as exc:
                print(f"{path.name}: FAILED {exc}")
                continue
            record = records[0]
            for field, (ok, why) in compare(record, truth).items():
                hits[field] += ok
                if not ok:
                    print(f"{path.name}: {field}: {why}")
    print(f"\n{total} cables")
    for field in FIELDS:
        print(f"{field:15} {hits[field]:3}/{total}  {100 * hits[field] / max(total, 1):5.1f}%")
    return 0


if __name__ == "__main__":
    default = [str(Path(__file__).resolve().parents[2] / "shared/corpus/cablegate-dev")]
    sys.exit(main(sys.argv[1:] or default))
