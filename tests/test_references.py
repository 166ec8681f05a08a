"""The citation graph: the references table, `show --refs`, `show --cited-by`, the export of
the table and the migration that fills it, on real cables (tests/fixtures/refs/README.md: two
real cables and two minimal ones written to cite them)."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cableparse import pipeline
from cableparse.archive import DB_NAME, Archive
from cableparse.cli import main
from cableparse.inputs import Source
from cableparse.sources import iter_sources
from cableparse.store import reference_rows

from .conftest import FIXTURES

REFS = FIXTURES / "refs"
DEV = FIXTURES / "cablegate-dev"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def ingest(archive: Path, *paths: Path) -> None:
    with Archive(archive, create=True) as store:
        report = pipeline.ingest(pipeline.read_inputs([str(p) for p in paths]), store)
    assert report.failed == 0, [str(f) for f in report.failures]


@pytest.fixture
def refs_archive(tmp_path: Path) -> Path:
    ingest(tmp_path / "archive", REFS)
    return tmp_path / "archive"


def test_refs_name_the_archived_cables_with_title_and_date(refs_archive: Path) -> None:
    with Archive(refs_archive) as archive:
        links = archive.refs(archive.resolve("09BAKU150"))
    # "A. BAKU 139" has no year: it takes the citing cable's, 2009.
    assert [(k.label, k.text, k.cited_id) for k in links] == [
        ("A", "BAKU 139", "09BAKU139"),
        ("B", "09 YEREVAN 20", "09YEREVAN20"),
        ("C", "STATE 12345", "09STATE12345"),
        ("D", "EMAIL FROM POLOFF, 02/27/09", None),
    ]
    assert [[d.id for d in k.cited] for k in links] == [
        ["BAKU-000139"],
        ["YEREVAN-000020"],
        [],
        [],
    ]
    # The titles and dates are the real cables' (tests/fixtures/refs/*.json).
    assert links[0].cited[0].title == "HOW IRAN BUILDS INFLUENCE: CULTURE HOUSE AND RED CRESCENT"
    assert links[0].cited[0].date is not None and links[0].cited[0].date[:10] == "2009-02-20"
    assert links[1].cited[0].date is not None and links[1].cited[0].date[:10] == "2009-01-14"
    assert [k.kind for k in links] == ["cable", "cable", "cable", "email"]


def test_show_refs_says_what_the_archive_does_not_hold(refs_archive: Path) -> None:
    result = run("show", "09baku139", "--refs", "--archive", str(refs_archive))
    assert result.exit_code == 0
    # The real cable's REF lines: BAKU 132 and 2008 BAKU 1069, neither of them here.
    assert "A. BAKU 132  [cable, 09BAKU132]\n      not in the archive" in result.output
    assert "B. 2008 BAKU 1069 AND PREVIOUS  [cable, 08BAKU1069]\n      not in the archive" in (
        result.output
    )
    result = run("show", "BAKU-000150", "--refs", "--archive", str(refs_archive))
    assert "BAKU-000139 (09BAKU139)  2009-02-20  HOW IRAN BUILDS INFLUENCE" in result.output
    assert "C. STATE 12345  [cable, 09STATE12345]\n      not in the archive" in result.output


def test_cited_by_lists_the_citing_cables_by_date(refs_archive: Path) -> None:
    with Archive(refs_archive) as archive:
        links = archive.cited_by(archive.resolve("BAKU 139"))
    # YEREVAN 30 (21 Feb) before BAKU 150 (1 Mar), whatever the order they were stored in.
    assert [(k.citing.id, k.text) for k in links] == [
        ("YEREVAN-000030", "2009 BAKU 139"),
        ("BAKU-000150", "BAKU 139"),
    ]
    result = run("show", "09BAKU139", "--cited-by", "--archive", str(refs_archive))
    assert result.exit_code == 0
    assert result.output.index("YEREVAN-000030") < result.output.index("BAKU-000150")
    assert "REF A: BAKU 139" in result.output


def test_a_cable_without_references_and_one_nobody_cites_say_so(refs_archive: Path) -> None:
    result = run("show", "09YEREVAN30", "--cited-by", "--archive", str(refs_archive))
    assert result.exit_code == 0
    assert result.output == "no cable in the archive cites YEREVAN-000030 (09YEREVAN30)\n"
    seeds = refs_archive.parent / "seeds"
    ingest(seeds, FIXTURES.parent.parent / "seeds")
    result = run("show", "BAKU-000433", "--refs", "--archive", str(seeds))
    assert result.exit_code == 0
    assert "BAKU-000433 (09BAKU433) has no references" in result.output


def test_unknown_id_names_the_nearest_ids(refs_archive: Path) -> None:
    for args in (["show", "BAKU-000149", "--refs"], ["show", "BAKU 151", "--cited-by"]):
        result = run(*args, "--archive", str(refs_archive))
        assert result.exit_code == 2
        assert "no document" in result.output
        assert "closest ids: " in result.output and "BAKU-000150" in result.output


def test_a_cited_cable_ingested_later_is_found(tmp_path: Path) -> None:
    archive_dir = tmp_path / "archive"
    ingest(archive_dir, REFS / "09BAKU150.txt")
    with Archive(archive_dir) as archive:
        record = archive.resolve("09BAKU150")
        assert archive.refs(record)[0].cited == ()
    ingest(archive_dir, REFS / "09BAKU139.txt")
    with Archive(archive_dir) as archive:
        assert [d.id for d in archive.refs(record)[0].cited] == ["BAKU-000139"]
        assert [k.citing.id for k in archive.cited_by(archive.resolve("09BAKU139"))] == [
            "BAKU-000150"
        ]


def test_a_new_version_of_the_citing_cable_is_the_one_listed(tmp_path: Path) -> None:
    archive_dir = tmp_path / "archive"
    ingest(archive_dir, REFS)
    changed = tmp_path / "09BAKU150.txt"
    text = (REFS / "09BAKU150.txt").read_text(encoding="utf-8")
    changed.write_text(text.replace("B. 09 YEREVAN 20", "B. 09 YEREVAN 21"), encoding="utf-8")
    ingest(archive_dir, changed)
    with Archive(archive_dir) as archive:
        record = archive.resolve("09BAKU150")
        assert [k.cited_id for k in archive.refs(record)][:2] == ["09BAKU139", "09YEREVAN21"]
        # The older version's REF B no longer counts as a citation of YEREVAN 20.
        assert archive.cited_by(archive.resolve("09YEREVAN20")) == []
        assert len(archive.cited_by(archive.resolve("09BAKU139"))) == 2


def test_every_reference_span_is_its_text_in_real_cables(tmp_path: Path) -> None:
    """The span of each REF item holds the item as the cable writes it, on every cable of the
    fixtures (labels, second REF sections, items over two lines)."""
    from cableparse.parsing import parse_source

    checked = 0
    for folder in (DEV, FIXTURES / "cablegate-html", REFS):
        for src in iter_sources(folder):
            assert isinstance(src, Source)
            doc = parse_source(src)
            record = doc.to_record()
            for seq, label, _kind, text, _cited, start, end in reference_rows(record, doc.text):
                assert " ".join(doc.text[start:end].split()) == text, (src.name, seq, label)
                checked += 1
    assert checked >= 60


def test_export_carries_the_references_table(refs_archive: Path) -> None:
    result = run("export", "--references", "--format", "csv", "--archive", str(refs_archive))
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 2 + 2 + 1 + 4
    row = next(r for r in rows if r["id"] == "BAKU-000150" and r["label"] == "A")
    assert row["cited_id"] == "09BAKU139" and row["archived_id"] == "BAKU-000139"
    text = (REFS / "09BAKU150.txt").read_text(encoding="utf-8")
    assert text[int(row["span_start"]) : int(row["span_end"])] == "BAKU 139"
    missing = next(r for r in rows if r["label"] == "C")
    assert missing["cited_id"] == "09STATE12345" and missing["archived_id"] == ""
    result = run("export", "--references", "--archive", str(refs_archive), "--since", "2009-03-01")
    assert result.output.count("\n") == 4 and '"BAKU-000150"' in result.output


def test_an_archive_of_schema_1_gets_its_references_table(tmp_path: Path) -> None:
    archive_dir = tmp_path / "archive"
    ingest(archive_dir, REFS)
    shutil.copytree(archive_dir, tmp_path / "before")
    with Archive(tmp_path / "before") as archive:
        expected = [(k.citing.id, k.text, k.cited_id, k.span, k.cited) for k in archive.links()]
    # What cableparse wrote before the table existed: no table, schema 1.
    db = sqlite3.connect(archive_dir / DB_NAME)
    db.execute('DROP TABLE "references"')
    db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with Archive(archive_dir) as archive:
        got = [(k.citing.id, k.text, k.cited_id, k.span, k.cited) for k in archive.links()]
        assert archive.db.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone() == ("2",)
    assert got == expected and len(got) == 9


def test_an_item_over_two_lines_and_one_the_parser_unescaped() -> None:
    from cableparse import parse_text

    text = (REFS / "09BAKU150.txt").read_text(encoding="utf-8")
    text = text.replace("B. 09 YEREVAN 20", "B. 09 YEREVAN\n        20")
    text = text.replace("EMAIL FROM POLOFF,", "EMAIL FROM POLOFF &amp; ECONOFF,")
    doc = parse_text(text)
    record = doc.to_record()
    rows = reference_rows(record, doc.text)
    assert [r[3] for r in rows][1:] == [
        "09 YEREVAN 20",
        "STATE 12345",
        "EMAIL FROM POLOFF & ECONOFF, 02/27/09",
    ]
    assert doc.text[rows[1][5] : rows[1][6]] == "09 YEREVAN\n        20"
    # Not written as the record has it: the span of its REF section, which holds it.
    start, end = record["provenance"]["spans"]["references"]
    assert rows[3][5:] == (start, end) and "POLOFF &amp; ECONOFF" in doc.text[start:end]
    # The item after one found on two lines is still found after it.
    assert doc.text[rows[2][5] : rows[2][6]] == "STATE 12345"


def test_the_parquet_export_carries_the_references_table(
    refs_archive: Path, tmp_path: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="Parquet is the extra cableparse[parquet]")
    as_csv = run("export", "--references", "--format", "csv", "--archive", str(refs_archive))
    expected = list(csv.DictReader(io.StringIO(as_csv.output)))
    out = tmp_path / "refs.parquet"
    result = run("export", "--format", "parquet", "-o", str(out), "--archive", str(refs_archive))
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out / "references").to_pylist()
    # The CSV writes every value as text, an empty one for none.
    assert [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows] == expected
    assert {r["cited_id"] for r in rows} >= {"09BAKU139", "09YEREVAN20"}
    # The references table alone, to a folder of its own.
    alone = tmp_path / "alone"
    result = run(
        "export",
        "--references",
        "--format",
        "parquet",
        "-o",
        str(alone),
        "--archive",
        str(refs_archive),
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(alone / "references").to_pylist() == rows
