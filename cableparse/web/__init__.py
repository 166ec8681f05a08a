"""The archive in a web browser: cableparse's Datasette plugin (`cableparse serve`).

Datasette serves the tables, their facets, full-text search and JSON; this plugin adds what
makes it a cable archive: a page for each document under every id form (/cable/09BAKU433,
/cable/BAKU-000433), with its header as `show` prints it, paragraphs anchored (#p10) and
citable, REF lines linked to the cables the archive holds, and the original bytes; and a
search page whose results are citations. Each page has JSON beside it (the same path with
.json). The plugin reads the archive through Archive (immutable) in Datasette's threads.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from cableparse import render
from cableparse.archive import DB_NAME, RANKED_AT_MOST, Archive, LookupFailed

T = TypeVar("T")

PAGE_SIZE = 20
# The facets of the search page: the request parameter and the value each document has.
FACETS = ("kind", "classification", "origin", "year", "tag")
# What Datasette's own table pages offer (`cableparse serve` passes it as metadata).
METADATA: dict[str, Any] = {
    "title": "cableparse archive",
    "description_html": (
        '<a href="/search">Search the archive</a> (citations, facets); open a document at '
        "/cable/ID (every id form: BAKU-000433, 09BAKU433) or /article/ID."
    ),
    "databases": {
        "cableparse": {
            "tables": {
                "documents": {
                    "facets": ["kind", "classification", "origin", "year"],
                    "fts_table": "documents_fts",
                    "fts_pk": "key",
                    # No sort by date: no index has it, and on Cablegate's size the sort
                    # alone outlasts Datasette's time limit.
                    "label_column": "id",
                },
                "paragraphs": {"fts_table": "paragraphs_fts", "fts_pk": "rowid"},
                "tags": {"facets": ["tag"]},
            }
        }
    },
}
SETTINGS: dict[str, Any] = {
    # The documents table holds each source text and record: a cell shows their beginning,
    # and a page of 100 rows read 3 MB of them.
    "truncate_cells_html": 160,
    "default_page_size": 20,
    # Suggestions try a facet on every column of a table page, each up to 50 ms: a second
    # of each page of the documents table on Cablegate's size.
    "suggest_facets": False,
}
# Markers snippet() puts around a hit, replaced by <mark> once the text is escaped: the text
# holds no control characters of these two (they are no part of any cable or article).
_HIT_START, _HIT_END = "\x02", "\x03"
_CONTENT_TYPES = {
    "cable-text": "text/plain",
    "article-text": "text/plain",
    "cables-csv": "text/csv",
    "cablegate-html": "text/html",
    "article-html": "text/html",
}


class BadQuery(Exception):
    """A search the full-text index cannot read; the message says what to change."""


# ---- reading the archive in Datasette's threads ---------------------------------------------

_local = threading.local()


def _database(datasette: Any) -> Any:
    """The archive's database: the one named after cableparse.db; None in a Datasette that
    serves none (the plugin is installed for every Datasette of this environment)."""
    for db in datasette.databases.values():
        if db.path and Path(db.path).name == DB_NAME:
            return db
    return None


def _archive(folder: Path) -> Archive:
    """One Archive per thread and folder: an sqlite3 connection stays in its thread."""
    archives: dict[Path, Archive] = _local.__dict__.setdefault("archives", {})
    if folder not in archives:
        archives[folder] = Archive(folder, immutable=True)
    return archives[folder]


async def _read(datasette: Any, fn: Callable[[Archive], T]) -> T:
    db = _database(datasette)
    folder = Path(db.path).parent
    result: T = await db.execute_fn(lambda _conn: fn(_archive(folder)))
    return result


# ---- addresses and citations ------------------------------------------------------------------


def document_path(kind: str, doc_id: str, reference_id: str | None) -> str:
    """A document's page. A cable's reference id names one cable where its id may name two
    (the same station and serial in two years)."""
    return f"/{kind}/{quote(reference_id or doc_id, safe='')}"


def anchor(number: int | None, seq: int) -> str:
    """A paragraph's anchor: #p10 for ¶10; #s3 for the third paragraph when unnumbered."""
    return f"p{number}" if number is not None else f"s{seq + 1}"


