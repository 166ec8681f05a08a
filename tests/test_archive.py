"""The archive through the CLI (click's CliRunner) and the library, on real SQLite files built
from the real seeds."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cableparse import archive as archive_module
from cableparse import article, cable, pipeline
from cableparse.archive import DB_NAME, Archive, ArchiveError, LookupFailed
from cableparse.cli import main

from .conftest import FIXTURES, SEED_CABLE, SEEDS, check_record

LACHIN_ARTICLES = {"003_b03d135d5a5f9bd4.txt", "004_4f865ef4cc9f496c.txt"}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh directory with a copy of seeds/, as the README's first command expects."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CABLEPARSE_ARCHIVE", raising=False)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def ingested(workdir: Path) -> Path:
    result = run("ingest", "seeds/")
    assert result.exit_code == 0, result.output
    return workdir


def test_ingest_seeds_reports_five_new(workdir: Path) -> None:
    result = run("ingest", "seeds/")
    assert result.exit_code == 0
    assert "5 new, 0 updated, 0 unchanged, 0 failed" in result.output
    assert (workdir / "archive" / DB_NAME).exists()


def test_second_ingest_changes_nothing(ingested: Path) -> None:
    result = run("ingest", "seeds/")
    assert "0 new, 0 updated, 5 unchanged, 0 failed" in result.output
    with Archive(ingested / "archive") as archive:
        assert archive.counts() == {"documents": 5, "versions": 5, "sources": 5}


def test_show_paragraph_ten_by_record_id_and_reference_id(ingested: Path) -> None:
    for form in ("BAKU-000433", "09BAKU433", "09baku000433", "baku 433"):
        result = run("show", form, "--para", "10")
        assert result.exit_code == 0, (form, result.output)
        assert result.output.startswith("BAKU-000433 ¶10 (09BAKU433)\n")
        assert "Abiyev said that Azerbaijan relies" in result.output
        # Paragraph 10 only: not 11, not 1.
        assert "closed its airspace" not in result.output
        assert "SUMMARY" not in result.output


def test_show_paragraph_ranges_and_missing_paragraph(ingested: Path) -> None:
    result = run("show", "09BAKU433", "--para", "2,3")
    assert "¶2 (09BAKU433)" in result.output and "¶3 (09BAKU433)" in result.output
    assert "¶4 " not in result.output
    result = run("show", "09BAKU433", "--para", "40")
    assert result.exit_code == 2
    assert "1-13" in result.output


def test_show_raw_paragraph_is_the_exact_source_span(ingested: Path) -> None:
    result = run("show", "BAKU-000433", "--para", "10", "--raw")
    source = SEED_CABLE.read_text(encoding="utf-8")
    assert result.output.rstrip("\n") in source
    assert result.output.startswith("¶10. (C) Abiyev said")


def test_show_json_is_the_stored_record(ingested: Path) -> None:
    result = run("show", "09BAKU433", "--json")
    record = json.loads(result.output)
    check_record(record)
    assert record["id"] == "BAKU-000433"
    assert record["cable"]["tags"][0] == "PGOV"


def test_show_unknown_id_exits_2_with_a_message(ingested: Path) -> None:
    result = run("show", "NOPE-000001")
    assert result.exit_code == 2
    assert "no document NOPE-000001" in result.output


def test_search_finds_the_two_lachin_articles_only(ingested: Path) -> None:
    result = run("search", "Lachin corridor")
    assert result.exit_code == 0
    with Archive(ingested / "archive") as archive:
        hits = archive.search("Lachin corridor")
        sources = {archive.resolve(h.id)["provenance"]["source"].split("/")[-1] for h in hits}
    assert sources == LACHIN_ARTICLES


def test_search_cites_cable_paragraphs(ingested: Path) -> None:
    with Archive(ingested / "archive") as archive:
        hits = archive.search("Caspian Maritime Security")
    assert [h.citation() for h in hits] == ["BAKU-000433 ¶12 (09BAKU433)"]


def test_list_by_tag_and_date(ingested: Path) -> None:
    result = run("list", "--tag", "prel", "--since", "2009-01-01", "--format", "json")
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == ["BAKU-000433"]
    result = run("list", "--tag", "PREL", "--since", "2010-01-01", "--format", "json")
    assert json.loads(result.output) == []


def test_list_table_prints_ids_whole_so_show_takes_them(ingested: Path) -> None:
    table = run("list").output.splitlines()
    ids = [line.split()[0] for line in table[1:]]
    assert len(ids) == 5
    for doc_id in ids:
        assert run("show", doc_id).exit_code == 0, doc_id


def test_export_jsonl_gives_valid_records(ingested: Path) -> None:
    result = run("export", "--format", "jsonl", "-o", "all.jsonl")
    assert result.exit_code == 0
    lines = (ingested / "all.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    for line in lines:
        check_record(json.loads(line))


def test_export_csv_has_a_row_per_paragraph(ingested: Path) -> None:
    run("export", "--format", "csv", "--kind", "cable", "-o", "cables.csv")
    import csv

    with open(ingested / "cables.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 13
    assert rows[9]["paragraph"] == "10" and rows[9]["id"] == "BAKU-000433"


def test_verify_passes_then_names_the_document_whose_bytes_changed(ingested: Path) -> None:
    assert run("verify").exit_code == 0
    db = sqlite3.connect(ingested / "archive" / DB_NAME)
    with db:
        (data,) = db.execute(
            "SELECT s.data FROM sources s JOIN documents d ON d.source_sha256 = s.sha256 "
            "WHERE d.id = 'BAKU-000433'"
        ).fetchone()
        changed = bytes([data[0] ^ 1]) + data[1:]
        db.execute(
            "UPDATE sources SET data = ? WHERE sha256 = "
            "(SELECT source_sha256 FROM documents WHERE id = 'BAKU-000433')",
            (changed,),
        )
    db.close()
    result = run("verify")
    assert result.exit_code == 1
    assert "BAKU-000433" in result.output


def test_original_bytes_come_back(ingested: Path) -> None:
    with Archive(ingested / "archive") as archive:
        for path in SEEDS.iterdir():
            data = path.read_bytes()
            import hashlib

            sha = hashlib.sha256(data).hexdigest()
            (stored,) = archive.db.execute(
                "SELECT data FROM sources WHERE sha256 = ?", (sha,)
            ).fetchone()
            assert stored == data


def test_changed_file_is_a_new_version_and_the_old_is_kept(ingested: Path) -> None:
    cable = ingested / "seeds" / SEED_CABLE.name
    cable.write_text(cable.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = run("ingest", "seeds/")
    assert "0 new, 1 updated, 4 unchanged" in result.output
    result = run("show", "09BAKU433", "--versions")
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("current") and lines[1].startswith("older")


def test_a_new_parser_version_stores_new_records_of_the_same_files(
    ingested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After an upgrade of the parser, ingesting the same files again must give the new records,
    # not report them unchanged; the old records stay as older versions.
    for module in (archive_module, cable, article):
        monkeypatch.setattr(module, "PARSER_VERSION", "99.0.0")
    result = run("ingest", "seeds/")
    assert "0 new, 5 updated, 0 unchanged, 0 failed" in result.output
    shown = json.loads(run("show", "09BAKU433", "--json").output)
    assert shown["provenance"]["parser_version"] == "99.0.0"
    with Archive(ingested / "archive") as stored:
        assert stored.counts() == {"documents": 5, "versions": 10, "sources": 5}
    assert "0 new, 0 updated, 5 unchanged" in run("ingest", "seeds/").output


def test_same_bytes_under_two_paths_are_one_source(ingested: Path) -> None:
    shutil.copy(SEED_CABLE, ingested / "again.txt")
    result = run("ingest", "again.txt")
    assert "1 unchanged" in result.output
    with Archive(ingested / "archive") as archive:
        record = archive.resolve("09BAKU433")
        [version] = archive.versions(record)
    assert sorted(version["paths"]) == ["again.txt", f"seeds/{SEED_CABLE.name}"]


def test_same_station_and_serial_in_two_years_is_ambiguous(ingested: Path) -> None:
    text = SEED_CABLE.read_text(encoding="utf-8").replace("O 010335Z JUN 09", "O 010335Z JUN 08")
    (ingested / "baku-2008.txt").write_text(text, encoding="utf-8")
    assert "1 new" in run("ingest", "baku-2008.txt").output
    result = run("show", "BAKU-000433")
    assert result.exit_code == 2
    assert "08BAKU433" in result.output and "09BAKU433" in result.output
    assert run("show", "08BAKU433", "--para", "10").exit_code == 0
    with Archive(ingested / "archive") as archive, pytest.raises(LookupFailed) as err:
        archive.resolve("baku 433")
    assert len(err.value.candidates) == 2


def test_a_failing_input_is_named_and_the_rest_is_ingested(workdir: Path) -> None:
    (workdir / "seeds" / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00")
    result = CliRunner().invoke(main, ["ingest", "seeds/", "missing.txt"])
    assert result.exit_code == 1
    assert "seeds/broken.txt:" in result.output
    assert "missing.txt: " in result.output
    assert "5 new" in result.output


def test_missing_archive_is_a_clear_error(workdir: Path) -> None:
    result = CliRunner().invoke(main, ["show", "BAKU-000433", "--archive", "nowhere"])
    assert result.exit_code == 1
    assert "no archive at nowhere" in result.output
    assert "Traceback" not in result.output


def test_corrupt_database_is_a_clear_error(workdir: Path) -> None:
    (workdir / "bad").mkdir()
    (workdir / "bad" / DB_NAME).write_bytes(b"this is not a database" * 100)
    result = CliRunner().invoke(main, ["show", "X", "--archive", "bad"])
    assert result.exit_code == 1
    assert "not a usable cableparse archive" in result.output
    with pytest.raises(ArchiveError):
        Archive(workdir / "bad")


def test_read_only_archive_is_a_clear_error(ingested: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes to read-only files")
    (ingested / "archive").chmod(0o555)
    try:
        result = CliRunner().invoke(main, ["ingest", str(FIXTURES / "cablegate-dev")])
        assert result.exit_code != 0
        assert "Traceback" not in result.output
    finally:
        (ingested / "archive").chmod(0o755)


def test_library_ingest_of_a_real_corpus(tmp_path: Path) -> None:
    from cableparse.sources import iter_sources

    with Archive(tmp_path / "a", create=True) as archive:
        report = pipeline.ingest(iter_sources(FIXTURES / "cablegate-dev"), archive, asked="dev")
        assert report.new == 40 and report.failed == 0
        record: dict[str, Any] = archive.resolve("09baku139")
    assert record["title"].startswith("HOW IRAN BUILDS INFLUENCE")


def test_the_look_up_commands_start_without_loading_the_parsers() -> None:
    # show, search, list and export read the archive only: loading lark, lxml and the
    # parsers' patterns was two thirds of their start-up.
    code = "import sys, cableparse.cli; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "cableparse.archive" in loaded
    heavy = {"lark", "lxml", "cableparse.parsing", "cableparse.lexer", "cableparse.article"}
    assert heavy.isdisjoint(loaded)


def test_a_station_written_short_or_cut_finds_the_cable(workdir: Path) -> None:
    # Station names are read the same way in the cable and in what a user types: WikiLeaks'
    # spelling, from a short form (RIO) or a cut one (RIODEJAN).
    (workdir / "rio.txt").write_text(
        "O 010335Z JUN 09\nUNCLAS RIO DE JANEIRO 000123\nTAGS: PREL\nSUBJECT: A TEST\n\n"
        "1. Text of the cable.\n",
        encoding="utf-8",
    )
    assert run("ingest", "rio.txt").exit_code == 0
    for form in ("09RIODEJANEIRO123", "09RIODEJAN123", "09rio123", "RIO 123"):
        result = run("show", form, "--para", "1")
        assert result.exit_code == 0, (form, result.output)
        assert result.output.startswith("RIODEJANEIRO-000123 ¶1 (09RIODEJANEIRO123)\n")
