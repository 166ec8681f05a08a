"""A killed ingest leaves a sound archive: SIGKILL an ingest part way (no handler runs, no
rollback code), then `verify` passes and a second ingest completes the job with the right
counts. Each batch is one SQLite transaction in WAL mode, so what was committed stays and what
was not disappears."""

from __future__ import annotations

import hashlib
import re
import signal
import sqlite3
from pathlib import Path

import pytest

from cableparse.archive import DB_NAME
from cableparse.pipeline import BATCH

from .ingesting import make_corpus, run_cli, start_ingest, stored, wait_for

TOTAL = 2000


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_ingest_then_verify_and_a_second_ingest(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", TOTAL)
    archive = tmp_path / "archive"
    proc = start_ingest(corpus, archive)
    # After the first batch is committed and well before the last: a kill in mid-run.
    reached = wait_for(archive, BATCH, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"
    kept = stored(archive)
    assert BATCH <= reached <= kept < TOTAL
    assert kept % BATCH == 0, "a batch was half written"

    check = run_cli("verify", "--archive", str(archive))
    assert check.returncode == 0, check.stderr
    assert f"{kept} documents" in check.stdout

    again = run_cli("ingest", str(corpus), "--archive", str(archive), "--jobs", "1")
    assert again.returncode == 0, again.stderr
    counts = re.search(r"(\d+) new, (\d+) updated, (\d+) unchanged, (\d+) failed", again.stdout)
    assert counts is not None, again.stdout
    new, updated, unchanged, failed = map(int, counts.groups())
    assert (new, updated, unchanged, failed) == (TOTAL - kept, 0, kept, 0)

    final = run_cli("verify", "--archive", str(archive))
    assert final.returncode == 0, final.stderr
    assert f"{TOTAL} documents, {TOTAL} versions, {TOTAL} sources: ok" in final.stdout
    # Nothing lost: every file's bytes come back from the archive as they were.
    with sqlite3.connect(archive / DB_NAME) as db:
        stored_bytes = dict(db.execute("SELECT sha256, data FROM sources"))
    for path in corpus.iterdir():
        data = path.read_bytes()
        assert stored_bytes[hashlib.sha256(data).hexdigest()] == data
