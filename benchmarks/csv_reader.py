"""The cables.csv reader alone: CPU time a row and peak memory on a dump, and hostile dumps in
time linear in their size.

    python benchmarks/csv_reader.py FILE.csv      # CPU a row and peak RSS of reading FILE
    python benchmarks/csv_reader.py --hostile     # each hostile dump at n and 4n bytes

FILE is read as `cableparse ingest` reads it (sources.read_file: Sources and Failures, the
rows decoded and split), in this process, without parsing the cables. Times are CPU time
(time.process_time), so that other work on a shared machine does not blur them. For the
hostile dumps the ratio of the times at 4n and n is printed: linear is about 4, quadratic 16;
a ratio above 8 fails. Each runs in a fresh process, whose peak RSS is printed too.
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cableparse.csvdump import read_rows
from cableparse.sources import Source, read_file

_START = b'"1","1/2/1970 3:04","70X1","Embassy X","UNCLASSIFIED","","header","'
_GOOD = _START + b'body"\n'

# Each makes a dump of about n bytes. "one long row" at 4n is the 50 MB row.
HOSTILE: dict[str, Callable[[int], bytes]] = {
    "only quotes": lambda n: b'"' * n,
    "only backslashes": lambda n: b"\\" * n,
    "quote, line break": lambda n: b'"\n' * (n // 2),
    "escaped quotes in a field": lambda n: _START + b'\\"' * (n // 2) + b'"\n',
    "one long row": lambda n: _START + b"x" * n + b'"\n' + _GOOD,
    "one long row of lines": lambda n: _START + b"x\n" * (n // 2) + b'"\n' + _GOOD,
    "empty fields, one line": lambda n: b'"",' * (n // 3) + b"\n" + _GOOD,
    "short lines": lambda n: b"x\n" * (n // 2),
    # Each line opens a quote (5 of them) and the next starts like a row: all fail.
    "a row start on every line": lambda n: (_START[:21] + b"\n") * (n // 22),
    "backslash before every line break": lambda n: _START + b"ab\\\n" * (n // 4) + b'"\n',
}
SIZES = {"short lines": 500_000, "a row start on every line": 500_000}
DEFAULT = 12_500_000
LIMIT = 8.0


def _read(data: bytes) -> tuple[float, int]:
    stream = io.BufferedReader(io.BytesIO(data))
    t = time.process_time()
    items = sum(1 for _ in read_rows(stream, "x"))
    return time.process_time() - t, items


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_file(path: Path) -> None:
    t = time.process_time()
    rows = failures = 0
    for item in read_file(path):
        if isinstance(item, Source):
            rows += 1
        else:
            failures += 1
    cpu = time.process_time() - t
    size = path.stat().st_size
    print(
        f"{path}: {rows:,} rows, {failures:,} failures, {size / 1e6:,.0f} MB; "
        f"{cpu:.1f} s CPU, {cpu / max(rows + failures, 1) * 1e3:.4f} ms a row, "
        f"{size / 1e6 / max(cpu, 1e-9):,.0f} MB/s; peak RSS {_peak_mb():.0f} MB"
    )


def run_one(name: str, n: int) -> None:
    data = HOSTILE[name](n)
    cpu, items = _read(data)
    print(f"{cpu:.6f} {items} {_peak_mb():.0f}")


def run_hostile(names: list[str], scale: float) -> int:
    worst = 0.0
    for name in names:
        n = int(SIZES.get(name, DEFAULT) * scale)
        results = []
        for size in (n, 4 * n):
            out = subprocess.run(
                [sys.executable, __file__, "--one", name, str(size)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            results.append((float(out[0]), int(out[1]), float(out[2])))
        (t1, _, _), (t4, items, rss) = results
        ratio = t4 / max(t1, 1e-6)
        worst = max(worst, ratio)
        mb = len(HOSTILE[name](4 * n)) / 1e6
        print(
            f"{name:36} 4n={mb:6.1f} MB {t4:7.3f} s CPU ({mb / max(t4, 1e-9):6.0f} MB/s) "
            f"ratio {ratio:4.1f}  items {items:,}  peak RSS {rss:.0f} MB"
        )
    print(f"worst ratio {worst:.1f} (limit {LIMIT})")
    return 0 if worst <= LIMIT else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--hostile", nargs="*", metavar="NAME", help="all when none is named")
    parser.add_argument("--scale", type=float, default=1.0, help="of the hostile sizes")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one[0], int(args.one[1]))
        return 0
    if args.hostile is not None:
        return run_hostile(args.hostile or list(HOSTILE), args.scale)
    if args.file is None:
        parser.error("give a FILE or --hostile")
    run_file(args.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
