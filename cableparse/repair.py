"""A damaged archive: what is wrong with it, what can still be read, a fresh archive made again
from the original bytes it keeps, and backups taken while it is in use (docs/archive.md).

Nothing here writes into the archive it inspects or recovers from: it is opened read-only.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

import attrs

from cableparse.archive import (
    DB_NAME,
    FTS_TABLES,
    TABLES,
    Archive,
    ArchiveError,
    damage_message,
    file_problem,
    wal_lost,
)
from cableparse.inputs import Failure, Source
from cableparse.store import IngestReport

# A rowid table is read row by row up to its largest rowid; when even that cannot be read, until
# this many rowids in a row give nothing (an archive never deletes, so its rowids have no gaps).
GIVE_UP_AFTER = 10_000


@attrs.frozen
class Finding:
    """What `verify` reports of a damaged database."""

    path: Path
    problems: list[str]  # what SQLite (or the file's size) says is wrong
    readable: list[str]  # tables that can be read whole
    unreadable: list[str]  # tables that cannot, with SQLite's words
    sources: int  # source rows whose bytes can be read and still have their sha256
    records: int  # documents whose stored record can be read

    def lines(self) -> list[str]:
        out = [f"{self.path}: damaged archive"]
        out += [f"  {p}" for p in self.problems]
        if self.readable:
            out.append("  readable tables: " + ", ".join(self.readable))
        out += [f"  unreadable: {t}" for t in self.unreadable]
        out.append(f"  readable: {self.sources} stored sources, {self.records} records")
        out.append(f"  recover them with: cableparse recover {self.path} --archive NEW_DIR")
        return out


def database_path(location: str | Path) -> Path:
    """The database file of an archive given as its folder or as the file itself."""
    path = Path(location)
    return path / DB_NAME if path.is_dir() else path


def open_read_only(path: Path, settled: bool = False) -> sqlite3.Connection:
    """A connection that cannot write to the file. writable_schema lets SQLite read a file
    that is shorter than its header says (cut short): it refuses every statement otherwise;
    nothing is written through this connection, so the setting changes nothing on disk."""
    db = sqlite3.connect(read_only_uri(path, settled), uri=True, isolation_level=None)
    db.execute("PRAGMA writable_schema = ON")
    return db


def read_only_uri(path: Path, settled: bool = False) -> str:
    """SQLite's name for reading the file without writing anything beside it. When the
    write-ahead log was deleted, its stale index would fail every read ("disk I/O error"), and
    when the archive is `settled` (no process uses it, as in a recovery) with no log at all,
    SQLite would still make an empty one: the file is then read as it is (immutable)."""
    wal = path.with_name(path.name + "-wal")
    still = wal_lost(path) or (settled and not wal.exists())
    return path.resolve().as_uri() + ("?immutable=1" if still else "?mode=ro")


def read_edges(db: sqlite3.Connection, tables: Iterable[str]) -> None:
    """Read the first and the last row of each table: the pages from its root down to both
    ends (SQLite checks each page it loads). Raises SQLite's error where one is damaged."""
    for table in tables:
        for order in ("", " DESC"):
            db.execute(f"SELECT * FROM {table} ORDER BY rowid{order} LIMIT 1").fetchall()


def inspect(location: str | Path) -> Finding | None:
    """The damage of an archive's database, or None when SQLite finds it whole. Reads every
    page: this is verify's check, not the one before a write (see Archive.check_writable)."""
    path = database_path(location)
    if not path.is_file():
        raise ArchiveError(f"no archive at {location}")
    problems: list[str] = []
    early = file_problem(path)
    if early is not None:
        problems.append(early)
        if not path.stat().st_size:
            return Finding(path, problems, [], [], 0, 0)
    with closing(open_read_only(path)) as db:
        try:
            for (line,) in db.execute("PRAGMA integrity_check(100)"):
                if line != "ok":
                    problems.extend(line.splitlines())
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB":
                # Not one page can be read: the first page is gone, or it never was SQLite's.
                why = "the file does not start as an SQLite database does (its first page)"
                return Finding(path, [*problems, why], [], [], 0, 0)
            problems.append(f"SQLite stops its integrity check: {exc}")
        # A sound integrity check has read every page of every table: only the full-text
        # indexes, which it does not look into, are left to read.
        readable, unreadable = _tables(db, scan=bool(problems))
        if not problems and not unreadable:
            return None
        sources = sum(1 for _ in _verified_sources(db))
        records = sum(1 for _ in readable_rows(db, "documents", "record"))
    return Finding(path, problems, readable, unreadable, sources, records)


