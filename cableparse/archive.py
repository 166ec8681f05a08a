"""The archive: one SQLite database of records, their paragraphs and the original bytes.

The tables are plain and documented (docs/archive.md) so that Datasette, sqlite-utils, pandas
and R open them as they are; full-text search uses FTS5 tables named `<table>_fts`, the way
sqlite-utils sets them up, so Datasette's search box works on them.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from cableparse import ids, related
from cableparse.inputs import Source, source_format
from cableparse.store import (
    ArchiveError,
    Counts,
    Hit,
    IngestReport,
    Link,
    LookupFailed,
    Prepared,
    Related,
    Store,
    Summary,
    identity,
    lookup_forms,
    reference_rows,
)
from cableparse.version import PARSER_VERSION

__all__ = ["DB_NAME", "Archive", "ArchiveError", "Hit", "LookupFailed", "default_location"]

if TYPE_CHECKING:
    from cableparse.repair import Finding

DB_NAME = "cableparse.db"
SCHEMA_VERSION = 2
BATCH = 500
# How long a writer waits for another one to finish its batch: first briefly without a word,
# then, having said so (Archive's on_wait), this long before it gives up.
QUIET_WAIT_MS = 2000
WAIT_MS = 300_000
# SQLite's page cache per connection, in KiB (its default is 2 MB). The indexes an ingest adds
# to at random places (sha256s, aliases, identities) outgrow 2 MB within some ten thousand
# documents, and each miss is a page read and a page written again; readers keep more of the
# full-text index at hand.
CACHE_KIB = 64 * 1024
FTS_HASH_BYTES = 16 * 1024 * 1024

# The columns Datasette's table page counts as facets (`cableparse serve`): without an index
# a count reads every document's row, and each facet outlasted Datasette's time limit on
# 251,287 documents. An archive of schema 2 made before them gets them from `serve`
# (Archive.add_indexes): they need no new schema version, as nothing else reads them.
FACET_INDEXES = (
    "CREATE INDEX IF NOT EXISTS documents_kind ON documents(kind)",
    "CREATE INDEX IF NOT EXISTS documents_classification ON documents(classification)",
    "CREATE INDEX IF NOT EXISTS documents_origin ON documents(origin)",
    "CREATE INDEX IF NOT EXISTS documents_year ON documents(year)",
)

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sources (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        format TEXT NOT NULL,
        encoding TEXT NOT NULL,
        data BLOB NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS source_paths (
        sha256 TEXT NOT NULL REFERENCES sources(sha256),
        path TEXT NOT NULL,
        row INTEGER,
        offset INTEGER,
        PRIMARY KEY (sha256, path)
    )""",
    """CREATE TABLE IF NOT EXISTS documents (
        key INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        title TEXT,
        date TEXT,
        classification TEXT,
        origin TEXT,
        reference_id TEXT,
        station TEXT,
        serial INTEGER,
        year TEXT,
        identity TEXT NOT NULL,
        current INTEGER NOT NULL DEFAULT 1,
        source_sha256 TEXT NOT NULL REFERENCES sources(sha256),
        source_path TEXT NOT NULL,
        parser_version TEXT NOT NULL,
        run INTEGER REFERENCES runs(id),
        text TEXT NOT NULL,
        record TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS documents_id ON documents(id COLLATE NOCASE)",
    "CREATE INDEX IF NOT EXISTS documents_identity ON documents(identity, current)",
    "CREATE INDEX IF NOT EXISTS documents_lookup ON documents(station, serial, year)",
    "CREATE INDEX IF NOT EXISTS documents_source ON documents(source_sha256)",
    *FACET_INDEXES,
    """CREATE TABLE IF NOT EXISTS paragraphs (
        rowid INTEGER PRIMARY KEY,
        document INTEGER NOT NULL REFERENCES documents(key) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        number INTEGER,
        label TEXT,
        marking TEXT,
        heading TEXT,
        text TEXT NOT NULL,
        span_start INTEGER NOT NULL,
        span_end INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS paragraphs_document ON paragraphs(document, number)",
    """CREATE TABLE IF NOT EXISTS aliases (
        alias TEXT NOT NULL,
        document INTEGER NOT NULL REFERENCES documents(key) ON DELETE CASCADE,
        PRIMARY KEY (alias, document)
    )""",
    """CREATE TABLE IF NOT EXISTS tags (
        document INTEGER NOT NULL REFERENCES documents(key) ON DELETE CASCADE,
        tag TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS tags_tag ON tags(tag)",
    # Schema 2: a document's tags without a scan of every tag (the search page's tag facet
    # and filter; the ON DELETE CASCADE). Rows come in document order, so it grows at its end.
    "CREATE INDEX IF NOT EXISTS tags_document ON tags(document)",
    # A cable's REF items, one row each (schema 2). `cited_id` is the canonical id of the cited
    # cable; it is resolved to an archived document when read (through `aliases`), so a cable
    # ingested after the cables that cite it is found by them with nothing rewritten.
    """CREATE TABLE IF NOT EXISTS "references" (
        rowid INTEGER PRIMARY KEY,
        document INTEGER NOT NULL REFERENCES documents(key) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        label TEXT,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        cited_id TEXT,
        span_start INTEGER NOT NULL,
        span_end INTEGER NOT NULL
    )""",
    'CREATE INDEX IF NOT EXISTS references_document ON "references"(document, seq)',
    # `cited_by` reads the rows of one cited id, which are stored far apart (each written with
    # its citing cable): an index that holds them whole reads them in one run of pages (4.5
    # against 34 ms for a cable cited 5,983 times).
    'CREATE INDEX IF NOT EXISTS references_cited ON "references"'
    "(cited_id, document, seq, label, kind, text, span_start, span_end)",
    """CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        asked TEXT NOT NULL,
        parser_version TEXT NOT NULL,
        new INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS paragraphs_fts
        USING fts5(text, content=paragraphs, content_rowid=rowid)""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts
        USING fts5(title, content=documents, content_rowid=key)""",
    # FTS5 writes its pending terms out as a new segment whenever they pass 'hashsize' bytes
    # (1 MB by default), and merges segments as they pile up: a batch of documents made
    # several segments, each written and merged again. With 16 MB a batch makes one, and the
    # writing process spends 10% less CPU (benchmarks/writer.py, 90,000 documents). The
    # setting is kept in the table's own configuration.
    f"INSERT INTO paragraphs_fts(paragraphs_fts, rank) VALUES ('hashsize', {FTS_HASH_BYTES})",
]


# The archive's own tables (docs/archive.md), and its full-text indexes.
TABLES = ("meta", "sources", "source_paths", "documents", "paragraphs", "aliases", "tags", "runs")
FTS_TABLES = ("paragraphs_fts", "documents_fts")
# The tables whose first and last rows check_writable reads: the archive's own and the full-text
# indexes' rowid tables, where the segments an ingest adds are stored.
_EDGE_TABLES = TABLES + tuple(f"{t}_{part}" for t in FTS_TABLES for part in ("data", "docsize"))


# A search ranks at most this many candidates: for a word found in more paragraphs (or titles)
# than this, the candidates are the most recently stored of them. bm25 scores every candidate,
# at about 2 µs each, so a word found everywhere would otherwise cost seconds on an archive of
# Cablegate's size; this many keeps a search under 100 ms.
RANKED_AT_MOST = 20_000


@attrs.frozen
class _Search:
    """The statements of a search over one FTS5 table: the rowid below which candidates are
    not ranked, the best candidates' rowids in order, and the hit one of them makes if its
    document is current."""

    floor: str
    rank: str
    show: str


_PARAGRAPH_SEARCH = _Search(
    floor="SELECT rowid FROM paragraphs_fts WHERE paragraphs_fts MATCH ? "
    "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
    rank="SELECT rowid FROM paragraphs_fts "
    "WHERE paragraphs_fts MATCH ? AND rowid >= ? "
    "ORDER BY bm25(paragraphs_fts), rowid DESC LIMIT ?",
    show="SELECT d.id, d.reference_id, p.number, d.title, "
    "snippet(paragraphs_fts, 0, '[', ']', '…', 16) "
    # CROSS JOIN keeps the full-text table outermost, where it seeks the one rowid; inner, it
    # would be scanned for it.
    "FROM paragraphs_fts CROSS JOIN paragraphs p ON p.rowid = paragraphs_fts.rowid "
    "CROSS JOIN documents d ON d.key = p.document "
    "WHERE paragraphs_fts MATCH ? AND paragraphs_fts.rowid = ? AND d.current = 1",
)
_TITLE_SEARCH = _Search(
    floor="SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? "
    "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
    rank="SELECT rowid FROM documents_fts "
    "WHERE documents_fts MATCH ? AND rowid >= ? "
    "ORDER BY bm25(documents_fts), rowid DESC LIMIT ?",
    show="SELECT d.id, d.reference_id, NULL, d.title, d.title "
    "FROM documents_fts CROSS JOIN documents d ON d.key = documents_fts.rowid "
    "WHERE documents_fts MATCH ? AND documents_fts.rowid = ? AND d.current = 1",
)


# `related` ranks (bm25 over an any-of query, which costs about 10 µs a paragraph) at most
# this many paragraphs: the most recently stored of those that match.
RELATED_RANKED_AT_MOST = 2_000
# See Archive._distinctive: a term in more than this share of the paragraphs counted (at
# least DF_LEAST of them) is no name or place, and its long list of rows in the index would
# cost bm25 more than the whole look-up may take.
DF_WINDOW = 100_000
DF_SHARE = 0.005
DF_LEAST = 200
TERMS_COUNTED = 40


def _filters(
    tag: str | None, since: str | None, until: str | None, kind: str | None
) -> tuple[list[str], list[Any]]:
    """The WHERE clauses (over `d`, documents) and arguments of the filters of list and
    export."""
    where = ["d.current = 1"]
    args: list[Any] = []
    if tag:
        where.append("d.key IN (SELECT document FROM tags WHERE tag = ?)")
        args.append(tag.upper())
    if since:
        where.append("d.date >= ?")
        args.append(since)
    if until:
        where.append("substr(d.date, 1, 10) <= ?")
        args.append(until)
    if kind:
        where.append("d.kind = ?")
        args.append(kind)
    return where, args


def _summary(record: dict[str, Any]) -> Summary:
    cable = record.get("cable") or {}
    return Summary(
        record["id"], cable.get("reference_id"), record["kind"], record["title"], record["date"]
    )


def damage_message(path: Path, what: str, writing: bool = False) -> str:
    """A damaged database, in one line: what is wrong, and the commands that say more and
    that make the records again from the stored bytes."""
    done = "nothing was written; " if writing else ""
    return (
        f"{path}: damaged archive: {what} ({done}`cableparse verify --archive {path.parent}` "
        f"says more; `cableparse recover {path.parent} --archive NEW_DIR` makes a new archive "
        "from the original bytes it keeps)"
    )


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether SQLite's error means a damaged file rather than a busy, full or foreign one."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith("SQLITE_CORRUPT") or name == "SQLITE_IOERR_SHORT_READ"


def file_problem(path: Path) -> str | None:
    """What is wrong with the database file as a file, from its size and its 100-byte header
    alone (no page is read): an empty file, one cut short, one that ends inside a page."""
    size = path.stat().st_size
    if size == 0:
        return "the file is empty (0 bytes)"
    with path.open("rb") as f:
        head = f.read(100)
    if not head.startswith(b"SQLite format 3\0"):
        return None  # no SQLite file at all: SQLite says so in its own words
    if len(head) < 100:
        return f"the file is {size} bytes, shorter than SQLite's header: it was cut short"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return f"the header's page size ({page_size}) is not one SQLite writes"
    if size % page_size:
        return f"the file ends inside a page ({size} bytes, pages of {page_size}): it was cut short"
    if wal_lost(path):
        return (
            f"its write-ahead log {path.name}-wal was deleted ({path.name}-shm is still "
            "there): the writes it held since the last checkpoint are lost"
        )
    pages = int.from_bytes(head[28:32], "big")
    # The header's page count holds when its change counter matches (SQLite's own rule). While
    # the write-ahead log has frames, a checkpoint may be copying the last pages from it: the
    # header is written first, then the file grows.
    if head[24:28] == head[92:96] and size < pages * page_size and not _wal_has_frames(path):
        return (
            f"the file is {size} bytes but its header counts {pages} pages of {page_size} "
            f"({pages * page_size} bytes): it was cut short"
        )
    return None


def wal_lost(path: Path) -> bool:
    """Whether the write-ahead log was deleted under the archive: its index (-shm) is there,
    the log (-wal) is not. SQLite removes both when the last connection closes, the log
    first: a second look after a moment tells that close from a deletion."""
    wal = path.with_name(path.name + "-wal")
    shm = path.with_name(path.name + "-shm")
    if wal.exists() or not shm.exists():
        return False
    time.sleep(0.1)
    return shm.exists() and not wal.exists()


def _wal_has_frames(path: Path) -> bool:
    try:
        return path.with_name(path.name + "-wal").stat().st_size > 32
    except OSError:
        return False


# The nearest ids (Archive._closest): the serials looked at on each side of the typed one, in
# each station spelt like the typed station; the documents whose forms begin as the typed
# text does.
_NEAR_SERIALS = 5
_PREFIX_POOL = 50
_SERIALS_FROM = (
    "SELECT key, id, reference_id FROM documents WHERE station = ? AND serial >= ? "
    "AND current = 1 ORDER BY serial LIMIT ?"
)
_SERIALS_BELOW = (
    "SELECT key, id, reference_id FROM documents WHERE station = ? AND serial < ? "
    "AND current = 1 ORDER BY serial DESC LIMIT ?"
)


def _compact(form: str) -> str:
    """A folded id form without its separators, to compare BAKU-000433 with 09BAKU433."""
    return form.replace(" ", "").replace("-", "")


def default_location() -> Path:
    return Path(os.environ.get("CABLEPARSE_ARCHIVE") or "archive")


class Archive:
    """An archive folder holding one SQLite database. Use as a context manager, or close()."""

    def __init__(
        self,
        location: str | os.PathLike[str] | None = None,
        create: bool = False,
        on_wait: Callable[[str], None] | None = None,
        immutable: bool = False,
    ):
        """`on_wait` is told, in words for a user, when a write has to wait for another
        process that is writing to the same archive. `immutable` opens it read-only as a
        file no process changes meanwhile (SQLite's immutable=1: no locks, no WAL), the way
        `cableparse serve` and Datasette read it."""
        self.on_wait = on_wait
        self.folder = Path(location) if location is not None else default_location()
        self.path = self.folder / DB_NAME
        if not self.path.exists():
            if not create:
                raise ArchiveError(
                    f"no archive at {self.folder}/ (run `cableparse ingest PATH` first, "
                    "or give --archive DIR)"
                )
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                _create(self.path)
            except OSError as exc:
                raise ArchiveError(
                    f"cannot create the archive folder {self.folder}: {exc}"
                ) from exc
        problem = file_problem(self.path)
        if problem is not None:
            raise ArchiveError(damage_message(self.path, problem, writing=create))
        try:
            if immutable:
                uri = f"{self.path.resolve().as_uri()}?immutable=1"
                self.db = sqlite3.connect(uri, uri=True, isolation_level=None)
            else:
                self.db = sqlite3.connect(self.path, timeout=WAIT_MS / 1000, isolation_level=None)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            self.db.execute(f"PRAGMA busy_timeout = {WAIT_MS}")
            self._setup(create)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise ArchiveError(damage_message(self.path, str(exc), writing=create)) from exc
            raise ArchiveError(f"{self.path}: not a usable cableparse archive ({exc})") from exc

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def check_writable(self) -> None:
        """Refuse to write into a damaged database, cheaply: a few pages whatever the archive's
        size. The file's size against its header, the note verify leaves while it finds the
        database damaged, the schema, and both ends of every table (its first and last rows:
        appends, which are most of what an ingest writes, land at the last). Damage elsewhere
        is found by verify, which reads every page, or by SQLite when a write reaches it (the
        batch is then rolled back). See docs/archive.md."""
        problem = file_problem(self.path)
        if problem is None and self.damage_note.exists():
            problem = f"verify found it damaged (what it found: {self.damage_note})"
        try:
            if problem is None:
                problem = self._schema_problem()
            if problem is None:
                # Loaded here: cableparse.repair builds on this module.
                from cableparse.repair import read_edges

                read_edges(self.db, _EDGE_TABLES)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise ArchiveError(_explain(self.path, exc)) from exc
            problem = str(exc)
        if problem is not None:
            raise ArchiveError(damage_message(self.path, problem, writing=True))

    def _schema_problem(self) -> str | None:
        names = {name for (name,) in self.db.execute("SELECT name FROM sqlite_master")}
        missing = [t for t in _EDGE_TABLES if t not in names]
        if missing:
            return "its schema has no table " + ", ".join(missing)
        return None

    def _setup(self, create: bool) -> None:
        deadline = time.monotonic() + WAIT_MS / 1000
        while True:
            try:
                return self._setup_once(create)
            except sqlite3.OperationalError as exc:
                # Two processes creating one archive at once: SQLite answers "locked" at once
                # where waiting could deadlock (a journal mode change, a lock upgrade). The
                # other's schema is there on a later try.
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _setup_once(self, create: bool) -> None:
        version = self._schema_version()
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise ArchiveError(
                f"{self.path} was written by a newer cableparse (schema {version}); upgrade"
            )
        if not create and version == 0:
            raise ArchiveError(f"{self.path} is not a cableparse archive")
        try:
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                self.db.execute(statement)
            # Migrations from older schema versions, one step per version; the tables and
            # indexes new in a version were made above (a table empty).
            if 0 < version < 2:
                self._fill_references()
            self.db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
            self.db.execute("COMMIT")
        except sqlite3.Error:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def _fill_references(self) -> None:
        """Schema 1 to 2: the references of every stored cable version, from its record and
        the text its spans index."""
        rows = self.db.execute(
            "SELECT key, record, text FROM documents WHERE kind = 'cable' AND json_valid(record) "
            "AND json_array_length(record, '$.cable.references') > 0"
        )
        self.db.executemany(
            'INSERT INTO "references"(document, seq, label, kind, text, cited_id, span_start, '
            "span_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (key, *row)
                for key, record, text in rows
                for row in reference_rows(json.loads(record), text)
            ),
        )

    def missing_indexes(self) -> list[str]:
        """The FACET_INDEXES this archive lacks (one made before them)."""
        have = {name for (name,) in self.db.execute("SELECT name FROM sqlite_master")}
        return [sql for sql in FACET_INDEXES if sql.split()[5] not in have]

    def add_indexes(self, statements: Sequence[str]) -> None:
        """Create indexes (of missing_indexes), in one transaction: each reads every document's
        row once (all four 2.4 s on the 251,287-cable archive: the columns come before the
        text and record, which are in other pages)."""
        with self._write():
            for sql in statements:
                self.db.execute(sql)

    def _schema_version(self) -> int:
        # One statement, so one snapshot: another process may commit the whole schema between
        # two, and "no meta table" then "some tables" would read as a foreign database.
        has_meta, tables = self.db.execute(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'),"
            " (SELECT count(*) FROM sqlite_master)"
        ).fetchone()
        if not has_meta:
            if tables:
                raise ArchiveError(
                    f"{self.path} is an SQLite database, but not a cableparse archive"
                )
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    # ---- writing ---------------------------------------------------------------------------

    def begin_run(self, asked: str) -> int:
        """A row in `runs` for an ingest of what the user `asked` for; its id. A damaged
        archive is refused here, before anything is written (see check_writable)."""
        self.check_writable()
        with self._write():
            cur = self.db.execute(
                "INSERT INTO runs(started, asked, parser_version) "
                "VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?)",
                (asked, PARSER_VERSION),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def end_run(self, run: int, report: IngestReport) -> None:
        with self._write():
            self.db.execute(
                "UPDATE runs SET finished = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), new = ?, "
                "updated = ?, unchanged = ?, failed = ? WHERE id = ?",
                (report.new, report.updated, report.unchanged, report.failed, run),
            )

    def _write(self) -> _Transaction:
        return _Transaction(self.db, self.path, self.on_wait)

    def write_batch(self, batch: Sequence[tuple[Source, Prepared]], run: int) -> Counts:
        """Store a batch of parsed documents in one transaction, each table written by one
        statement: SQLite's cost per statement, not per row, is what the one writing process
        was spending. A document already stored from the same bytes by the same parser
        version is unchanged; one whose identity is stored otherwise is a new version."""
        db = self.db
        counts = Counts()
        with self._write():
            db.executemany(
                "INSERT OR IGNORE INTO sources(sha256, size, format, encoding, data) "
                "VALUES (?, ?, ?, ?, ?)",
                [(d.sha256, len(s.data), d.format, s.encoding, s.data) for s, d in batch],
            )
            db.executemany(
                "INSERT OR IGNORE INTO source_paths(sha256, path, row, offset) VALUES (?, ?, ?, ?)",
                [(d.sha256, s.name, s.row, s.offset) for s, d in batch],
            )
            # What is stored of these identities already; the batch's own documents are added
            # as they are taken, so a later one sees an earlier one as if stored one by one.
            stored: dict[str, set[tuple[str, str]]] = {}
            current: set[str] = set()
            for ident, sha, version, is_current in db.execute(
                "SELECT identity, source_sha256, parser_version, current FROM documents "
                "WHERE identity IN (SELECT value FROM json_each(?))",
                (json.dumps([d.identity for _, d in batch]),),
            ):
                stored.setdefault(ident, set()).add((sha, version))
                if is_current:
                    current.add(ident)
            superseded = set(current)
            taken: list[tuple[Source, Prepared]] = []
            for src, doc in batch:
                versions = stored.setdefault(doc.identity, set())
                if (doc.sha256, doc.parser_version) in versions:
                    counts.unchanged += 1
                    continue
                versions.add((doc.sha256, doc.parser_version))
                if doc.identity in current:
                    counts.updated += 1
                else:
                    counts.new += 1
                    current.add(doc.identity)
                taken.append((src, doc))
            if not taken:
                return counts
            superseded &= {d.identity for _, d in taken}
            db.executemany(
                "UPDATE documents SET current = 0 WHERE identity = ? AND current = 1",
                [(ident,) for ident in superseded],
            )
            # Keys given here rather than by SQLite, so that one statement can insert all the
            # documents and the paragraphs still know theirs; the write lock is held, so no
            # other process takes them meanwhile.
            first_key = db.execute("SELECT coalesce(max(key), 0) + 1 FROM documents").fetchone()[0]
            first_paragraph = db.execute(
                "SELECT coalesce(max(rowid), 0) FROM paragraphs"
            ).fetchone()[0]
            # Of several versions of one identity in the batch only the last is current.
            last = {d.identity: k for k, (_, d) in enumerate(taken)}
            db.executemany(
                "INSERT INTO documents(key, id, kind, title, date, classification, origin, "
                "reference_id, station, serial, year, identity, current, source_sha256, "
                "source_path, parser_version, run, text, record) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        first_key + k,
                        *d.columns,
                        d.identity,
                        int(last[d.identity] == k),
                        d.sha256,
                        s.name,
                        d.parser_version,
                        run,
                        s.text if d.text is None else d.text,
                        d.record_json,
                    )
                    for k, (s, d) in enumerate(taken)
                ],
            )
            keyed = [(first_key + k, d) for k, (_, d) in enumerate(taken)]
            db.executemany(
                "INSERT INTO documents_fts(rowid, title) VALUES (?, ?)",
                [(key, d.title) for key, d in keyed if d.title],
            )
            db.executemany(
                "INSERT INTO paragraphs(document, seq, number, label, marking, heading, text, "
                "span_start, span_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(key, *p) for key, d in keyed for p in d.paragraphs],
            )
            db.executemany(
                "INSERT OR IGNORE INTO aliases(alias, document) VALUES (?, ?)",
                [(form, key) for key, d in keyed for form in d.forms],
            )
            db.executemany(
                "INSERT INTO tags(document, tag) VALUES (?, ?)",
                [(key, tag) for key, d in keyed for tag in d.tags],
            )
            db.executemany(
                'INSERT INTO "references"(document, seq, label, kind, text, cited_id, '
                "span_start, span_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(key, *r) for key, d in keyed for r in d.references],
            )
            # FTS5 indexes a bulk insert far faster than one row at a time.
            db.execute(
                "INSERT INTO paragraphs_fts(rowid, text) "
                "SELECT rowid, text FROM paragraphs WHERE rowid > ?",
                (first_paragraph,),
            )
        return counts

    # ---- reading ---------------------------------------------------------------------------

    def resolve(self, text: str, closest: bool = True) -> dict[str, Any]:
        """The current record a typed id names, in any of its forms, case-insensitively.
        Raises LookupFailed with the candidates when none or several answer; with `closest`
        false, none without the nearest ids (a look-up of every id, for a REF line that
        names a cable the archive does not hold)."""
        rows = self._candidates(text)
        if len(rows) == 1:
            return self._row_record(rows[0])
        if len(rows) > 1:
            names = sorted({self._label(r) for r in rows})
            raise LookupFailed(f"{text} is ambiguous: it names {len(names)} documents", names)
        raise LookupFailed(f"no document {text}", self._closest(text) if closest else [])

    def _candidates(self, text: str) -> list[sqlite3.Row]:
        self.db.row_factory = sqlite3.Row
        try:
            folded = ids.fold(text)
            rows = self.db.execute(
                "SELECT d.* FROM aliases a JOIN documents d ON d.key = a.document "
                "WHERE a.alias = ? AND d.current = 1 ORDER BY d.key",
                (folded,),
            ).fetchall()
            if rows:
                return list({r["key"]: r for r in rows}.values())
            parsed = ids.split_id(text)
            if parsed is None:
                return []
            year, station, serial = parsed
            if year is None:
                sql = "SELECT * FROM documents WHERE station = ? AND serial = ? AND current = 1"
                return self.db.execute(sql, (station, serial)).fetchall()
            sql = (
                "SELECT * FROM documents WHERE station = ? AND serial = ? AND year = ? "
                "AND current = 1"
            )
            return self.db.execute(sql, (station, serial, year)).fetchall()
        finally:
            self.db.row_factory = None

    @staticmethod
    def _label(row: sqlite3.Row) -> str:
        ref = row["reference_id"]
        return f"{row['id']} ({ref})" if ref else f"{row['id']} ({row['date'] or 'undated'})"

    @staticmethod
    def _row_record(row: sqlite3.Row) -> dict[str, Any]:
        record: dict[str, Any] = json.loads(row["record"])
        return record

    def _closest(self, text: str, n: int = 5) -> list[str]:
        """The ids nearest to one no document has, best first. Ranking every id by difflib
        took 4 to 18 s on 251,287 documents, so the indexes give a few candidates first: the
        documents of the typed station, and of the stations spelt like it, whose serials are
        nearest the typed one; and those with a form that begins as the typed text does (an
        article's slug, an id with its end mistyped)."""
        folded = ids.fold(text)
        if not folded:
            return []
        found: dict[int, tuple[str, str | None]] = {}  # key: (id, reference id)
        parsed = ids.split_id(text)
        if parsed is not None:
            _, station, serial = parsed
            for name in difflib.get_close_matches(station, self._stations(), n=3, cutoff=0.6):
                for sql in (_SERIALS_FROM, _SERIALS_BELOW):
                    for key, doc_id, ref in self.db.execute(sql, (name, serial, _NEAR_SERIALS)):
                        found[key] = (doc_id, ref)
        # The longest beginning of the text that some forms share: a prefix range of the
        # aliases' primary key, shortened until it finds enough of them.
        for end in range(len(folded), 1, -1):
            rows = self.db.execute(
                "SELECT d.key, d.id, d.reference_id FROM aliases a "
                "JOIN documents d ON d.key = a.document "
                "WHERE a.alias >= ? AND a.alias < ? AND d.current = 1 LIMIT ?",
                (folded[:end], folded[:end] + "\x7f", _PREFIX_POOL),
            ).fetchall()
            found.update((key, (doc_id, ref)) for key, doc_id, ref in rows)
            if len(found) >= _PREFIX_POOL:
                break
        # difflib keeps what it learns of its second sequence: the typed text is that one.
        typed = _compact(folded)
        matcher = difflib.SequenceMatcher(None, "", typed)
        scored: dict[str, float] = {}
        for doc_id, ref in found.values():
            ratios = []
            for form in (doc_id, ref):
                if form:
                    compact = _compact(ids.fold(form))
                    matcher.set_seq1(compact)
                    # A form that begins with all the typed text (a slug cut short) is as
                    # near as one that differs by nothing, however long it goes on.
                    ratios.append(1.0 if compact.startswith(typed) else matcher.ratio())
            scored[doc_id] = max(max(ratios), scored.get(doc_id, 0.0))
        best = sorted((-score, doc_id) for doc_id, score in scored.items() if score >= 0.5)
        return [doc_id for _, doc_id in best[:n]]

    def _stations(self) -> list[str]:
        """Every station of the archive, one seek of the (station, serial, year) index each:
        a few hundred in Cablegate, where a scan of the index passes 250,000 entries."""
        stations: list[str] = []
        row = self.db.execute("SELECT min(station) FROM documents").fetchone()
        while row is not None and row[0] is not None:
            stations.append(row[0])
            row = self.db.execute(
                "SELECT station FROM documents WHERE station > ? ORDER BY station LIMIT 1",
                (row[0],),
            ).fetchone()
        return stations

    def text_of(self, record: dict[str, Any]) -> str:
        """The source text a record's spans index."""
        row = self.db.execute(
            "SELECT text FROM documents WHERE source_sha256 = ? AND id = ? ORDER BY key DESC",
            (record["provenance"]["sha256"], record["id"]),
        ).fetchone()
        return str(row[0]) if row else ""

    def source_of(self, record: dict[str, Any]) -> Source:
        """The Source a stored record was made from, with the text its spans index."""
        prov = record["provenance"]
        row = self.db.execute(
            "SELECT s.data, s.encoding, d.text FROM documents d JOIN sources s "
            "ON s.sha256 = d.source_sha256 WHERE d.source_sha256 = ? AND d.id = ? "
            "ORDER BY d.key DESC",
            (prov["sha256"], record["id"]),
        ).fetchone()
        if row is None:
            raise ArchiveError(f"{record['id']}: its source is not in the archive")
        return Source(
            name=prov["source"],
            data=row[0],
            text=row[2],
            encoding=row[1],
            format=source_format(prov["format"]),
            row=prov["row"],
            offset=prov["offset"],
        )

    def versions(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """Every stored version of a document, newest first, with its sources."""
        rows = self.db.execute(
            "SELECT d.key, d.current, d.source_sha256, d.source_path, d.parser_version, r.started "
            "FROM documents d LEFT JOIN runs r ON r.id = d.run WHERE d.identity = ? "
            "ORDER BY d.key DESC",
            (identity(record),),
        ).fetchall()
        out = []
        for key, current, sha, path, version, started in rows:
            paths = [
                p
                for (p,) in self.db.execute(
                    "SELECT path FROM source_paths WHERE sha256 = ? ORDER BY path", (sha,)
                )
            ]
            out.append(
                {
                    "key": key,
                    "current": bool(current),
                    "sha256": sha,
                    "source": path,
                    "paths": paths,
                    "parser_version": version,
                    "ingested": started,
                }
            )
        return out

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Full-text search over paragraphs and titles of current documents, best first (see
        RANKED_AT_MOST for words found nearly everywhere)."""
        # Every word a quoted FTS5 string, so no query syntax gets through; FTS5 ends a
        # string at a NUL ("unterminated string"), so a NUL only separates words.
        words = query.replace("\0", " ").split()
        terms = " ".join('"' + t.replace('"', '""') + '"' for t in words)
        if not terms or limit <= 0:
            return []
        hits = self._best(_PARAGRAPH_SEARCH, terms, limit)
        # Title hits come after paragraph hits, so they are looked for only when the
        # paragraphs leave room: for a common word, ranking the titles was half the search.
        if len(hits) < limit:
            seen = {h.id for h in hits}
            hits += [h for h in self._best(_TITLE_SEARCH, terms, limit) if h.id not in seen]
        return hits[:limit]

    def _best(self, sql: _Search, terms: str, limit: int) -> list[Hit]:
        """The `limit` best current matches, by bm25. They are ranked in the full-text index
        alone, and the rows are read for the best only: reading every match's document to ask
        whether it is current would cost more than the ranking."""
        floor = self.db.execute(sql.floor, (terms, RANKED_AT_MOST - 1)).fetchone()
        wanted = limit
        while True:
            best = self.db.execute(sql.rank, (terms, floor[0] if floor else 0, wanted)).fetchall()
            hits = []
            for (rowid,) in best:
                row = self.db.execute(sql.show, (terms, rowid)).fetchone()
                if row is not None:
                    hits.append(Hit(*row))
            # Older versions among the best: look further, as far as the candidates go.
            if len(hits) >= limit or len(best) < wanted:
                return hits[:limit]
            wanted *= 4

    # ---- references and related documents ---------------------------------------------------

    def _key(self, record: dict[str, Any]) -> int:
        """The row of the record's current version."""
        row = self.db.execute(
            "SELECT key FROM documents WHERE identity = ? AND current = 1", (identity(record),)
        ).fetchone()
        if row is None:
            raise LookupFailed(f"{record['id']} is not in the archive")
        return int(row[0])

    def refs(self, record: dict[str, Any]) -> list[Link]:
        """The cable's REF items in order, each with the current documents its id names (the
        same forms as `show`: the canonical id, which took the citing cable's year where the
        REF line gives none)."""
        return list(self._links(["d.key = ?"], [self._key(record)]))

    def links(
        self,
        tag: str | None = None,
        since: str | None = None,
        until: str | None = None,
        kind: str | None = None,
    ) -> Iterator[Link]:
        """The REF items of every current cable the filters keep (those of `records`), by
        the cable's date and id; a stream, for exports of any size."""
        where, args = _filters(tag, since, until, kind)
        return self._links(where, args)

    def _links(self, where: list[str], args: list[Any]) -> Iterator[Link]:
        """The REF items of the documents `where` keeps (over `d`, the citing document),
        each resolved through `aliases` to the current documents its cited id names."""
        sql = (
            "SELECT r.rowid, d.id, d.reference_id, d.kind, d.title, d.date, r.label, r.kind, "
            "r.text, r.cited_id, r.span_start, r.span_end, "
            "t.id, t.reference_id, t.kind, t.title, t.date "
            'FROM documents d JOIN "references" r ON r.document = d.key '
            "LEFT JOIN aliases a ON a.alias = r.cited_id "
            "LEFT JOIN documents t ON t.key = a.document AND t.current = 1 "
            f"WHERE {' AND '.join(where)} "
            "ORDER BY d.date, d.id, r.document, r.seq, t.date, t.id"
        )
        link: Link | None = None
        last = 0
        with closing(self.db.cursor()) as cur:
            for row in cur.execute(sql, args):
                if link is None or row[0] != last:
                    if link is not None:
                        yield link
                    label, kind, text, cited_id, start, end = row[6:12]
                    citing = Summary(*row[1:6])
                    link = Link(citing, label, kind, text, cited_id, (start, end), ())
                    last = row[0]
                if row[12] is not None:
                    link = attrs.evolve(link, cited=(*link.cited, Summary(*row[12:])))
        if link is not None:
            yield link

    def cited_by(self, record: dict[str, Any]) -> list[Link]:
        """The REF items of current cables that name this document in any of its id forms,
        by the citing cable's date."""
        forms = lookup_forms(record)
        cited = (_summary(record),)
        return [
            Link(Summary(*doc), label, kind, text, cited_id, (start, end), cited)
            for label, kind, text, cited_id, start, end, *doc in self.db.execute(
                "SELECT r.label, r.kind, r.text, r.cited_id, r.span_start, r.span_end, "
                "d.id, d.reference_id, d.kind, d.title, d.date "
                'FROM "references" r JOIN documents d ON d.key = r.document AND d.current = 1 '
                "WHERE r.cited_id IN (SELECT value FROM json_each(?)) "
                "ORDER BY d.date IS NULL, d.date, d.id, r.seq",
                (json.dumps(forms),),
            )
        ]

    def related(
        self,
        record: dict[str, Any],
        kind: str | None = None,
        days: int | None = None,
        limit: int = 10,
    ) -> list[Related]:
        """The current documents most about the same events as this one, best first: the
        paragraphs that match any of its most distinctive terms (the RELATED_RANKED_AT_MOST
        most recently stored of them), scored by bm25, summed by document and weighted by
        closeness in date (cableparse/related.py). `kind` keeps one kind, `days` the
        documents dated within that many days of this one."""
        key = self._key(record)
        terms = self._distinctive(key, record)
        if not terms or limit <= 0:
            return []
        query = related.fts_query(terms)
        floor = self.db.execute(
            _PARAGRAPH_SEARCH.floor, (query, RELATED_RANKED_AT_MOST - 1)
        ).fetchone()
        scores: dict[int, float] = {}
        matched: dict[int, list[int]] = {}
        for document, rowid, score in self.db.execute(
            "SELECT p.document, p.rowid, -bm25(paragraphs_fts) FROM paragraphs_fts "
            "CROSS JOIN paragraphs p ON p.rowid = paragraphs_fts.rowid "
            "WHERE paragraphs_fts MATCH ? AND paragraphs_fts.rowid >= ?",
            (query, floor[0] if floor else 0),
        ):
            if document != key:
                scores[document] = scores.get(document, 0.0) + score
                matched.setdefault(document, []).append(rowid)
        found = self._weighed(scores, record, kind, days, limit)
        out = []
        for score, apart, row in found:
            # The terms of the query in the paragraphs that matched it: what this document
            # was found by.
            shared: set[str] = set()
            for (text,) in self.db.execute(
                "SELECT text FROM paragraphs WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps(matched[row[0]]),),
            ):
                shared.update(related.tokens(text))
            kept = tuple(t for t in terms if t in shared)
            out.append(Related(Summary(*row[1:]), score, kept, apart))
        return out

    def _distinctive(self, key: int, record: dict[str, Any]) -> list[str]:
        """The document's QUERY_TERMS most distinctive terms, by tf-idf among its
        TERMS_COUNTED likeliest (below). A term's rarity is counted among the last DF_WINDOW
        paragraphs stored (the whole index of a smaller archive); a term found in more than
        DF_SHARE of them is left out (it is counted only that far), and so is one no other
        paragraph has, which finds nothing."""
        own = self.db.execute(
            "SELECT rowid, text FROM paragraphs WHERE document = ?", (key,)
        ).fetchall()
        tf = related.candidate_terms([record["title"] or "", *(t for _, t in own)])
        last = self.db.execute("SELECT coalesce(max(rowid), 0) FROM paragraphs").fetchone()[0]
        floor = max(0, last - DF_WINDOW)
        common = max(DF_LEAST, int((last - floor) * DF_SHARE))
        in_window = [set(related.tokens(t)) for rowid, t in own if rowid > floor]
        scored = []
        # Each count costs a seek in every segment of the index (0.4 ms on an archive of
        # Cablegate's size), so only the likeliest terms are counted: the most repeated, then
        # the longest (names and places recur in a text; a rare word is seldom short).
        likeliest = sorted(tf.items(), key=lambda t: (-t[1], -len(t[0]), t[0]))
        for term, count in likeliest[:TERMS_COUNTED]:
            (df,) = self.db.execute(
                "SELECT count(*) FROM (SELECT 1 FROM paragraphs_fts WHERE paragraphs_fts "
                "MATCH ? AND rowid > ? LIMIT ?)",
                (related.fts_query([term]), floor, common),
            ).fetchone()
            if df >= common or df <= sum(term in words for words in in_window):
                continue
            scored.append((related.weight(count, df, last - floor), term))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [term for _, term in scored[: related.QUERY_TERMS]]

    def _weighed(
        self,
        scores: dict[int, float],
        record: dict[str, Any],
        kind: str | None,
        days: int | None,
        limit: int,
    ) -> list[tuple[float, int | None, tuple[Any, ...]]]:
        """The `limit` best current documents that pass the filters, their scores weighted
        by closeness in date, best first, each as (score, days apart, documents row). The
        weight is at most 1, so the documents are read best score first, a hundred at a
        time, until the next one's score cannot beat the last of the best so far."""
        ranked = sorted(scores, key=lambda k: -scores[k])
        best: list[tuple[float, int | None, tuple[Any, ...]]] = []
        for start in range(0, len(ranked), 100):
            keys = ranked[start : start + 100]
            if len(best) >= limit and scores[keys[0]] <= best[limit - 1][0]:
                break
            for row in self.db.execute(
                "SELECT key, id, reference_id, kind, title, date FROM documents "
                "WHERE current = 1 AND key IN (SELECT value FROM json_each(?))",
                (json.dumps(keys),),
            ):
                if kind is not None and row[3] != kind:
                    continue
                apart = related.days_apart(record["date"], row[5])
                if days is not None and (apart is None or apart > days):
                    continue
                best.append((scores[row[0]] * related.closeness(apart), apart, row))
            best.sort(key=lambda b: (-b[0], b[2][1]))
            del best[limit:]
        return best

    def records(
        self,
        tag: str | None = None,
        since: str | None = None,
        until: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Current records, by date then id, filtered; a stream, for exports of any size."""
        where, args = _filters(tag, since, until, kind)
        sql = f"SELECT d.record FROM documents d WHERE {' AND '.join(where)} ORDER BY d.date, d.id"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        with closing(self.db.cursor()) as cur:
            for (record,) in cur.execute(sql, args):
                yield json.loads(record)

    def damage(self) -> Finding | None:
        """What is wrong with the database itself, reading every page (None: SQLite finds it
        whole); see cableparse.repair.inspect."""
        # Loaded here: cableparse.repair builds on this module.
        from cableparse.repair import inspect

        finding = inspect(self.path)
        # Its verdict is kept beside the database (never in it), for check_writable: damage in
        # the middle of the file costs a read of every page to find.
        with suppress(OSError):
            if finding is not None:
                self.damage_note.write_text("\n".join(finding.lines()) + "\n", encoding="utf-8")
            else:
                self.damage_note.unlink(missing_ok=True)
        return finding

    @property
    def damage_note(self) -> Path:
        """Where verify leaves what it found wrong with the database, while it is so."""
        return self.path.with_name(self.path.name + "-damaged")

    def verify(self) -> list[str]:
        """Every problem found: a damaged database (then what can still be read), or else
        those of verify_contents."""
        finding = self.damage()
        return finding.lines() if finding is not None else self.verify_contents()

    def verify_contents(self) -> list[str]:
        """A source whose bytes no longer have their sha256, a document whose source is
        missing, a paragraph count or record that does not match."""
        problems: list[str] = []
        bad_sources: set[str] = set()
        for sha, data in self.db.execute("SELECT sha256, data FROM sources"):
            if hashlib.sha256(data).hexdigest() != sha:
                bad_sources.add(sha)
        for doc_id, sha, record, n in self.db.execute(
            "SELECT d.id, d.source_sha256, d.record, "
            "(SELECT count(*) FROM paragraphs p WHERE p.document = d.key) FROM documents d"
        ):
            if sha in bad_sources:
                problems.append(f"{doc_id}: its source {sha[:12]}… no longer has that sha256")
            try:
                parsed = json.loads(record)
            except ValueError:
                problems.append(f"{doc_id}: the stored record is not valid JSON")
                continue
            if len(parsed.get("paragraphs", [])) != n:
                problems.append(
                    f"{doc_id}: {n} paragraphs stored, the record has "
                    f"{len(parsed.get('paragraphs', []))}"
                )
        missing = self.db.execute(
            "SELECT d.id FROM documents d LEFT JOIN sources s ON s.sha256 = d.source_sha256 "
            "WHERE s.sha256 IS NULL"
        ).fetchall()
        problems.extend(f"{doc_id}: its source is missing" for (doc_id,) in missing)
        return problems

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "documents": one("SELECT count(*) FROM documents WHERE current = 1").fetchone()[0],
            "versions": one("SELECT count(*) FROM documents").fetchone()[0],
            "sources": one("SELECT count(*) FROM sources").fetchone()[0],
        }


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; SQLite's errors become
    ArchiveError with a message a user understands (a full disk, a read-only folder)."""

    def __init__(
        self, db: sqlite3.Connection, path: Path, on_wait: Callable[[str], None] | None = None
    ) -> None:
        self.db = db
        self.path = path
        self.on_wait = on_wait

    def __enter__(self) -> None:
        try:
            self._begin(QUIET_WAIT_MS)
            return
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise ArchiveError(_explain(self.path, exc)) from exc
        # Another process is writing (its batch is one transaction): say so, then wait.
        if self.on_wait is not None:
            self.on_wait(
                f"{self.path}: another process is writing to this archive; waiting for it "
                f"(up to {WAIT_MS // 60_000} minutes)"
            )
        try:
            self._begin(WAIT_MS)
        except sqlite3.OperationalError as exc:
            raise ArchiveError(_explain(self.path, exc)) from exc

    def _begin(self, wait_ms: int) -> None:
        self.db.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            self.db.execute("BEGIN IMMEDIATE")
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {WAIT_MS}")

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            try:
                self.db.execute("COMMIT")
                return
            except sqlite3.Error as err:
                self.db.execute("ROLLBACK")
                raise ArchiveError(_explain(self.path, err)) from err
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise ArchiveError(_explain(self.path, exc)) from exc


def _create(path: Path) -> None:
    """A new archive's database, made whole under a name of its own and linked into place: no
    process ever finds an empty cableparse.db, which is what a copy cut short to nothing looks
    like (and is refused as damaged). Where the file system has no links, SQLite creates the
    file in place as before."""
    part = path.with_name(f".{path.name}.{uuid.uuid4().hex}.new")
    try:
        with closing(sqlite3.connect(part, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("BEGIN")
            for statement in _SCHEMA:
                db.execute(statement)
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            db.execute("COMMIT")
        os.link(part, path)
    except FileExistsError:
        pass  # another process made it meanwhile: that one is used
    except (OSError, sqlite3.Error):
        pass  # a folder SQLite cannot write to says so when the archive is opened
    finally:
        for leftover in (
            part,
            part.with_name(part.name + "-wal"),
            part.with_name(part.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)


def _busy(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _explain(path: Path, exc: sqlite3.Error) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return f"{path}: the archive is read-only"
    if "disk is full" in text or "disk I/O" in text:
        return f"{path}: the disk is full or failing ({text}); nothing of this batch was written"
    if is_damage(exc):
        return damage_message(path, text, writing=True).replace(
            "nothing was written", "this batch was rolled back"
        )
    if _busy(exc):
        return (
            f"{path}: another process has been writing to the archive for too long ({text}); "
            "try again when it has finished"
        )
    return f"{path}: {text}"


if TYPE_CHECKING:
    # The archive is the project's Store: mypy checks it keeps every method the Protocol names.
    _STORE: type[Store] = Archive
