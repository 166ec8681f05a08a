"""The Parquet dataset (cableparse/arrow.py): what goes in comes back, record for record and
byte for byte, and the readers a notebook uses take it as it is."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytest.importorskip("pyarrow", reason="the Parquet tests need the extra: cableparse[parquet]")

import pyarrow as pa
import pyarrow.parquet as pq

import cableparse
from cableparse import arrow, pipeline
from cableparse.archive import DB_NAME
from cableparse.cli import main
from cableparse.inputs import Failure, Parsed, Source
from cableparse.model import record_json
from cableparse.sources import iter_sources
from cableparse.version import PARSER_VERSION

from .conftest import FIXTURES, SEED_CABLE, SEEDS

# Every format the readers tell apart: plain cables and articles, a cables.csv dump, cable
# pages and an article page of HTML.
INPUTS = [
    SEEDS,
    FIXTURES / "cables-csv",
    FIXTURES / "cablegate-html",
    FIXTURES / "html",
    FIXTURES / "news-dev",
    FIXTURES / "cablegate-dev",
]

Pair = tuple[Source, dict[str, Any]]


@pytest.fixture(scope="module")
def pairs() -> list[Pair]:
    got = [p for p in pipeline.pairs(pipeline.read_inputs(INPUTS)) if not isinstance(p, Failure)]
    formats = {record["provenance"]["format"] for _, record in got}
    assert formats == {"cable-text", "article-text", "cables-csv", "cablegate-html", "article-html"}
    return got


@pytest.fixture(scope="module")
def dataset(pairs: list[Pair], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ds") / "corpus.parquet"
    assert arrow.write_dataset([arrow.tables(pairs)], out) == len(pairs)
    return out


def test_records_and_sources_come_back_as_they_went_in(pairs: list[Pair], dataset: Path) -> None:
    back = list(arrow.read_dataset(dataset))
    assert [record_json(r) for _, r in back] == [record_json(r) for _, r in pairs]
    for (src, _), (original, _) in zip(back, pairs, strict=True):
        assert (src.name, src.data, src.text) == (original.name, original.data, original.text)
        assert (src.row, src.offset, src.encoding) == (
            original.row,
            original.offset,
            original.encoding,
        )


def test_an_html_article_keeps_the_text_its_spans_index(pairs: list[Pair], dataset: Path) -> None:
    # The spans of an article page index trafilatura's extract, not the page: that text is the
    # one kept, and the page's bytes beside it.
    page = FIXTURES / "html" / "readability-herald-sun-1.html"
    ((src, record),) = [(s, r) for s, r in arrow.read_dataset(dataset) if s.name == str(page)]
    assert src.data == page.read_bytes()
    assert "<html" not in src.text.lower()
    first = record["paragraphs"][0]
    assert src.text[first["span"][0] : first["span"][1]].startswith(first["text"][:20])


def test_many_batches_roll_over_into_part_files_that_still_line_up(
    pairs: list[Pair], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow, "ROWS_PER_FILE", 10)
    arrow.write_dataset(arrow.table_batches(pairs, 7), tmp_path / "out")
    files = sorted(p.name for p in (tmp_path / "out" / "documents").iterdir())
    assert len(files) == len(arrow.parts(tmp_path / "out")) > 2
    # One row group a batch: a writer holds one batch, not the dataset.
    assert pq.ParquetFile(tmp_path / "out" / "documents" / files[0]).num_row_groups == 2
    back = [r for _, r in arrow.read_dataset(tmp_path / "out")]
    assert back == [r for _, r in pairs]


def test_a_cable_reads_as_typed_columns_in_duckdb_pandas_and_polars(dataset: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    # Seed 002 is BAKU 433: its TAGS line, its paragraph 11 and its bytes.
    tags = ["PGOV", "KDEM", "ENRG", "ETRD", "PREL", "RS", "IZ", "TU", "AJ"]
    got = duckdb.sql(
        f"SELECT cable.reference_id, cable.tags, provenance.sha256 FROM "
        f"'{dataset}/documents/*.parquet' WHERE id = 'BAKU-000433'"
    ).fetchall()
    assert got[0][:2] == ("09BAKU433", tags)

    paragraphs = pd.read_parquet(dataset / "paragraphs")
    eleven = paragraphs[(paragraphs["id"] == "BAKU-000433") & (paragraphs["number"] == 11)]
    # The file's line 62: "¶11. (C) Abiyev said Azerbaijan has closed its airspace ..."
    assert list(eleven["label"]) == ["¶11."]
    assert list(eleven["marking"]) == ["C"]
    assert eleven["text"].iloc[0].startswith("Abiyev said Azerbaijan has closed its airspace")

    sources = pl.read_parquet(dataset / "sources")
    row = sources.filter(pl.col("sha256") == got[0][2])
    assert row["data"][0] == SEED_CABLE.read_bytes()
    documents = pl.read_parquet(dataset / "documents")
    assert documents.height == sources.height
    assert documents.schema["cable"].to_schema()["tags"] == pl.List(pl.String)


def test_ingest_reads_a_dataset_as_records_without_parsing(dataset: Path) -> None:
    items = list(pipeline.read_inputs([dataset]))
    assert items and all(isinstance(i, Parsed) for i in items)
    # parse_step has no Document to give: it says so rather than parse the Source again into
    # a record that lacks what came with it (a dump's columns).
    fail = pipeline.parse_step(items[0])
    assert isinstance(fail, Failure) and "Parquet dataset" in fail.message


def _pid(item: pipeline.Item) -> int:
    return os.getpid()


def test_records_made_already_stay_in_this_process_and_files_go_to_workers(
    dataset: Path,
) -> None:
    parsed = list(pipeline.read_inputs([dataset]))[:3]
    files = list(pipeline.read_inputs([SEEDS]))[:3]
    mixed = [parsed[0], files[0], parsed[1], files[1], files[2], parsed[2]]
    got = list(pipeline.LocalPool(jobs=2).map(_pid, mixed))
    assert [src for src, _ in got] == [pipeline.source_of(i) for i in mixed]
    here = [pid == os.getpid() for _, pid in got]
    assert here == [True, False, True, False, False, True]


def test_datasets_in_a_folder_are_read_as_datasets_among_its_files(
    pairs: list[Pair], tmp_path: Path
) -> None:
    arrow.write_dataset([arrow.tables(pairs[:3])], tmp_path / "all" / "a.parquet")
    arrow.write_dataset([arrow.tables(pairs[3:5])], tmp_path / "all" / "sub" / "b.parquet")
    shutil.copy(SEED_CABLE, tmp_path / "all" / "cable.txt")
    items = list(pipeline.read_inputs([tmp_path / "all"]))
    # A folder's files, then its datasets, then its sub-folders, as a walk takes them.
    assert isinstance(items[0], Source) and items[0].data == SEED_CABLE.read_bytes()
    assert [i.record for i in items[1:] if isinstance(i, Parsed)] == [r for _, r in pairs[:5]]
    assert len(items) == 6
    # The library's walk of documents alone names a dataset rather than read its part files.
    assert [str(i) for i in iter_sources(tmp_path / "all") if isinstance(i, Failure)] == [
        f"{tmp_path / 'all' / d}: a Parquet dataset: cableparse.pipeline.read_inputs reads it"
        for d in ("a.parquet", "sub/b.parquet")
    ]


def _loose(t: pa.DataType) -> pa.DataType:
    """A type as Spark writes it: every field nullable, a list's item named `element`, plain
    strings and binaries."""
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _loose(f.type)) for f in t])
    if pa.types.is_map(t):
        return pa.map_(t.key_type, _loose(t.item_type))
    if pa.types.is_list(t):
        return pa.list_(pa.field("element", _loose(t.value_type)))
    return {pa.large_string(): pa.string(), pa.large_binary(): pa.binary()}.get(t, t)


def test_a_dataset_another_writer_stored_reads_back_the_same(
    pairs: list[Pair], tmp_path: Path
) -> None:
    for name, table in arrow.tables(pairs).items():
        loose = pa.schema([pa.field(f.name, _loose(f.type)) for f in table.schema])
        (tmp_path / "spark" / name).mkdir(parents=True)
        part = tmp_path / "spark" / name / "part-00000-5e1f-c000.snappy.parquet"
        pq.write_table(table.cast(loose).replace_schema_metadata(None), part, compression="snappy")
        (tmp_path / "spark" / name / "_SUCCESS").touch()
    # Articles are among the rows: their cable struct is null, and so are its fields.
    assert {r["kind"] for _, r in pairs} == {"cable", "article"}
    back = list(arrow.read_dataset(tmp_path / "spark"))
    assert [r for _, r in back] == [r for _, r in pairs]
    assert [s.data for s, _ in back] == [s.data for s, _ in pairs]


def test_writing_where_a_dataset_is_already_is_refused(pairs: list[Pair], dataset: Path) -> None:
    with pytest.raises(arrow.DatasetError, match="already there"):
        arrow.write_dataset([arrow.tables(pairs[:1])], dataset)


def _failures(path: Path) -> list[str]:
    return [str(i) for i in pipeline.read_inputs([path]) if isinstance(i, Failure)]


def test_a_foreign_parquet_table_is_named_and_the_other_parts_are_read(
    pairs: list[Pair], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow, "ROWS_PER_FILE", 2)
    out = tmp_path / "ds"
    arrow.write_dataset(arrow.table_batches(pairs[:6], 2), out)
    foreign = out / "documents" / "part-00001.parquet"
    pq.write_table(pa.table({"name": ["x"], "value": [1]}), foreign)
    items = list(pipeline.read_inputs([out]))
    failures = [str(i) for i in items if isinstance(i, Failure)]
    assert failures == [
        f"{foreign}: not a cableparse documents table (no column schema, id, "
        "kind, title, date, classification, aliases, paragraphs, cable, article, "
        "provenance)"
    ]
    assert [i.record for i in items if isinstance(i, Parsed)] == [
        r for _, r in pairs[:2] + pairs[4:6]
    ]


def test_a_damaged_part_file_is_a_failure_not_a_traceback(
    pairs: list[Pair], tmp_path: Path
) -> None:
    out = tmp_path / "ds"
    arrow.write_dataset([arrow.tables(pairs[:2])], out)
    part = out / "sources" / "part-00000.parquet"
    part.write_bytes(part.read_bytes()[:200])
    (failure,) = _failures(out)
    assert failure.startswith(f"{part}: not a readable Parquet file (")


def test_sources_out_of_line_with_their_documents_are_named(
    pairs: list[Pair], tmp_path: Path
) -> None:
    out = tmp_path / "ds"
    arrow.write_dataset([arrow.tables(pairs[:2])], out)
    swapped = arrow.tables(pairs[1::-1])["sources"]
    pq.write_table(swapped, out / "sources" / "part-00000.parquet")
    (failure,) = _failures(out)
    assert failure.startswith(f"{out / 'sources' / 'part-00000.parquet'}: row 0 is the source of")


def test_a_parquet_file_among_documents_says_to_give_the_dataset(tmp_path: Path) -> None:
    pq.write_table(pa.table({"x": [1]}), tmp_path / "lone.parquet")
    assert _failures(tmp_path / "lone.parquet") == [
        f"{tmp_path / 'lone.parquet'}: a Parquet file: cableparse reads a dataset by its folder "
        "(documents/ and sources/ in it)"
    ]


# ---- the command line --------------------------------------------------------------------------


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_jsonl_to_parquet_and_back_gives_the_same_records(tmp_path: Path) -> None:
    code, jsonl, _ = run("parse", *INPUTS)
    assert code == 0 and jsonl.count("\n") == 67
    assert run("parse", *INPUTS, "--format", "parquet", "-o", tmp_path / "c.parquet")[0] == 0
    # A dataset given to parse is read as records, not parsed again: the same bytes of jsonl.
    code, again, err = run("parse", tmp_path / "c.parquet")
    assert (code, err) == (0, "")
    assert again == jsonl


def _tables(archive: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an ingest writes (runs, with their times, aside)."""
    db = sqlite3.connect(archive / DB_NAME)
    try:
        names = [
            n
            for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if "fts" not in n and n != "runs"
        ]
        return {n: db.execute(f"SELECT * FROM {n} ORDER BY 1, 2").fetchall() for n in names}
    finally:
        db.close()


