"""One archive, several processes: two ingests at once both finish with the right counts, and
`show`, `search` and `verify` answer while an ingest writes."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

from click.testing import CliRunner

from cableparse.archive import DB_NAME, Archive, ArchiveError
from cableparse.cli import main
from cableparse.pipeline import BATCH

from .ingesting import make_corpus, run_cli, start_ingest, wait_for

TOTAL = 700


def counts_of(output: str) -> tuple[int, int, int, int]:
    m = re.search(r"(\d+) new, (\d+) updated, (\d+) unchanged, (\d+) failed", output)
    assert m is not None, output
    new, updated, unchanged, failed = map(int, m.groups())
    return new, updated, unchanged, failed


def test_two_ingests_of_the_same_files_at_once(tmp_path: Path) -> None:
    # Both start on an archive that does not exist yet: creating it races too.
    corpus = make_corpus(tmp_path / "corpus", TOTAL)
    archive = tmp_path / "archive"
    procs = [start_ingest(corpus, archive) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    reports = [counts_of(out) for out, _ in outputs]
    for new, updated, unchanged, failed in reports:
        assert (updated, failed) == (0, 0)
        assert new + unchanged == TOTAL
    # Every document was stored once, by one or the other.
    assert sum(r[0] for r in reports) == TOTAL
    with Archive(archive) as a:
        assert a.counts() == {"documents": TOTAL, "versions": TOTAL, "sources": TOTAL}
        assert a.verify() == []


def test_two_ingests_of_different_files_at_once(tmp_path: Path) -> None:
    first = make_corpus(tmp_path / "a", TOTAL // 2)
    second = make_corpus(tmp_path / "b", TOTAL // 2, first=TOTAL)
    archive = tmp_path / "archive"
    procs = [start_ingest(first, archive), start_ingest(second, archive)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert counts_of(out) == (TOTAL // 2, 0, 0, 0)
    with Archive(archive) as a:
        assert a.counts()["documents"] == TOTAL


def test_show_search_and_verify_answer_while_an_ingest_writes(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", 2 * BATCH)
    archive = tmp_path / "archive"
    proc = start_ingest(corpus, archive)
    wait_for(archive, BATCH, proc)
    runner = CliRunner()
    answered = during = 0
    while proc.poll() is None or answered < 3:
        shown = runner.invoke(main, ["show", "09BAKU1", "--archive", str(archive), "--para", "1"])
        assert shown.exit_code == 0, shown.output
        assert "Paragraph one of cable 1." in shown.output
        found = runner.invoke(main, ["search", "generated", "--archive", str(archive)])
        assert found.exit_code == 0, found.output
        assert "BAKU-" in found.output
        answered += 1
        during += proc.poll() is None
    checked = run_cli("verify", "--archive", str(archive))
    assert checked.returncode == 0, checked.stderr
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert counts_of(out) == (2 * BATCH, 0, 0, 0)
    assert during >= 1, "the ingest ended before anything was asked"


def test_a_writer_that_must_wait_says_so_and_then_finishes(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", 20)
    archive = tmp_path / "archive"
    Archive(archive, create=True).close()
    # Another writer in the middle of a long batch: holds the write lock past the quiet wait.
    holder = sqlite3.connect(archive / DB_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    proc = start_ingest(corpus, archive)
    # The lock is let go once the ingest has said that it waits, not after a fixed time: how
    # long the ingest takes to start and reach the lock depends on the machine's load.
    assert proc.stderr is not None
    said = proc.stderr.readline()
    assert "another process is writing to this archive; waiting" in said
    assert proc.poll() is None, "the ingest did not wait for the lock"
    holder.execute("ROLLBACK")
    holder.close()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, said + err
    assert counts_of(out) == (20, 0, 0, 0)


def _open_at_once(location: Path, openers: int) -> list[str]:
    """`openers` threads open (creating it) the archive at `location` at the same moment; the
    errors they met."""
    start = threading.Barrier(openers)
    errors: list[str] = []

    def open_it() -> None:
        start.wait()
        try:
            Archive(location, create=True).close()
        except ArchiveError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=open_it) for _ in range(openers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_many_openers_creating_one_archive_at_once_all_open_it(tmp_path: Path) -> None:
    # The race of the first test, made frequent: six openers at once on a path with no archive,
    # thirty times. One that read the schema between another's commit of it took the new
    # archive for a foreign database ("an SQLite database, but not a cableparse archive").
    for round_ in range(30):
        location = tmp_path / f"archive-{round_}"
        errors = _open_at_once(location, 6)
        assert errors == [], f"round {round_}: {errors[0]}"
        with Archive(location) as archive:
            assert archive.counts()["documents"] == 0
