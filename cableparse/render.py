"""How records read on a terminal and in spreadsheets: text views, tables, CSV rows."""

from __future__ import annotations

import textwrap
from typing import Any

from cableparse.store import Link, Related, Summary

SUMMARY_FIELDS = ["id", "reference_id", "kind", "date", "classification", "title"]
PARAGRAPH_FIELDS = [
    "id",
    "reference_id",
    "kind",
    "date",
    "classification",
    "title",
    "tags",
    "paragraph",
    "heading",
    "marking",
    "text",
    "source",
]


def citation(record: dict[str, Any], number: int | None = None) -> str:
    """'BAKU-000433 ¶10 (09BAKU433)'."""
    cite = record["id"] if number is None else f"{record['id']} ¶{number}"
    ref = (record.get("cable") or {}).get("reference_id")
    return f"{cite} ({ref})" if ref else cite


def _wrap(text: str, indent: str = "") -> str:
    blocks = text.split("\n\n")
    return "\n\n".join(
        textwrap.fill(b, width=92, initial_indent=indent, subsequent_indent=indent) for b in blocks
    )


def paragraph(record: dict[str, Any], p: dict[str, Any]) -> str:
    head = f"¶{p['number']}." if p["number"] is not None else ""
    if p["marking"]:
        head = f"{head} ({p['marking']})".strip()
    return _wrap(f"{head} {p['text']}".strip())


def document(record: dict[str, Any], paragraphs: list[dict[str, Any]], whole: bool) -> str:
    """A cable as it reads: a metadata block, then numbered paragraphs under their headings.
    With `whole` false (a citation of some paragraphs) only those, each with its citation."""
    if not whole:
        return "\n\n".join(
            f"{citation(record, p['number'])}\n{paragraph(record, p)}" for p in paragraphs
        )
    lines = [_metadata(record), ""]
    heading = None
    for p in paragraphs:
        if p["heading"] and p["heading"] != heading:
            heading = p["heading"]
            lines += [heading, "-" * min(len(heading), 92), ""]
        lines += [paragraph(record, p), ""]
    signed = (record.get("cable") or {}).get("signed_by")
    if signed:
        lines.append(" ".join(signed))
    return "\n".join(lines).rstrip() + "\n"


def _metadata(record: dict[str, Any]) -> str:
    rows = metadata_rows(record)
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:>{width}}: {v}" for k, v in rows if v)


