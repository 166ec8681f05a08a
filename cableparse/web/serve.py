"""`cableparse serve`: Datasette over one archive, read-only, with the plugin's pages."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import uvicorn
from datasette.app import Datasette

from cableparse.archive import DB_NAME, Archive, ArchiveError
from cableparse.web import METADATA, SETTINGS


def check_archive(location: str | None, say: Callable[[str], None] | None = None) -> Path:
    """The archive's folder, if it is a cableparse archive that no ingest is writing to.
    Opening it once (read-write) finishes what a last ingest left in the write-ahead log, so
    that the immutable reads see every document. An archive made before the facets' indexes
    gets them (`say` is told, as it takes a while); a read-only one is served without."""
    with Archive(location) as archive:
        folder = archive.folder
        wal = Path(f"{archive.path}-wal")
        missing = archive.missing_indexes()
    if wal.exists() and wal.stat().st_size:
        raise ArchiveError(
            f"{folder}/: an ingest is writing to this archive ({wal} is not empty); "
            "serve it when the ingest has finished"
        )
    if missing:
        if say is not None:
            say(f"{folder}/: indexing the columns of the documents' facets (once)")
        try:
            with Archive(folder) as archive:
                archive.add_indexes(missing)
        except ArchiveError as exc:
            if say is not None:
                say(f"{exc}: Datasette's facets of the documents table may time out")
    return folder


def make_datasette(folder: Path) -> Datasette:
    """Datasette over the archive: immutable (no write, no lock), with the plugin's facets and
    full-text tables as metadata. The plugin itself is the package's entry point."""
    return Datasette(
        immutables=[str(folder / DB_NAME)],
        metadata=METADATA,
        settings=SETTINGS,
        # Datasette would otherwise read the whole file for a sha256 of it (9.5 GB at
        # Cablegate's size, 40 s) when the home page first asks; it needs it for nothing
        # here (no hashed URLs), as for a mutable database, which has none.
        inspect_data={
            "cableparse": {
                "hash": None,
                "size": (folder / DB_NAME).stat().st_size,
                "tables": table_counts(folder),
            }
        },
    )


def table_counts(folder: Path) -> dict[str, dict[str, int]]:
    """Rows of each table, as Datasette's inspect data. Datasette counts an immutable
    database's tables itself at start, and count(*) of an external-content FTS5 table reads
    its content table through the index: 6.8 s of 8.2 on the 251,287-cable archive, 40 s from
    a cold disk. An FTS5 table's rows are those of its docsize table (one per row indexed)."""
    with Archive(folder, immutable=True) as archive:
        tables = archive.db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
        ).fetchall()
        counts = {}
        for name, sql in tables:
            counted = f"{name}_docsize" if sql.upper().startswith("CREATE VIRTUAL") else name
            counts[name] = {
                "count": archive.db.execute(f'SELECT count(*) FROM "{counted}"').fetchone()[0]
            }
    return counts


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (port 0: any free one), so the address can be printed
    before the server starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by each connection: the server writes an answer's head and body apart, and
    # with Nagle's algorithm a kept-alive connection waited for the client's delayed ACK
    # (about 40 ms an answer from http.client; 10 ms with this).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def run(folder: Path, sock: socket.socket) -> None:
    app = make_datasette(folder).app()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    server.run(sockets=[sock])
