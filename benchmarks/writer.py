"""The cost of the one writing process of `ingest`, apart from the parsing: the documents are
parsed first (in worker processes), then stored into a fresh archive by `pipeline.ingest`, with a
runner that hands it the ready results instead of parsing. Prints CPU and wall time per document
of the store.

Usage: python benchmarks/writer.py INPUT [--count N] [--copies C] [--jobs J] [--profile OUT]
       [--parsed FILE] [--keep DIR]

INPUT is anything `ingest` reads (a cables.csv from make_csv.py, a folder). `--copies C` stores
the N parsed documents C times, each copy as other documents (its own identity and source
hash), to see the writer on an archive of N * C documents without parsing them all; `--keep DIR`
leaves that archive there (for timing searches on it).
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from cableparse import archive as archive_module
from cableparse import pipeline
from cableparse.archive import Archive
from cableparse.sources import Failure, Source, iter_sources
from cableparse.store import Prepared


def copies(parsed: list[Prepared], count: int) -> Iterator[Prepared]:
    """`count` copies of the parsed documents, each copy a distinct set of documents."""
    for k in range(count):
        for doc in parsed:
            if k == 0:
                yield doc
                continue
            yield attrs.evolve(
                doc, sha256=f"{doc.sha256[:56]}{k:08x}", identity=f"{doc.identity}#{k}"
            )


class ReadyMade:
    """A runner whose results were made before: each input is paired with the next of them."""

    def __init__(self, ready: Iterator[Prepared]) -> None:
        self.ready = ready

    def map(
        self, step: Callable[[Source | Failure], Any], items: Iterable[Source | Failure]
    ) -> Iterator[tuple[Source | None, Any]]:
        for item in items:
            yield (item if isinstance(item, Source) else None), next(self.ready)


def store_phase(folder: Path, sources: list[Source], ready: Iterator[Prepared]) -> int:
    with Archive(folder, create=True) as archive:
        report = pipeline.ingest(sources, archive, ReadyMade(ready), asked="writer benchmark")
    return report.new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="store into this folder and keep it")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the store here")
    parser.add_argument(
        "--parsed",
        type=Path,
        help="keep the parsed documents in this file, or take them from it when it exists "
        "(so that callgrind counts the store alone)",
    )
    args = parser.parse_args(argv)

    if args.parsed and args.parsed.exists():
        with args.parsed.open("rb") as f:
            pairs = pickle.load(f)
    else:
        items = [
            s
            for s in itertools.islice(iter_sources(args.input), args.count)
            if isinstance(s, Source)
        ]
        pairs = [
            (s, r)
            for s, r in pipeline.LocalPool(args.jobs).map(pipeline.rows_step, items)
            if isinstance(r, Prepared)
        ]
        if args.parsed:
            with args.parsed.open("wb") as f:
                pickle.dump(pairs, f)
    items = [s for s, _ in pairs if s is not None]
    parsed = [r for _, r in pairs]
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        folder = args.keep or Path(tmp) / "archive"
        profile = cProfile.Profile(time.process_time) if args.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        new = store_phase(folder, items * args.copies, copies(parsed, args.copies))
        if profile:
            profile.disable()
            profile.dump_stats(args.profile)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        size = (folder / archive_module.DB_NAME).stat().st_size
    print(
        f"{new} documents stored: {cpu * 1000 / max(new, 1):.3f} ms CPU and "
        f"{wall * 1000 / max(new, 1):.3f} ms wall a document ({cpu:.2f} s CPU, {wall:.2f} s wall), "
        f"archive {size / 1e6:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
