"""Helpers for the tests that run ingests in other processes: a generated corpus of small
cables, the CLI as a subprocess, and a look at how far an ingest has got."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from cableparse.archive import DB_NAME

CLI = [sys.executable, "-c", "from cableparse.cli import main; main()"]


def make_corpus(folder: Path, count: int, first: int = 1) -> Path:
    """`count` distinct small cables, named by reference id as cable collections name them
    (which gives each its year, so each is its own document)."""
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(first, first + count):
        (folder / f"09BAKU{k}.txt").write_text(
            f"UNCLASSIFIED BAKU {k:06d}\n\nSIPDIS\n\nE.O. 12958: N/A\nTAGS: PREL, AJ\n"
            f"SUBJECT: GENERATED CABLE {k}\n\n1. (U) Paragraph one of cable {k}.\n\n"
            "2. (U) Paragraph two.\n",
            encoding="utf-8",
        )
    return folder


def start_ingest(source: Path, archive: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "ingest", str(source), "--archive", str(archive), "--jobs", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def stored(archive: Path) -> int:
    """Documents committed so far, read the way any other reader would (0 before the first
    commit, or while the archive is still being created)."""
    path = archive / DB_NAME
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def wait_for(archive: Path, at_least: int, proc: subprocess.Popen[str], limit: float = 60) -> int:
    """Poll until `at_least` documents are committed; the count then (the ingest may be done)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        n = stored(archive)
        if n >= at_least or proc.poll() is not None:
            return n
        time.sleep(0.02)
    raise AssertionError(f"the ingest stored {stored(archive)} documents in {limit} s")