def cite(
    doc_id: str,
    reference_id: str | None,
    number: int | None,
    seq: int,
    numbered_near: tuple[int | None, int | None] = (None, None),
) -> str:
    """'BAKU-000433 ¶10 (09BAKU433)'. An unnumbered paragraph is placed by the numbered ones
    around it (`numbered_near`: the number before it, the number after it), so that its
    citation never reads like another's ¶N; in a document with no numbers (an article), by
    its place."""
    record = {"id": doc_id, "cable": {"reference_id": reference_id}}
    if number is not None:
        return render.citation(record, number)
    before, after = numbered_near
    if after is not None:
        return f"{render.citation(record)}, the unnumbered paragraph before ¶{after}"
    if before is not None:
        return f"{render.citation(record)}, the unnumbered paragraph after ¶{before}"
    return f"{render.citation(record)}, paragraph {seq + 1}"


def _numbered_near(numbers: list[int | None], seq: int) -> tuple[int | None, int | None]:
    """The numbers of the nearest numbered paragraphs before and after paragraph `seq`."""
    before = next((n for n in reversed(numbers[:seq]) if n is not None), None)
    after = next((n for n in numbers[seq + 1 :] if n is not None), None)
    return before, after


def _path_of(record: dict[str, Any]) -> str:
    cable = record.get("cable") or {}
    return document_path(record["kind"], record["id"], cable.get("reference_id"))


def marked(snippet: str) -> Markup:
    """A snippet, escaped, with its hits in <mark>."""
    text = str(escape(snippet))
    return Markup(text.replace(_HIT_START, "<mark>").replace(_HIT_END, "</mark>"))


# ---- the document page ------------------------------------------------------------------------


def _document(archive: Archive, doc_id: str) -> dict[str, Any]:
    """What the document page shows, as plain values (the page's JSON)."""
    record = archive.resolve(doc_id)
    cable = record.get("cable") or {}
    reference_id = cable.get("reference_id")
    paragraphs = []
    heading = None
    numbers = [p["number"] for p in record["paragraphs"]]
    for seq, p in enumerate(record["paragraphs"]):
        paragraphs.append(
            {
                "number": p["number"],
                "marking": p["marking"],
                "heading": p["heading"] if p["heading"] != heading else None,
                "text": p["text"],
                "anchor": anchor(p["number"], seq),
                "citation": cite(
                    record["id"], reference_id, p["number"], seq, _numbered_near(numbers, seq)
                ),
            }
        )
        heading = p["heading"] or heading
    references = []
    for ref in cable.get("references", []):
        target = None
        if ref.get("id"):
            with contextlib.suppress(LookupFailed):
                target = _path_of(archive.resolve(ref["id"], closest=False))
        references.append({**ref, "href": target})
    prov = record["provenance"]
    row = archive.db.execute(
        "SELECT format, encoding, size FROM sources WHERE sha256 = ?", (prov["sha256"],)
    ).fetchone()
    path = _path_of(record)
    return {
        "id": record["id"],
        "kind": record["kind"],
        "title": record["title"],
        "citation": render.citation(record),
        "path": path,
        "header": [
            {"label": k, "value": v}
            for k, v in render.metadata_rows(record)
            if v and k not in ("references", "source", "sha256")
        ],
        "references": references,
        "paragraphs": paragraphs,
        "signed_by": cable.get("signed_by") or [],
        "captions": (record.get("article") or {}).get("captions", []),
        "warnings": prov["warnings"],
        # The text as the source has it, laid out as sent (routing lines, tables).
        "text": archive.text_of(record),
        "source": {
            "path": prov["source"],
            "sha256": prov["sha256"],
            "format": row[0] if row else prov["format"],
            "encoding": row[1] if row else prov["encoding"],
            "size": row[2] if row else None,
            "href": f"{path}/source",
        },
        "record": record,
    }


def _id_of(request: Any) -> str:
    # Datasette matches routes on the raw path (so that %2F stays inside an id).
    return unquote(request.url_vars["id"])


async def _no_archive(datasette: Any, request: Any) -> Response:
    return await _error_page(
        datasette, request, 404, "No archive", "This Datasette serves no cableparse.db."
    )


async def document_page(datasette: Any, request: Any) -> Response:
    if _database(datasette) is None:
        return await _no_archive(datasette, request)
    doc_id = _id_of(request)
    as_json = bool(request.url_vars.get("json"))
    try:
        page = await _read(datasette, lambda a: _document(a, doc_id))
    except LookupFailed as exc:
        return await _lookup_failed(datasette, request, exc, as_json)
    if request.url_vars["kind"] != page["kind"]:
        return Response.redirect(page["path"] + (".json" if as_json else ""))
    if as_json:
        return Response.json(page)
    return Response.html(
        await datasette.render_template(
            "cableparse_document.html",
            {"doc": page, "json_url": request.path + ".json"},
            request=request,
        )
    )