def test_ingest_of_a_dataset_stores_what_ingest_of_its_files_stores(tmp_path: Path) -> None:
    run("parse", *INPUTS, "--format", "parquet", "-o", tmp_path / "c.parquet")
    code, files_said, _ = run("ingest", *INPUTS, "--archive", tmp_path / "files", "-j", "1")
    assert code == 0
    code, out, _ = run("ingest", tmp_path / "c.parquet", "--archive", tmp_path / "parquet")
    assert code == 0
    # 67 inputs: two cables are both a row of cables_sample.csv and a page of cablegate-html
    # (a second version each), and html/ and news-dev/ share one page's bytes (unchanged).
    summary = "64 new, 2 updated, 1 unchanged, 0 failed"
    assert files_said.startswith(summary) and out.startswith(summary)
    files, parquet = _tables(tmp_path / "files"), _tables(tmp_path / "parquet")
    # The page in two folders is one source's bytes, seen under two paths.
    assert (len(parquet["sources"]), len(parquet["source_paths"])) == (66, 67)
    assert parquet == files
    # Again: the same records from the same bytes by the same parser version are unchanged.
    code, out, _ = run("ingest", tmp_path / "c.parquet", "--archive", tmp_path / "parquet")
    assert out.startswith("0 new, 0 updated, 67 unchanged")