def _tables(db: sqlite3.Connection, scan: bool) -> tuple[list[str], list[str]]:
    """The archive's tables that can be read whole, and those that cannot, with SQLite's
    words; the tables themselves are read only when `scan` says so. The full-text indexes are
    read through fts5vocab, which decodes every segment."""
    readable: list[str] = [] if scan else list(TABLES)
    unreadable: list[str] = []
    for table in TABLES if scan else ():
        try:
            # Every column of every row, overflow pages included: a count alone reads
            # only the tree's pages.
            for _ in db.execute(f"SELECT * FROM {table}"):
                pass
            readable.append(table)
        except sqlite3.DatabaseError as exc:
            unreadable.append(f"table {table}: {exc}")
    for fts in FTS_TABLES:
        vocab = f"temp.{fts}_vocab"
        try:
            # In the temp schema: the archive's file is not written.
            db.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocab} USING fts5vocab(main, {fts}, row)"
            )
            db.execute(f"SELECT count(*), sum(cnt) FROM {vocab}").fetchone()
            readable.append(fts)
        except sqlite3.DatabaseError as exc:
            unreadable.append(f"full-text index {fts}: {exc}")
    return readable, unreadable


def readable_rows(db: sqlite3.Connection, table: str, columns: str) -> Iterator[tuple[Any, ...]]:
    """Every row of a rowid table that can still be read, looked up one rowid at a time: a
    damaged page costs the rows on it, not the rest of the table."""
    try:
        db.execute(f"SELECT 1 FROM {table} LIMIT 0")
    except sqlite3.DatabaseError:
        return  # no such table (a schema that .recover could not make again)
    top = _largest_rowid(db, table)
    rowid = 0
    misses = 0
    while (rowid < top) if top is not None else (misses < GIVE_UP_AFTER):
        rowid += 1
        try:
            row = db.execute(f"SELECT {columns} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            row = None
        if row is None:
            misses += 1
            continue
        misses = 0
        yield tuple(row)


def _largest_rowid(db: sqlite3.Connection, table: str) -> int | None:
    """The table's largest rowid, from the table or else from one of its indexes (each index
    is a tree of its own, and holds the rowids too); None when neither can be read."""
    tries = [f"SELECT max(rowid) FROM {table}"]
    try:
        indexes = [r[1] for r in db.execute(f"PRAGMA index_list({table})")]
    except sqlite3.DatabaseError:
        indexes = []
    tries += [f"SELECT max(rowid) FROM {table} INDEXED BY {i}" for i in indexes]
    for sql in tries:
        try:
            value = db.execute(sql).fetchone()[0]
        except sqlite3.DatabaseError:
            continue
        return int(value or 0)
    return None


def _verified_sources(db: sqlite3.Connection) -> Iterator[tuple[str, bytes]]:
    """The source rows that can be read and whose bytes still have their sha256."""
    for sha, data in readable_rows(db, "sources", "sha256, data"):
        if _hashes_to(data, sha):
            yield sha, data


# ---- recovery ----------------------------------------------------------------------------------


@attrs.define
class Salvage:
    """What was read back of a damaged archive: source bytes by sha256, their paths (with the
    row and offset of a cables.csv row), and every sha256 the archive names."""

    data: dict[str, bytes] = attrs.Factory(dict)
    paths: dict[str, dict[str, tuple[int | None, int | None]]] = attrs.Factory(dict)
    named: set[str] = attrs.Factory(set)
    stored: int = 0  # the sources table's largest rowid, where it can be read: rows it held
    recorded: int = 0  # documents stored, by the runs table's counts (an ingest's last write)

    def read(self, db: sqlite3.Connection) -> None:
        for sha, data in _verified_sources(db):
            self.data.setdefault(sha, data)
        paths = readable_rows(db, "source_paths", "sha256, path, row, offset")
        for sha, path, row, offset in paths:
            if _sha256(sha) and isinstance(path, str):
                self._path(sha, path, row, offset)
        for sha, path in readable_rows(db, "documents", "source_sha256, source_path"):
            if _sha256(sha) and isinstance(path, str):
                self._path(sha, path, None, None)
        top = _largest_rowid(db, "sources")
        self.stored = max(self.stored, top or 0)
        with suppress(sqlite3.DatabaseError):
            counted = db.execute("SELECT sum(new + updated) FROM runs").fetchone()[0]
            self.recorded = max(self.recorded, counted or 0)

    def read_lost_and_found(self, db: sqlite3.Connection) -> None:
        """Rows `.recover` found on pages that no table leads to any more, told by their
        fields: a source row (five fields: a sha256 and bytes that hash to it), a path row
        (four: a sha256 and a path), a document row (nineteen: its source's sha256 and path)."""
        try:
            cur = db.execute("SELECT * FROM lost_and_found WHERE nfield IN (4, 5, 19)")
            # lost_and_found's own columns come first: rootpgno, pgno, nfield, id.
            for row in cur:
                nfield, fields = row[2], row[4:]
                if nfield == 5 and _hashes_to(fields[4], fields[0]):
                    self.data.setdefault(fields[0], fields[4])
                elif nfield == 4 and _sha256(fields[0]) and isinstance(fields[1], str):
                    self._path(fields[0], fields[1], fields[2], fields[3])
                elif nfield == 19 and _sha256(fields[13]) and isinstance(fields[14], str):
                    self._path(fields[13], fields[14], None, None)
        except sqlite3.DatabaseError:
            return

    def _path(self, sha: str, path: str, row: object, offset: object) -> None:
        self.paths.setdefault(sha, {}).setdefault(path, (_int(row), _int(offset)))
        self.named.add(sha)


def _hashes_to(data: object, sha: object) -> bool:
    return isinstance(data, bytes) and hashlib.sha256(data).hexdigest() == sha


def _sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


@attrs.define
class RecoveryReport:
    saved: int  # sources whose bytes came back
    # (path, sha256) of each source the archive names but whose bytes are gone; "PATH row N"
    # for a cables.csv row
    lost: list[tuple[str, str]]
    # sources the archive held (by its sources table) that are neither saved nor named
    unnamed: int
    recorded: int  # documents the damaged archive's runs table counts as stored
    used_cli: bool  # whether the sqlite3 tool's .recover was used
    ingest: IngestReport


def recover(
    damaged: str | Path, new: str | Path, sqlite3_tool: str | None = None
) -> RecoveryReport:
    """A fresh archive at `new` made from every source of `damaged` whose bytes can still be
    read (with the paths they were seen under), parsed again: its records are those of a fresh
    ingest of the same files. `sqlite3_tool` (found on PATH when None; "" for none) is
    SQLite's command-line tool, whose `.recover` reads rows that the damaged tree no longer
    leads to."""
    path = database_path(damaged)
    if not path.is_file():
        raise ArchiveError(f"{damaged}: no archive database there")
    target = Path(new)
    if (target / DB_NAME).exists():
        raise ArchiveError(f"{target}/ holds an archive already; recover into a new folder")
    salvage = Salvage()
    tool = shutil.which("sqlite3") if sqlite3_tool is None else sqlite3_tool
    used_cli = False
    if tool and path.stat().st_size:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target, prefix=".recover-") as scratch:
            copy = Path(scratch) / "recovered.db"
            if _cli_recover(tool, read_only_uri(path, settled=True), copy):
                with closing(open_read_only(copy, settled=True)) as db:
                    used_cli = _made_tables(db)
                    salvage.read(db)
                    salvage.read_lost_and_found(db)
    if path.stat().st_size:
        # When the schema itself is unreadable, what .recover saved is all there is.
        with closing(open_read_only(path, settled=True)) as db, suppress(sqlite3.DatabaseError):
            salvage.read(db)
    # A cables.csv row is named by its row too: the path alone is the whole dump's.
    lost = sorted(
        (name if row is None else f"{name} row {row}", sha)
        for sha in salvage.named - salvage.data.keys()
        for name, (row, _) in salvage.paths[sha].items()
    )
    with Archive(target, create=True) as fresh:
        from cableparse import pipeline  # loads the parsers, which reading needs not

        report = pipeline.ingest(_sources(salvage), fresh, asked=f"recover {path}")
    named_lost = len(salvage.named - salvage.data.keys())
    return RecoveryReport(
        saved=len(salvage.data),
        lost=lost,
        unnamed=max(0, salvage.stored - len(salvage.data) - named_lost),
        recorded=salvage.recorded,
        used_cli=used_cli,
        ingest=report,
    )