def _source(archive: Archive, doc_id: str) -> tuple[bytes, str, str]:
    record = archive.resolve(doc_id)
    prov = record["provenance"]
    data, fmt, encoding = archive.db.execute(
        "SELECT data, format, encoding FROM sources WHERE sha256 = ?", (prov["sha256"],)
    ).fetchone()
    name = PurePosixPath(prov["source"].replace("\\", "/")).name or record["id"]
    if prov.get("row") is not None:
        name = f"{PurePosixPath(name).stem}-row{prov['row']}.csv"
    content_type = _CONTENT_TYPES.get(fmt, "application/octet-stream")
    return bytes(data), f"{content_type}; charset={encoding}", name


async def source_page(datasette: Any, request: Any) -> Response:
    """The original bytes, as a download: a stored HTML page is not run in the archive's
    origin (attachment, nosniff, a sandbox)."""
    if _database(datasette) is None:
        return await _no_archive(datasette, request)
    doc_id = _id_of(request)
    try:
        data, content_type, name = await _read(datasette, lambda a: _source(a, doc_id))
    except LookupFailed as exc:
        return await _lookup_failed(datasette, request, exc, False)
    return Response(
        data,
        content_type=content_type,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "x-content-type-options": "nosniff",
            "content-security-policy": "sandbox",
        },
    )


async def _lookup_failed(
    datasette: Any, request: Any, exc: LookupFailed, as_json: bool
) -> Response:
    ambiguous = "ambiguous" in str(exc)
    status = 300 if ambiguous else 404
    # A candidate is "ID" or "ID (09BAKU433)": the reference id names one document.
    links = []
    for name in exc.candidates:
        inner = re.search(r"\((\d\d[A-Z]+\d+)\)$", name)
        target = inner.group(1) if inner else name.split(" (")[0]
        links.append({"label": name, "href": f"/cable/{quote(target, safe='')}"})
    if as_json:
        return Response.json(
            {"ok": False, "error": str(exc), "candidates": exc.candidates}, status=status
        )
    return await _error_page(
        datasette,
        request,
        status,
        "More than one document" if ambiguous else "No such document",
        str(exc),
        links,
        "Did you mean" if not ambiguous else "Which one",
    )


async def _error_page(
    datasette: Any,
    request: Any,
    status: int,
    title: str,
    message: str,
    links: list[dict[str, str]] | None = None,
    links_label: str = "",
) -> Response:
    html = await datasette.render_template(
        "cableparse_error.html",
        {"title": title, "message": message, "links": links or [], "links_label": links_label},
        request=request,
    )
    return Response.html(html, status=status)


# ---- the search page --------------------------------------------------------------------------


def _filters(args: dict[str, str]) -> tuple[str, list[Any]]:
    """SQL conditions on d (documents) for the chosen facet values."""
    where, params = [], []
    for name in FACETS:
        value = args.get(name)
        if not value:
            continue
        if name == "tag":
            where.append("EXISTS (SELECT 1 FROM tags t WHERE t.document = d.key AND t.tag = ?)")
        elif name == "year":
            where.append("substr(d.date, 1, 4) = ?")
        else:
            where.append(f"d.{name} = ?")
        params.append(value)
    return "".join(f" AND {w}" for w in where), params


def fts_terms(query: str, syntax: bool) -> str:
    """The MATCH string: every word quoted (as `cableparse search` does), or, with `syntax`,
    the query as FTS5 reads it (phrases, OR, NOT, NEAR, prefix*)."""
    if syntax:
        return query.replace("\0", " ").strip()
    words = query.replace("\0", " ").split()
    return " ".join('"' + t.replace('"', '""') + '"' for t in words)


# Each full-text table: how a match's rowid reaches its document.
_SOURCES = {
    "paragraphs": (
        "paragraphs_fts",
        "SELECT p.rowid, d.key FROM paragraphs p CROSS JOIN documents d ON d.key = p.document "
        "WHERE p.rowid IN (SELECT value FROM json_each(?)) AND d.current = 1",
    ),
    "titles": (
        "documents_fts",
        "SELECT d.key, d.key FROM documents d "
        "WHERE d.key IN (SELECT value FROM json_each(?)) AND d.current = 1",
    ),
}
# Matches are ranked in the full-text index alone (as Archive.search does), then read in
# this many at a time, best first, until a page and the facets' sample are filled: reading
# every match's document (20,000 of them for a common word) would cost seconds.
CHUNK = 500
# The facets count the documents of the best this many matches.
FACET_SAMPLE = 200
# The search page ranks a word's matches among the most recently stored this many of them,
# and says so when there are more: bm25 scores every candidate, and on 251,287 cables ranking
# 20,000 (RANKED_AT_MOST, as `cableparse search` does) took 75 to 300 ms, 5,000 took 9 to
# 24 ms. `&ranked=wide` ranks RANKED_AT_MOST.
SEARCH_POOL = 5_000