def _contents(archive: Path) -> list[list[tuple[Any, ...]]]:
    """What an archive holds, apart from the keys its rows were given in order of writing."""
    db = sqlite3.connect(archive / DB_NAME)
    try:
        return [
            sorted(db.execute(sql).fetchall())
            for sql in [
                "SELECT id, identity, source_sha256, source_path, parser_version, text, record "
                "FROM documents WHERE current = 1",
                "SELECT d.source_sha256, d.id, p.seq, p.number, p.label, p.marking, p.heading, "
                "p.text, p.span_start, p.span_end FROM paragraphs p "
                "JOIN documents d ON d.key = p.document WHERE d.current = 1",
                "SELECT a.alias, d.source_sha256 FROM aliases a "
                "JOIN documents d ON d.key = a.document WHERE d.current = 1",
                "SELECT s.* FROM sources s WHERE sha256 IN "
                "(SELECT source_sha256 FROM documents WHERE current = 1)",
            ]
        ]
    finally:
        db.close()


def test_an_exported_archive_loads_into_another_with_the_same_records(tmp_path: Path) -> None:
    run("ingest", *INPUTS, "--archive", tmp_path / "a", "-j", "1")
    code, _, err = run(
        "export", "--archive", tmp_path / "a", "--format", "parquet", "-o", tmp_path / "e"
    )
    assert (code, err) == (0, "")
    code, out, _ = run("ingest", tmp_path / "e", "--archive", tmp_path / "b")
    # The current version of each of the 64 documents (see the test above).
    assert out.startswith("64 new, 0 updated, 0 unchanged")
    assert _contents(tmp_path / "b") == _contents(tmp_path / "a")