def metadata_rows(record: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The header fields `show` prints, as (label, value) pairs; a value may be None."""
    prov = record["provenance"]
    rows: list[tuple[str, str | None]] = [("id", record["id"])]
    cable = record.get("cable")
    article = record.get("article")
    if cable:
        rows += [
            ("reference id", cable["reference_id"]),
            ("date", record["date"]),
            ("classification", record["classification"]),
            ("from", cable["from"]),
            ("to", "; ".join(r["name"] for r in cable["to"]) or None),
            ("info", "; ".join(r["name"] for r in cable["info"]) or None),
            ("tags", " ".join(cable["tags"]) or None),
            ("subject", cable["subject"]),
            ("references", "; ".join(r["text"] for r in cable["references"]) or None),
        ]
    if article:
        dateline = article["dateline"]
        rows += [
            ("headline", article["headline"]),
            ("deck", article.get("deck")),
            ("dateline", dateline["text"] if dateline else None),
            ("byline", article["byline"]),
            ("published", article["published"]),
        ]
        rows += [("caption", c) for c in article["captions"]]
    rows += [("source", prov["source"]), ("sha256", prov["sha256"])]
    return rows


def summary_row(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"],
        "reference_id": (record.get("cable") or {}).get("reference_id"),
        "kind": record["kind"],
        "date": record["date"],
        "classification": record["classification"],
        "title": record["title"],
    }


def table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no documents"
    cells = [[str(r[f] if r[f] is not None else "") for f in SUMMARY_FIELDS] for r in rows]
    # Ids are printed whole, so that they can be copied into `show`; only titles are cut.
    widths = [max(len(f), *(len(c[i]) for c in cells)) for i, f in enumerate(SUMMARY_FIELDS)]
    title = SUMMARY_FIELDS.index("title")
    widths[title] = min(widths[title], 60)
    line = "  ".join(f.upper().ljust(w) for f, w in zip(SUMMARY_FIELDS, widths, strict=True))
    out = [line.rstrip()]
    for c in cells:
        out.append("  ".join(v[:w].ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
    return "\n".join(out)


def paragraph_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    base = summary_row(record)
    base["tags"] = " ".join((record.get("cable") or {}).get("tags", []))
    base["source"] = record["provenance"]["source"]
    return [
        {
            **base,
            "paragraph": p["number"],
            "heading": p["heading"],
            "marking": p["marking"],
            "text": p["text"],
        }
        for p in record["paragraphs"]
    ]


def _described(doc: Summary) -> str:
    return "  ".join(
        x for x in (doc.label(), doc.date[:10] if doc.date else "undated", doc.title) if x
    )


def links(record: dict[str, Any], found: list[Link], cited_by: bool) -> str:
    """`show --refs`: each REF item and what the archive holds of it; `show --cited-by`: the
    cables that cite this one, by date."""
    name = citation(record)
    if cited_by:
        if not found:
            return f"no cable in the archive cites {name}\n"
        lines = [f"{name} is cited by {len(found)} REF item{'s' if len(found) != 1 else ''}:"]
        for link in found:
            label = f"REF {link.label}" if link.label else "REF"
            lines.append(f"  {_described(link.citing)}")
            lines.append(f"      {label}: {link.text}")
        return "\n".join(lines) + "\n"
    if not found:
        kind = "article" if record["kind"] == "article" else "cable"
        return f"{name} has no references (the {kind} has no REF line)\n"
    lines = [f"{name} references:"]
    for link in found:
        head = f"{link.label}. " if link.label else ""
        lines.append(
            f"  {head}{link.text}  [{link.kind}{', ' + link.cited_id if link.cited_id else ''}]"
        )
        if link.cited:
            lines.extend(f"      {_described(doc)}" for doc in link.cited)
        elif link.cited_id:
            lines.append("      not in the archive")
    return "\n".join(lines) + "\n"


def related(record: dict[str, Any], found: list[Related]) -> str:
    """`related`: best first, each with the terms it shares and the days between."""
    name = citation(record)
    if not found:
        return f"nothing in the archive is related to {name}\n"
    lines = [f"related to {name}:"]
    for n, r in enumerate(found, 1):
        apart = "date unknown" if r.days is None else f"{r.days} day{'s' * (r.days != 1)} apart"
        lines.append(f"{n:3}. {r.document.kind:7} {_described(r.document)}")
        lines.append(f"       score {r.score:.1f}; {apart}; shares: {', '.join(r.terms) or '-'}")
    return "\n".join(lines) + "\n"


REFERENCE_FIELDS = [
    "id",
    "reference_id",
    "date",
    "label",
    "kind",
    "text",
    "cited_id",
    "span_start",
    "span_end",
    "archived_id",
    "archived_title",
    "archived_date",
]


def reference_row(link: Link) -> dict[str, Any]:
    """One REF item as a CSV row: the citing cable, the item, and the archived document it
    names (empty where the archive has none; several are joined by '; ')."""
    return {
        "id": link.citing.id,
        "reference_id": link.citing.reference_id,
        "date": link.citing.date,
        "label": link.label,
        "kind": link.kind,
        "text": link.text,
        "cited_id": link.cited_id,
        "span_start": link.span[0],
        "span_end": link.span[1],
        "archived_id": "; ".join(d.id for d in link.cited),
        "archived_title": "; ".join(d.title or "" for d in link.cited),
        "archived_date": "; ".join(d.date or "" for d in link.cited),
    }
