"""Parsing in worker processes (--jobs N): the same records, in the same order, as one process,
and workers that give way to the one process that feeds them."""

from __future__ import annotations

import os
from pathlib import Path

from cableparse.model import record_json
from cableparse.pipeline import LocalPool, parse_sources
from cableparse.sources import Failure, Source, iter_sources

from .conftest import FIXTURES, SEEDS


def _records(paths: list[Path], jobs: int) -> list[str]:
    return [
        f"failure {r}" if isinstance(r, Failure) else record_json(r.to_record())
        for r in parse_sources(paths, jobs=jobs)
    ]


def test_two_jobs_give_the_records_of_one_in_the_same_order() -> None:
    paths = [SEEDS, FIXTURES / "cablegate-dev", FIXTURES / "cables-csv", FIXTURES / "news-dev"]
    one = _records(paths, jobs=1)
    assert len(one) > 50
    assert _records(paths, jobs=2) == one


def _niceness(item: Source | Failure) -> int:
    return os.nice(0)


def test_workers_run_at_a_lower_priority_than_the_process_that_feeds_them() -> None:
    items = list(iter_sources(SEEDS))
    here = os.nice(0)
    results = [n for _, n in LocalPool(jobs=2).map(_niceness, items)]
    assert len(results) == len(items)
    assert all(n == min(here + 5, 19) for n in results)