def _search(archive: Archive, args: dict[str, str]) -> dict[str, Any]:
    query = args.get("q", "").strip()
    syntax = args.get("syntax") == "fts"
    page_no = max(1, int(args["page"])) if args.get("page", "").isdigit() else 1
    where, params = _filters(args)
    wide = args.get("ranked") == "wide"
    pool = RANKED_AT_MOST if wide else SEARCH_POOL
    result: dict[str, Any] = {
        "q": query,
        "syntax": syntax,
        "filters": {k: args[k] for k in FACETS if args.get(k)},
        "page": page_no,
        "hits": [],
        "more": False,
        "facets": {},
        "facet_sample": FACET_SAMPLE,
        "matches": 0,
        # Matches beyond this many (the most recently stored) are not ranked.
        "ranked_among": pool,
        "ranked_wide": wide,
    }
    terms = fts_terms(query, syntax)
    if not terms:
        return result
    db = archive.db
    # One more than the pages so far show: whether there is a next page.
    wanted = max(page_no * PAGE_SIZE + 1, FACET_SAMPLE)
    found: list[tuple[str, int, int]] = []  # (source, rowid, document key), best first
    try:
        result["matches"] = db.execute(
            "SELECT count(*) FROM paragraphs_fts WHERE paragraphs_fts MATCH ?", (terms,)
        ).fetchone()[0]
        for name, (table, read) in _SOURCES.items():
            if len(found) >= wanted:
                break
            # As Archive.search, with a smaller pool: a common word is ranked among the most
            # recently stored `pool` matches only.
            floor = db.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH ? "
                "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                (terms, pool - 1),
            ).fetchone()
            # Unfiltered, the best `wanted` are all that is read; a filter may pass over
            # any number of them.
            ranked = [
                rowid
                for (rowid,) in db.execute(
                    f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid >= ? "
                    f"ORDER BY bm25({table}), rowid DESC LIMIT ?",
                    (terms, floor[0] if floor else 0, -1 if params else wanted - len(found)),
                )
            ]
            for start in range(0, len(ranked), CHUNK):
                chunk = ranked[start : start + CHUNK]
                keyed = dict(db.execute(read + where, (json.dumps(chunk), *params)).fetchall())
                found += [(name, rowid, keyed[rowid]) for rowid in chunk if rowid in keyed]
                if len(found) >= wanted:
                    break
    except sqlite3.OperationalError as exc:
        raise BadQuery(_explain_query(str(exc), syntax)) from exc
    # Paragraph hits first, then titles of documents no paragraph hit shows (as the CLI).
    seen: set[int] = set()
    listed = []
    for name, rowid, key in found:
        if name == "titles" and key in seen:
            continue
        seen.add(key)
        listed.append((name, rowid, key))
    page = listed[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
    result["hits"] = [_hit(db, name, terms, rowid) for name, rowid, _ in page]
    result["more"] = len(listed) > page_no * PAGE_SIZE
    result["facets"] = _facets(db, {key for _, _, key in listed[:FACET_SAMPLE]})
    return result


def _hit(db: sqlite3.Connection, source: str, terms: str, rowid: int) -> dict[str, Any]:
    if source == "paragraphs":
        row = db.execute(
            "SELECT d.id, d.kind, d.reference_id, d.title, d.date, p.number, p.seq, "
            f"snippet(paragraphs_fts, 0, '{_HIT_START}', '{_HIT_END}', '…', 24), d.key "
            "FROM paragraphs_fts CROSS JOIN paragraphs p ON p.rowid = paragraphs_fts.rowid "
            "CROSS JOIN documents d ON d.key = p.document "
            "WHERE paragraphs_fts MATCH ? AND paragraphs_fts.rowid = ?",
            (terms, rowid),
        ).fetchone()
    else:
        row = db.execute(
            "SELECT d.id, d.kind, d.reference_id, d.title, d.date, NULL, NULL, "
            f"highlight(documents_fts, 0, '{_HIT_START}', '{_HIT_END}'), d.key "
            "FROM documents_fts CROSS JOIN documents d ON d.key = documents_fts.rowid "
            "WHERE documents_fts MATCH ? AND documents_fts.rowid = ?",
            (terms, rowid),
        ).fetchone()
    doc_id, kind, reference_id, title, date, number, seq, snippet, key = row
    path = document_path(kind, doc_id, reference_id)
    near: tuple[int | None, int | None] = (None, None)
    if seq is not None and number is None:
        numbers = [
            n
            for (n,) in db.execute(
                "SELECT number FROM paragraphs WHERE document = ? ORDER BY seq", (key,)
            )
        ]
        near = _numbered_near(numbers, seq)
    return {
        "id": doc_id,
        "kind": kind,
        "reference_id": reference_id,
        "title": title,
        "date": date,
        "paragraph": number,
        "citation": (
            cite(doc_id, reference_id, number, seq, near)
            if seq is not None
            else render.citation({"id": doc_id, "cable": {"reference_id": reference_id}})
        ),
        "href": f"{path}#{anchor(number, seq)}" if seq is not None else path,
        "snippet": snippet,
    }


def _facets(db: sqlite3.Connection, keys: set[int]) -> dict[str, list[tuple[str, int]]]:
    """Documents per value of each facet, among the given documents."""
    if not keys:
        return {}
    listed = "[" + ",".join(map(str, keys)) + "]"
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for kind, classification, origin, year in db.execute(
        "SELECT kind, classification, origin, substr(date, 1, 4) FROM documents "
        "WHERE key IN (SELECT value FROM json_each(?))",
        (listed,),
    ):
        for name, value in zip(FACETS, (kind, classification, origin, year), strict=False):
            if value:
                counters[name][value] += 1
    for tag, count in db.execute(
        "SELECT tag, count(DISTINCT document) FROM tags "
        "WHERE document IN (SELECT value FROM json_each(?)) GROUP BY tag",
        (listed,),
    ):
        counters["tag"][tag] = count
    return {name: c.most_common(12) for name, c in counters.items() if c}


def _explain_query(error: str, syntax: bool) -> str:
    if not syntax:
        return f"the search could not be run ({error})"
    return (
        f"The full-text index cannot read this query ({error}). Close every double quote "
        "and parenthesis, write the operators in capitals (AND, OR, NOT, NEAR(...)), put a "
        'phrase or a word with punctuation in double quotes ("Lachin corridor", "U.S."), '
        "or search for the words as they are (untick 'FTS syntax')."
    )


async def search_page(datasette: Any, request: Any) -> Response:
    if _database(datasette) is None:
        return await _no_archive(datasette, request)
    args = {k: request.args.get(k) for k in request.args}
    as_json = bool(request.url_vars.get("json"))
    try:
        result = await _read(datasette, lambda a: _search(a, args))
    except BadQuery as exc:
        if as_json:
            return Response.json({"ok": False, "error": str(exc)}, status=400)
        return await _error_page(datasette, request, 400, "The search could not be read", str(exc))
    if as_json:
        return Response.json(result)
    for hit in result["hits"]:
        hit["snippet_html"] = marked(hit["snippet"])
    return Response.html(
        await datasette.render_template(
            "cableparse_search.html",
            {
                "result": result,
                "facet_names": FACETS,
                "ranked_wide": RANKED_AT_MOST,
                "link": lambda **change: _search_link(args, change),
                "json_url": "/search.json?" + urlencode(args),
            },
            request=request,
        )
    )


def _search_link(args: dict[str, str], change: dict[str, str | None]) -> str:
    merged = {**args, **change}
    if "page" not in change:
        # A new filter starts at the first page.
        merged.pop("page", None)
    return "/search?" + urlencode({k: v for k, v in merged.items() if v})


# ---- the plugin's hooks -----------------------------------------------------------------------


@hookimpl  # type: ignore[untyped-decorator]
def register_routes() -> list[tuple[str, Callable[..., Any]]]:
    return [
        (r"^/(?P<kind>cable|article)/(?P<id>[^/]+?)(?P<json>\.json)?$", document_page),
        (r"^/(?P<kind>cable|article)/(?P<id>[^/]+)/source$", source_page),
        (r"^/search(?P<json>\.json)?$", search_page),
    ]


@hookimpl  # type: ignore[untyped-decorator]
def extra_template_vars(datasette: Any) -> dict[str, bool]:
    """Whether the home page offers the archive's search."""
    return {"cableparse_archive": _database(datasette) is not None}


@hookimpl  # type: ignore[untyped-decorator]
def render_cell(row: Any, value: Any, column: str, table: str | None) -> Markup | None:
    """A document's id in Datasette's tables links to its page."""
    if table == "documents" and column == "id" and isinstance(value, str):
        href = document_path(row["kind"], value, row["reference_id"])
        return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    return None
