"""A damaged archive, made so in tests from a real one (the corpus fixtures ingested): bytes
overwritten in a data page, in the sources table's pages, in the full-text index only; a file
cut short; the write-ahead log deleted mid-ingest; a zero-length file. For each: verify's
finding, ingest's refusal (nothing is written), what recover brings back, and no traceback
(CliRunner here re-raises any exception)."""

from __future__ import annotations

import hashlib
import itertools
import random
import shutil
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cableparse import pipeline
from cableparse.archive import DB_NAME, Archive
from cableparse.cli import main
from cableparse.pipeline import BATCH
from cableparse.sources import read_file

from .conftest import FIXTURES, SEEDS
from .ingesting import make_corpus, run_cli, start_ingest, wait_for

PAGE = 4096


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of every corpus fixture (cables as text, HTML pages and a cables.csv,
    articles), read only by the tests: each damages a copy."""
    folder = tmp_path_factory.mktemp("original") / "archive"
    result = run("ingest", str(FIXTURES), "--archive", str(folder), "--jobs", "1")
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def archive(original: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "archive"
    shutil.copytree(original, copy)
    return copy


def records(folder: Path) -> dict[tuple[str, str], str]:
    """Every stored record by its identity and its source's sha256."""
    with closing(sqlite3.connect(folder / DB_NAME)) as db:
        rows = db.execute("SELECT identity, source_sha256, record FROM documents").fetchall()
    return {(ident, sha): record for ident, sha, record in rows}


def sources(folder: Path) -> dict[str, bytes]:
    with closing(sqlite3.connect(folder / DB_NAME)) as db:
        return dict(db.execute("SELECT sha256, data FROM sources").fetchall())


def leaf_pages(folder: Path, table: str) -> list[int]:
    with closing(sqlite3.connect(folder / DB_NAME)) as db:
        sql = "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno"
        return [p for (p,) in db.execute(sql, (table,))]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for k in range(9):
        byte = data[pos + k]
        if k == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + k + 1
    raise AssertionError("unreachable")


def rowids_on(db_file: Path, page: int) -> list[int]:
    """The rowids of the cells of a table's leaf page, read from the file's bytes as SQLite's
    file format lays them out (independent of the code under test)."""
    with db_file.open("rb") as f:
        f.seek((page - 1) * PAGE)
        data = f.read(PAGE)
    assert data[0] == 13, "not a table leaf page"
    cells = int.from_bytes(data[3:5], "big")
    out = []
    for k in range(cells):
        pointer = int.from_bytes(data[8 + 2 * k : 10 + 2 * k], "big")
        _, pos = _varint(data, pointer)  # the payload's size
        rowid, _ = _varint(data, pos)
        out.append(rowid)
    return out


def overwrite(db_file: Path, page: int) -> None:
    """The whole page overwritten with random bytes (a bad sector)."""
    with db_file.open("r+b") as f:
        f.seek((page - 1) * PAGE)
        f.write(random.Random(page).randbytes(PAGE))


def digest(folder: Path) -> str:
    return hashlib.sha256((folder / DB_NAME).read_bytes()).hexdigest()


def assert_refused(folder: Path, why: str) -> None:
    """An ingest into the damaged archive fails, says why and how to recover, and does not
    change a byte of the database."""
    before = digest(folder)
    result = run("ingest", str(SEEDS), "--archive", str(folder), "--jobs", "1")
    assert result.exit_code == 1
    assert "damaged archive" in result.output and why in result.output
    assert "nothing was written" in result.output
    assert f"cableparse recover {folder}" in result.output
    assert digest(folder) == before
    assert not (folder / f"{DB_NAME}-wal").exists()


def assert_one_line_error(result: Result, why: str) -> None:
    assert result.exit_code == 1
    assert result.output.count("\n") == 1, result.output
    assert "damaged archive:" in result.output and why in result.output


