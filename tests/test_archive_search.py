"""Search ranks like FTS5's bm25 over the real development cables, a word found nearly
everywhere is ranked among its most recent matches, and versions of one cable ingested in one
run are counted and made current as if stored one at a time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cableparse import archive as archive_module
from cableparse import pipeline
from cableparse.archive import Archive
from cableparse.cli import main
from cableparse.sources import iter_sources

from .conftest import FIXTURES, SEED_CABLE


@pytest.fixture(scope="module")
def dev_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("search") / "archive"
    with Archive(folder, create=True) as archive:
        report = pipeline.ingest(iter_sources(FIXTURES / "cablegate-dev"), archive, asked="dev")
    assert report.new == 40
    return folder


def bm25_order(archive: Archive, word: str) -> list[tuple[str, int | None]]:
    """Every paragraph that has the word, best first, as FTS5 ranks them itself."""
    rows = archive.db.execute(
        "SELECT d.id, p.number FROM paragraphs_fts "
        "JOIN paragraphs p ON p.rowid = paragraphs_fts.rowid "
        "JOIN documents d ON d.key = p.document "
        "WHERE paragraphs_fts MATCH ? ORDER BY rank, paragraphs_fts.rowid DESC",
        (f'"{word}"',),
    ).fetchall()
    return [(doc_id, number) for doc_id, number in rows]


@pytest.mark.parametrize("word", ["government", "said", "minister"])
def test_search_ranks_paragraphs_as_bm25_does(dev_archive: Path, word: str) -> None:
    with Archive(dev_archive) as archive:
        expected = bm25_order(archive, word)
        assert len(expected) > 20, "the word should be common in the dev cables"
        hits = archive.search(word, limit=20)
    assert [(h.id, h.number) for h in hits] == expected[:20]
    assert all(f"[{word.upper()}]" in h.snippet.upper() for h in hits)


def test_a_word_found_everywhere_is_ranked_among_its_latest_matches(
    dev_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Archive(dev_archive) as archive:
        everywhere = bm25_order(archive, "the")
        latest = archive.db.execute(
            "SELECT rowid FROM paragraphs_fts WHERE paragraphs_fts MATCH '\"the\"' "
            "ORDER BY rowid DESC LIMIT 50"
        ).fetchall()
        monkeypatch.setattr(archive_module, "RANKED_AT_MOST", 50)
        hits = archive.search("the", limit=10)
        candidates = {
            (doc_id, number)
            for doc_id, number in archive.db.execute(
                "SELECT d.id, p.number FROM paragraphs p JOIN documents d ON d.key = p.document "
                "WHERE p.rowid >= ?",
                (min(r for (r,) in latest),),
            )
        }
    assert len(everywhere) > 50
    assert len(hits) == 10
    found = [(h.id, h.number) for h in hits]
    assert set(found) <= candidates
    # Best first among the candidates: bm25's order with the others left out.
    assert found == [hit for hit in everywhere if hit in candidates][:10]


def test_a_word_only_in_a_subject_finds_the_cable_by_its_title(dev_archive: Path) -> None:
    # 02BOGOTA1025's SUBJECT: "PUBLIC PROTESTS GROW IN THE FACE OF FARC ATTACKS"; no paragraph
    # of the dev cables has the word.
    with Archive(dev_archive) as archive:
        hits = archive.search("protests")
    assert [(h.id, h.number, h.title) for h in hits] == [
        ("BOGOTA-001025", None, "PUBLIC PROTESTS GROW IN THE FACE OF FARC ATTACKS")
    ]


def test_the_full_text_index_matches_the_paragraphs_with_its_bulk_setting(
    dev_archive: Path,
) -> None:
    with Archive(dev_archive) as archive:
        # FTS5's own check: raises when the index and the paragraphs it indexes differ.
        archive.db.execute("INSERT INTO paragraphs_fts(paragraphs_fts) VALUES ('integrity-check')")
        (hash_bytes,) = archive.db.execute(
            "SELECT v FROM paragraphs_fts_config WHERE k = 'hashsize'"
        ).fetchone()
    # Pending terms are written out in 16 MB segments, not FTS5's default 1 MB.
    assert hash_bytes == 16 * 1024 * 1024


def test_versions_of_one_cable_in_one_run_are_new_then_updated(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    text = SEED_CABLE.read_text(encoding="utf-8")
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "b.txt").write_text(text.replace("Abiyev", "Abiev"), encoding="utf-8")
    shutil.copy(folder / "a.txt", folder / "c.txt")
    archive = str(tmp_path / "archive")
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(folder), "--archive", archive])
    # c.txt has a.txt's bytes: an older version, already stored in this very run.
    assert "1 new, 1 updated, 1 unchanged, 0 failed" in result.output
    versions = runner.invoke(main, ["show", "09BAKU433", "--versions", "--archive", archive])
    assert [line.split()[0] for line in versions.output.strip().splitlines()] == [
        "current",
        "older",
    ]
    shown = runner.invoke(main, ["show", "09BAKU433", "--para", "10", "--archive", archive])
    assert "Abiev said" in shown.output
    with Archive(archive) as a:
        assert a.search("Abiyev") == []
        # Each paragraph once, from the current version only.
        named = [p["number"] for p in a.resolve("09BAKU433")["paragraphs"] if "Abiev" in p["text"]]
        hits = a.search("Abiev")
        assert {h.id for h in hits} == {"BAKU-000433"}
        assert sorted(h.number for h in hits if h.number is not None) == sorted(named)
        assert a.verify() == []