def _cli_recover(tool: str, uri: str, copy: Path) -> bool:
    """`sqlite3 -readonly DAMAGED .recover | sqlite3 COPY`; whether it made a database (a
    tool too old for .recover, before SQLite 3.29, makes none)."""
    quiet = subprocess.DEVNULL
    try:
        with subprocess.Popen(
            [tool, "-readonly", uri, ".recover"], stdout=subprocess.PIPE, stderr=quiet
        ) as reader:
            assert reader.stdout is not None
            with subprocess.Popen(
                [tool, str(copy)], stdin=reader.stdout, stdout=quiet, stderr=quiet
            ):
                # The pipe is the loader's alone now: should it stop, the reader is told so
                # rather than left waiting to write.
                reader.stdout.close()
    except OSError:
        return False
    # Some statements of its script may fail (the full-text tables): the rows are what counts.
    return copy.exists() and copy.stat().st_size > 0


def _made_tables(db: sqlite3.Connection) -> bool:
    """Whether .recover made any table again (some builds of it stop before the first table
    with an index: 'SQL logic error' in Debian's SQLite 3.40.1)."""
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'").fetchone()
    return found is not None


def _sources(salvage: Salvage) -> Iterator[Source | Failure]:
    """The salvaged bytes as the Sources a fresh ingest of their files would read: told by
    their content again, with each path they were seen under (a cables.csv row with its row
    number and offset)."""
    from cableparse.sources import iter_stream  # see cableparse/__init__.py

    for sha, data in salvage.data.items():
        paths = salvage.paths.get(sha) or {f"sha256:{sha}": (None, None)}
        # In the order they were first seen, as the archive stored them: the first is the
        # path a fresh ingest names in the record.
        for name, (row, offset) in paths.items():
            for item in iter_stream(io.BufferedReader(io.BytesIO(data)), name):
                if isinstance(item, Source) and row is not None:
                    item = attrs.evolve(item, row=row, offset=offset)
                yield item


def backup(location: str | Path, dest: str | Path) -> Path:
    """A copy of the archive at `dest` (a new folder) through SQLite's online backup: one
    consistent snapshot, taken while other processes read and write."""
    target = Path(dest)
    if (target / DB_NAME).exists():
        raise ArchiveError(f"{target}/ holds an archive already; give a new folder")
    target.mkdir(parents=True, exist_ok=True)
    with Archive(location) as archive, closing(sqlite3.connect(target / DB_NAME)) as out:
        try:
            # All pages in one step, so one read transaction: a step at a time would start
            # over whenever another process commits between steps.
            archive.db.backup(out)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(damage_message(archive.path, str(exc))) from exc
    return target
