"""What checking an archive for damage costs: the check before every write
(Archive.check_writable), and with --full the page-by-page checks verify runs.

Usage: python benchmarks/check.py ARCHIVE [--repeat 20] [--full]

Cold numbers (the first run) depend on the operating system's cache; the median of the
repeats is the cost an ingest pays when the archive was read recently.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time
from contextlib import closing
from pathlib import Path

from cableparse.archive import Archive
from cableparse.repair import open_read_only


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--full", action="store_true", help="also time verify's page checks")
    args = parser.parse_args(argv)
    if not args.archive.is_dir():
        parser.error(f"{args.archive}: no such folder")
    with Archive(args.archive) as archive:
        size = os.path.getsize(archive.path)
        documents = archive.db.execute("SELECT max(key) FROM documents").fetchone()[0]
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            archive.check_writable()
            times.append(time.perf_counter() - start)
    print(f"{args.archive}: {size / 1e9:.2f} GB, {documents} documents")
    print(
        f"check_writable: first {times[0] * 1000:.2f} ms, "
        f"median {statistics.median(times) * 1000:.2f} ms of {args.repeat}"
    )
    if args.full:
        with closing(open_read_only(archive.path)) as db:
            for label, sql in (
                ("PRAGMA quick_check", "PRAGMA quick_check"),
                ("PRAGMA integrity_check", "PRAGMA integrity_check(100)"),
                ("fts5vocab of paragraphs_fts", None),
            ):
                start = time.perf_counter()
                if sql is None:
                    db.execute(
                        "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, paragraphs_fts, row)"
                    )
                    sql = "SELECT count(*), sum(cnt) FROM temp.v"
                try:
                    db.execute(sql).fetchall()
                except sqlite3.DatabaseError as exc:
                    print(f"{label}: {exc}")
                print(f"{label}: {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