def test_a_damaged_data_page(original: Path, archive: Path) -> None:
    pages = leaf_pages(archive, "documents")
    page = pages[len(pages) // 2]
    on_page = rowids_on(archive / DB_NAME, page)
    assert on_page
    overwrite(archive / DB_NAME, page)
    total = len(records(original))

    # A read that reaches the page says so in one line.
    assert_one_line_error(run("list", "--archive", str(archive)), "malformed")
    checked = run("verify", "--archive", str(archive))
    assert checked.exit_code == 1
    assert "damaged archive" in checked.output
    assert "unreadable: table documents" in checked.output
    assert "readable tables: meta, sources, source_paths, paragraphs" in checked.output
    stored = len(sources(original))
    assert f"readable: {stored} stored sources, {total - len(on_page)} records" in checked.output
    assert f"cableparse recover {archive}" in checked.output
    # The page is in the middle of the table, where no cheap check looks: verify's finding,
    # kept beside the database, is what the next ingest refuses on.
    assert_refused(archive, "verify found it damaged")

    new = archive.parent / "recovered"
    result = run("recover", str(archive), "--archive", str(new))
    assert result.exit_code == 0, result.output
    assert f"{stored} sources saved" in result.output and ", 0 lost;" in result.output
    # The sources' pages are intact: every record comes back, equal to a fresh ingest's.
    assert records(new) == records(original)
    assert run("verify", "--archive", str(new)).exit_code == 0


def test_damage_in_the_sources_tables_pages(original: Path, archive: Path) -> None:
    pages = leaf_pages(archive, "sources")
    page = pages[len(pages) // 2]
    with closing(sqlite3.connect(archive / DB_NAME)) as db:
        # A cables.csv row is named by its row too.
        lost = {
            sha: path if row is None else f"{path} row {row}"
            for rowid in rowids_on(archive / DB_NAME, page)
            for sha, path, row in db.execute(
                "SELECT s.sha256, p.path, p.row FROM sources s JOIN source_paths p USING (sha256) "
                "WHERE s.rowid = ?",
                (rowid,),
            )
        }
    assert lost
    overwrite(archive / DB_NAME, page)
    stored = len(sources(original))

    checked = run("verify", "--archive", str(archive))
    assert checked.exit_code == 1
    assert "unreadable: table sources" in checked.output
    assert f"readable: {stored - len(lost)} stored sources" in checked.output
    assert_refused(archive, "verify found it damaged")

    # Python's reading alone (no sqlite3 tool): every source on another page comes back.
    new = archive.parent / "recovered"
    result = run("recover", str(archive), "--archive", str(new), "--sqlite3", "")
    assert result.exit_code == 1
    for sha, path in lost.items():
        assert f"lost: {path} (sha256 {sha})" in result.output
    assert f"{stored - len(lost)} sources saved" in result.output
    expected = {k: v for k, v in records(original).items() if k[1] not in lost}
    assert records(new) == expected
    assert set(sources(new)) == set(sources(original)) - set(lost)


def test_damage_in_the_full_text_index_only(original: Path, archive: Path) -> None:
    pages = leaf_pages(archive, "paragraphs_fts_data")
    overwrite(archive / DB_NAME, pages[len(pages) // 2])
    total = len(records(original))
    stored = len(sources(original))

    checked = run("verify", "--archive", str(archive))
    assert checked.exit_code == 1
    assert "unreadable: full-text index paragraphs_fts" in checked.output
    assert "unreadable: table" not in checked.output
    assert f"readable: {stored} stored sources, {total} records" in checked.output
    assert_refused(archive, "verify found it damaged")

    new = archive.parent / "recovered"
    result = run("recover", str(archive), "--archive", str(new))
    assert result.exit_code == 0, result.output
    assert records(new) == records(original)
    # The index is made again whole: a search answers as in the undamaged archive.
    for query in ("embassy", "minister"):
        ours = run("search", query, "--archive", str(new), "--limit", "50").output
        assert ours == run("search", query, "--archive", str(original), "--limit", "50").output
        assert "¶" in ours


def test_a_file_cut_short(original: Path, archive: Path) -> None:
    db_file = archive / DB_NAME
    pages = db_file.stat().st_size // PAGE
    with db_file.open("r+b") as f:
        f.truncate(pages * 6 // 10 * PAGE)
    size = db_file.stat().st_size

    # Found before any page is read: by show, and by ingest without a verify first.
    assert_one_line_error(run("show", "09BAKU139", "--archive", str(archive)), "cut short")
    assert_refused(archive, "cut short")
    assert db_file.stat().st_size == size
    checked = run("verify", "--archive", str(archive))
    assert checked.exit_code == 1
    assert f"header counts {pages} pages" in checked.output

    new = archive.parent / "recovered"
    result = run("recover", str(archive), "--archive", str(new))
    saved = sources(new)
    assert 0 < len(saved) < len(sources(original))
    # The rows of the lost sources and their paths were past the cut; the runs table, near the
    # start of the file, still counts what the archive held.
    assert result.exit_code == 1
    total = len(records(original))
    assert f"runs count {total} documents stored, {len(records(new))} are made again" in (
        result.output
    )
    assert f"{len(saved)} sources saved" in result.output
    original_records = records(original)
    with closing(sqlite3.connect(new / DB_NAME)) as db:
        rows = db.execute("SELECT identity, source_sha256, source_path, record FROM documents")
        for ident, sha, path, record in rows:
            assert saved[sha] == sources(original)[sha]
            if not path.startswith("sha256:"):
                # Its path survived the cut: the record is a fresh ingest's.
                assert record == original_records[(ident, sha)]


def test_the_write_ahead_log_deleted_mid_ingest(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", 3000)
    archive = tmp_path / "archive"
    proc = start_ingest(corpus, archive)
    wait_for(archive, 2 * BATCH, proc)
    (archive / f"{DB_NAME}-wal").unlink()
    proc.communicate(timeout=300)

    checked = run_cli("verify", "--archive", str(archive))
    assert checked.returncode == 1, checked.stderr
    assert "Traceback" not in checked.stdout + checked.stderr
    assert "write-ahead log cableparse.db-wal was deleted" in checked.stdout
    # What the database file holds is whole batches: the log lost the rest.
    readable = int(checked.stdout.split("readable: ")[-1].split(" stored sources")[0])
    assert readable % BATCH == 0 and 0 < readable <= 3000
    shown = run_cli("show", "BAKU-000001", "--archive", str(archive))
    assert shown.returncode == 1 and "damaged archive: its write-ahead log" in shown.stderr
    assert "Traceback" not in shown.stderr
    assert_refused(archive, "write-ahead log")

    new = tmp_path / "recovered"
    result = run("recover", str(archive), "--archive", str(new))
    assert result.exit_code == 0, result.output
    assert f"{readable} new, 0 updated, 0 unchanged, 0 failed" in result.output
    # The records are those of an ingest of the same files.
    with closing(sqlite3.connect(new / DB_NAME)) as db:
        paths = [Path(p) for (p,) in db.execute("SELECT source_path FROM documents")]
    fresh = tmp_path / "fresh"
    with Archive(fresh, create=True) as a:
        pipeline.ingest(itertools.chain.from_iterable(read_file(p) for p in paths), a)
    assert records(new) == records(fresh)


def test_a_zero_length_file(archive: Path) -> None:
    (archive / DB_NAME).write_bytes(b"")

    assert_one_line_error(run("search", "embassy", "--archive", str(archive)), "file is empty")
    assert_refused(archive, "the file is empty")
    assert (archive / DB_NAME).stat().st_size == 0
    checked = run("verify", "--archive", str(archive))
    assert checked.exit_code == 1
    assert "the file is empty (0 bytes)" in checked.output
    assert "readable: 0 stored sources, 0 records" in checked.output
    result = run("recover", str(archive), "--archive", str(archive.parent / "recovered"))
    assert result.exit_code == 1
    assert "0 sources saved" in result.output


def test_verify_of_a_sound_archive_leaves_no_note_and_ingest_goes_on(archive: Path) -> None:
    assert run("verify", "--archive", str(archive)).exit_code == 0
    assert not (archive / f"{DB_NAME}-damaged").exists()
    result = run("ingest", str(SEEDS), "--archive", str(archive), "--jobs", "1")
    assert result.exit_code == 0, result.output


def test_backup_while_an_ingest_runs_is_one_consistent_archive(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", 2000)
    archive = tmp_path / "archive"
    proc = start_ingest(corpus, archive)
    wait_for(archive, BATCH, proc)
    copy = tmp_path / "backup"
    result = run("backup", "--archive", str(archive), str(copy))
    assert result.exit_code == 0, result.output
    assert proc.wait(timeout=300) == 0
    checked = run("verify", "--archive", str(copy))
    assert checked.exit_code == 0, checked.output
    with Archive(copy) as backed_up:
        documents = backed_up.counts()["documents"]
    # A snapshot between two batches: whole batches only.
    assert documents % BATCH == 0 and 0 < documents <= 2000
    again = run("backup", "--archive", str(archive), str(copy))
    assert again.exit_code == 1 and "holds an archive already" in again.output


def test_damage_only_a_write_reaches_rolls_the_batch_back(archive: Path) -> None:
    # The index of the sources' sha256s, which every stored batch looks into (and the check
    # before a write does not read): its root page damaged.
    with closing(sqlite3.connect(archive / DB_NAME)) as db:
        (root,) = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_sources_1'"
        ).fetchone()
        before = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    overwrite(archive / DB_NAME, root)
    result = run("ingest", str(SEEDS), "--archive", str(archive), "--jobs", "1")
    assert result.exit_code == 1
    assert "damaged archive: database disk image is malformed" in result.output
    assert "this batch was rolled back" in result.output
    with closing(sqlite3.connect(archive / DB_NAME)) as db:
        assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == before


def test_a_file_whose_first_page_is_gone(archive: Path) -> None:
    overwrite(archive / DB_NAME, 1)
    checked = run("verify", "--archive", str(archive))
    assert checked.exit_code == 1
    assert "does not start as an SQLite database does" in checked.output
    assert "readable: 0 stored sources, 0 records" in checked.output
    shown = CliRunner().invoke(main, ["show", "X", "--archive", str(archive)])
    assert shown.exit_code == 1 and "not a usable cableparse archive" in shown.output


FAKE_RECOVER = """#!{python}
import sqlite3, sys
if sys.argv[1] == "-readonly":
    assert sys.argv[2].endswith("?immutable=1") and sys.argv[3] == ".recover"
    db = sqlite3.connect({original!r})
    print("CREATE TABLE lost_and_found(rootpgno, pgno, nfield, id, c0, c1, c2, c3, c4);")
    for rowid, sha, size, fmt, enc, data in db.execute(
        "SELECT rowid, * FROM sources WHERE rowid IN ({rowids})"
    ):
        print(
            f"INSERT INTO lost_and_found VALUES (4, 1, 5, {{rowid}}, '{{sha}}', {{size}}, "
            f"'{{fmt}}', '{{enc}}', X'{{data.hex()}}');"
        )
else:
    sqlite3.connect(sys.argv[1]).executescript(sys.stdin.read())
"""


def test_rows_that_sqlite3_recover_finds_come_back(
    original: Path, archive: Path, tmp_path: Path
) -> None:
    # A stand-in for SQLite's command-line tool, for its `.recover` (Debian 12's stops at the
    # first indexed table): it gives the rows of the damaged page as .recover gives rows that
    # no table leads to, in lost_and_found (rootpgno, pgno, nfield, id, then the fields).
    pages = leaf_pages(archive, "sources")
    page = pages[len(pages) // 2]
    on_page = rowids_on(archive / DB_NAME, page)
    overwrite(archive / DB_NAME, page)
    tool = tmp_path / "sqlite3"
    tool.write_text(
        FAKE_RECOVER.format(
            python=sys.executable,
            original=str(original / DB_NAME),
            rowids=",".join(map(str, on_page)),
        ),
        encoding="utf-8",
    )
    tool.chmod(0o755)
    new = tmp_path / "recovered"
    result = run("recover", str(archive), "--archive", str(new), "--sqlite3", str(tool))
    assert result.exit_code == 0, result.output
    assert "(read from sqlite3 .recover and the archive's own rows), 0 lost" in result.output
    assert records(new) == records(original)


def test_a_new_archive_is_whole_from_the_start(tmp_path: Path) -> None:
    # Made under a name of its own and linked into place: the database is never seen empty
    # (which is damage), and nothing of the making is left beside it.
    with Archive(tmp_path / "a", create=True) as made:
        assert made.path.stat().st_size > 0
        made.check_writable()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [DB_NAME]