def test_a_record_from_another_parser_version_keeps_its_version(
    pairs: list[Pair], tmp_path: Path
) -> None:
    old = [
        (s, {**r, "provenance": {**r["provenance"], "parser_version": "0.0.1"}})
        for s, r in pairs[:2]
    ]
    arrow.write_dataset([arrow.tables(old)], tmp_path / "old")
    run("ingest", tmp_path / "old", "--archive", tmp_path / "a")
    # The same bytes parsed now are a new version of each document, not "unchanged".
    _, out, _ = run("ingest", pairs[0][0].name, pairs[1][0].name, "--archive", tmp_path / "a")
    assert out.startswith("0 new, 2 updated, 0 unchanged")
    db = sqlite3.connect(tmp_path / "a" / DB_NAME)
    versions = db.execute("SELECT parser_version, current FROM documents ORDER BY key").fetchall()
    db.close()
    assert versions == [("0.0.1", 0), ("0.0.1", 0), (PARSER_VERSION, 1), (PARSER_VERSION, 1)]


def test_a_failed_input_is_named_and_the_dataset_has_the_rest(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    code, _, err = run(
        "parse", SEED_CABLE, tmp_path / "empty.txt", "--format", "parquet", "-o", tmp_path / "d"
    )
    assert code == 1
    assert err == f"{tmp_path / 'empty.txt'}: empty file\n"
    assert [r["id"] for _, r in arrow.read_dataset(tmp_path / "d")] == ["BAKU-000433"]


def test_parquet_needs_a_folder_to_write_to(tmp_path: Path) -> None:
    code, _, err = run("parse", SEED_CABLE, "--format", "parquet")
    assert code == 2 and "-o DIR goes with --format parquet" in err
    code, _, err = run("export", "--archive", tmp_path / "a", "--format", "parquet")
    assert code == 2 and "give it with -o DIR" in err


def test_without_pyarrow_the_commands_name_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrow.write_dataset([arrow.tables([])], tmp_path / "d")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.delitem(sys.modules, "cableparse.arrow")
    monkeypatch.delattr(cableparse, "arrow")
    code, _, err = run("parse", SEED_CABLE, "--format", "parquet", "-o", tmp_path / "out")
    assert code == 1
    assert "pip install 'cableparse[parquet]'" in err
    code, _, err = run("ingest", tmp_path / "d", "--archive", tmp_path / "a")
    assert code == 1
    assert err.startswith(f"{tmp_path / 'd'}: a Parquet dataset: Parquet needs pyarrow")
