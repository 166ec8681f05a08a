"""Latency of `cableparse serve`: the document page and search pages, p50/p95 on loopback.

    python benchmarks/serve_latency.py ARCHIVE [--rounds 5] [--documents 40]

Starts `cableparse serve` on a free port over ARCHIVE, then asks, one request at a time on a
kept-alive connection, for the pages of --documents cables spread over the archive (HTML
and JSON) and for search pages (a rare phrase, a common phrase, a word in a good share of
the paragraphs, the same with facet filters), each --rounds times after one warm-up. The
time is from the request's first byte to the answer's last, so it is the server's work plus
a loopback round trip (well under a millisecond). Then the same words through Archive.search
in this process, as the yardstick of the machine's speed at that moment. Prints a table and
writes JSON to --out.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

SEARCHES = [
    {"q": "Lachin corridor"},
    {"q": "military cooperation"},
    {"q": "terrorism"},
    {"q": "terrorism", "kind": "cable", "classification": "CONFIDENTIAL"},
    {"q": "military cooperation", "tag": "PREL", "year": "2009"},
    {"q": "terrorism", "ranked": "wide"},
]
# Ids no document has: a station mistyped, a serial beyond the station's, an article's slug.
UNKNOWN = ["BAKUU-000433", "09BAKU9999999", "aliyev-rejects-u-s-calls-for-lifting-x"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def sample_ids(archive: Path, count: int) -> list[str]:
    """Reference ids of `count` current cables spread evenly over the archive's keys."""
    db = sqlite3.connect(f"file:{archive / 'cableparse.db'}?immutable=1", uri=True)
    low, high = db.execute("SELECT min(key), max(key) FROM documents").fetchone()
    step = max(1, (high - low) // count)
    ids = []
    for key in range(low, high + 1, step):
        row = db.execute(
            "SELECT coalesce(reference_id, id) FROM documents WHERE key >= ? AND current = 1 "
            "AND kind = 'cable' ORDER BY key LIMIT 1",
            (key,),
        ).fetchone()
        if row:
            ids.append(row[0])
    db.close()
    return ids[:count]


def timed(conn: http.client.HTTPConnection, path: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    return (time.perf_counter() - start) * 1000, response.status, len(body)


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "requests": len(ordered),
        "p50_ms": statistics.median(ordered),
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max_ms": ordered[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/serve_latency.json"))
    args = parser.parse_args()
    if not (args.archive / "cableparse.db").exists():
        parser.error(f"no archive at {args.archive}/")

    ids = sample_ids(args.archive, args.documents)
    port = free_port()
    cli = [sys.executable, "-c", "from cableparse.cli import main; main()"]
    server = subprocess.Popen(
        [*cli, "serve", "--archive", str(args.archive), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    results: dict[str, Any] = {"archive": str(args.archive), "documents_sampled": len(ids)}
    try:
        assert server.stdout is not None
        print(server.stdout.readline().strip(), file=sys.stderr)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        groups: dict[str, list[str]] = {
            "document page (HTML)": [f"/cable/{quote(i)}" for i in ids],
            "document page (JSON)": [f"/cable/{quote(i)}.json" for i in ids],
        }
        for params in SEARCHES:
            groups[f"search {urlencode(params)}"] = ["/search?" + urlencode(params)]
        groups["unknown id, 404 with the nearest ids"] = [f"/cable/{quote(i)}" for i in UNKNOWN]
        groups["datasette documents table, 4 facets"] = ["/cableparse/documents"]
        groups["datasette tags table, tag facet"] = ["/cableparse/tags"]
        for name, paths in groups.items():
            times = []
            for path in paths:
                _, status, _ = timed(conn, path)  # warm-up
                if status != (
                    404 if path.startswith("/cable/") and name.startswith("unknown") else 200
                ):
                    raise SystemExit(f"{path}: status {status}")
                for _ in range(args.rounds):
                    times.append(timed(conn, path)[0])
            results[name] = summary(times)
            row = results[name]
            print(
                f"{name:62} n={row['requests']:4}  p50 {row['p50_ms']:7.1f} ms  "
                f"p95 {row['p95_ms']:7.1f} ms  max {row['max_ms']:7.1f} ms"
            )
        # Which of Datasette's facets outlasted its time limit (and are shown as timed out).
        for table in ("documents", "tags"):
            conn.request("GET", f"/cableparse/{table}.json")
            answer = json.loads(conn.getresponse().read())
            results[f"datasette {table} facets timed out"] = answer.get("facets_timed_out", [])
            print(f"datasette {table} facets timed out: {answer.get('facets_timed_out', [])}")
        conn.close()
        # The same words through Archive.search (what `cableparse search` runs), in this
        # process, at the same time: the yardstick of a search on this machine today.
        from cableparse.archive import Archive

        with Archive(args.archive, immutable=True) as archive:
            for words in sorted({p["q"] for p in SEARCHES}):
                archive.search(words)
                times = []
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    archive.search(words)
                    times.append((time.perf_counter() - start) * 1000)
                name = f"Archive.search {words!r} (in process)"
                results[name] = row = summary(times)
                print(
                    f"{name:62} n={row['requests']:4}  p50 {row['p50_ms']:7.1f} ms  "
                    f"p95 {row['p95_ms']:7.1f} ms  max {row['max_ms']:7.1f} ms"
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
