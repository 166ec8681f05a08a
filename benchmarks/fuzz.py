"""Fuzz the parsers with many generated inputs: real cables mutated (lines shuffled, dropped,
duplicated, cut mid-line, characters spliced in), real cable files with random bytes spliced in
(decoded as the file reader does), documents assembled from random real lines, and random text.
Each input must give a valid record or a ParseError (tests/fuzzing.py says exactly what is
checked). Seeded, so a run can be repeated to the input.

Usage: python benchmarks/fuzz.py [--count 100000] [--seed 0] [--jobs 1] [--show K]
Prints the number of inputs by kind, the failures (each with the index that, with the seed,
replays it: --show K prints input K), and the slowest input with its CPU time (not wall time,
which a busy machine inflates); exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzzing import check_input, random_input

Result = tuple[Counter[str], list[str], float, int]


def run_slice(seed: int, start: int, stop: int) -> Result:
    """Inputs start..stop-1 of the run with this seed. Input k depends only on (seed, k), so
    any one of them can be regenerated alone and slices can run in parallel."""
    kinds: Counter[str] = Counter()
    failures: list[str] = []
    slowest, slowest_at = 0.0, -1
    # Build the grammar and import the encoding detector now, so that no input is charged.
    check_input(b"SECRET BAKU 1\n1. caf\xe9\n")
    for k in range(start, stop):
        kind, given = random_input(random.Random(f"{seed}:{k}"))
        kinds[kind] += 1
        began = time.process_time()
        try:
            check_input(given)
        except Exception as exc:  # every escape is a finding: keep going and report them all
            where = traceback.extract_tb(exc.__traceback__)[-1]
            failures.append(
                f"input {k} ({kind}, {len(given)} long): {type(exc).__name__}: "
                f"{str(exc)[:200]} at {Path(where.filename).name}:{where.lineno}"
            )
        took = time.process_time() - began
        if took > slowest:
            slowest, slowest_at = took, k
    return kinds, failures, slowest, slowest_at


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--show", type=int, default=None, metavar="K", help="print input K and stop")
    args = ap.parse_args()
    if args.show is not None:
        given = random_input(random.Random(f"{args.seed}:{args.show}"))[1]
        sys.stdout.buffer.write(given if isinstance(given, bytes) else given.encode())
        return 0

    began = time.perf_counter()
    step = max(1, args.count // (args.jobs * 20))
    slices = [(args.seed, s, min(s + step, args.count)) for s in range(0, args.count, step)]
    kinds: Counter[str] = Counter()
    failures: list[str] = []
    slowest, slowest_at = 0.0, -1
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for part_kinds, part_failures, part_slowest, part_at in pool.map(
            run_slice, *zip(*slices, strict=True)
        ):
            kinds += part_kinds
            failures += part_failures
            if part_slowest > slowest:
                slowest, slowest_at = part_slowest, part_at
    total = sum(kinds.values())
    print(
        f"seed {args.seed}: {total} inputs ("
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + ")"
    )
    print(f"failures: {len(failures)}")
    for line in failures[:50]:
        print("  " + line)
    slow_len = len(random_input(random.Random(f"{args.seed}:{slowest_at}"))[1])
    print(f"slowest: input {slowest_at} ({slow_len} long) took {slowest * 1000:.1f} ms of CPU")
    print(f"wall time: {time.perf_counter() - began:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
