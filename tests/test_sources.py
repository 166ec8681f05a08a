"""Reading the corpora people hold: the cables.csv dump, Cable Viewer pages, other HTML pages.

The fixtures are real files copied byte for byte from the development corpus; the expected
values were read off the files themselves (the CSV's columns, each page's metadata table)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cableparse import parse_path
from cableparse.cli import main
from cableparse.csvdump import read_rows
from cableparse.parsing import parse_source
from cableparse.sources import Failure, Source, iter_sources

from .conftest import FIXTURES, check_record

CSV = FIXTURES / "cables-csv" / "cables_sample.csv"
PAGES = FIXTURES / "cablegate-html"


def records(path: Path) -> list[dict[str, Any]]:
    out = []
    for doc in parse_path(path):
        out.append(check_record(doc.to_record(), doc.text))
    return out


def sources(path: Path) -> list[Source | Failure]:
    return list(iter_sources(path))


# ---- cables.csv ------------------------------------------------------------------------------


def test_csv_rows_become_cables_with_the_columns_and_the_bodys_fields() -> None:
    first, second = records(CSV)
    assert first["cable"]["reference_id"] == "66BUENOSAIRES2481"
    assert first["id"] == "BUENOSAIRES-002481"
    assert first["date"] == "1966-12-28T18:48:00Z"
    assert first["classification"] == "UNCLASSIFIED"
    assert first["cable"]["origin"] == "BUENOS AIRES"
    assert first["cable"]["tags"] == ["EFIS", "PBTS", "AR"]
    assert first["title"] == "EXTENDED NATIONAL JURISDICTIONS OVER HIGH SEAS"
    assert first["cable"]["signed_by"] == ["SACCIO"]
    assert second["cable"]["reference_id"] == "72TEHRAN1164"
    assert second["date"] == "1972-02-25T09:30:00Z"
    assert second["cable"]["tags"] == ["MASS", "MARR", "IR"]
    assert second["title"] == "ACCELERATION OF F-4ES FOR IRAN"
    for rec in (first, second):
        prov = rec["provenance"]
        assert prov["format"] == "cables-csv"
        assert prov["parser"] == "cable"
        assert prov["external"]["origin"] in ("Embassy Buenos Aires", "Embassy Tehran")
        assert prov["field_sources"]["date"] == "both"
    assert first["provenance"]["external"]["references"] == "66STATE106206"
    assert second["provenance"]["external"]["references"] == (
        "72MOSCOW1603|72TEHRAN1091|72TEHRAN263"
    )


def test_csv_rows_know_their_row_and_byte_offset_and_keep_their_bytes() -> None:
    data = CSV.read_bytes()
    first, second = sources(CSV)
    assert isinstance(first, Source) and isinstance(second, Source)
    start = data.index(b'\n"2","2/25/1972 9:30"') + 1
    assert (first.row, first.offset) == (1, 0)
    assert (second.row, second.offset) == (2, start)
    assert first.data == data[:start]
    assert second.data == data[start:]
    [rec] = [r for r in records(CSV) if r["provenance"]["row"] == 2]
    assert rec["provenance"]["offset"] == start
    assert rec["provenance"]["length"] == len(data) - start


def test_csv_escapes_are_undone_and_the_text_is_header_then_body() -> None:
    first = sources(CSV)[0]
    assert isinstance(first, Source)
    assert first.text.startswith("P R 281848Z DEC 66\nFM AMEMBASSY BUENOS AIRES\n")
    assert "STATE GRNC\nUNCLASSIFIED BUENOS AIRES 2481" in first.text
    assert 'OF "PREFERENTIAL JURISDICTION" FOR FISHING' in first.text
    assert "LEGAL ADVISORS' QUALMS" in first.text
    assert "\\" not in first.text


def test_a_csv_is_told_by_its_content_not_its_name(tmp_path: Path) -> None:
    shutil.copy(CSV, tmp_path / "dump.dat")
    refs = [r["cable"]["reference_id"] for r in records(tmp_path / "dump.dat")]
    assert refs == ["66BUENOSAIRES2481", "72TEHRAN1164"]


def test_bad_csv_rows_are_failures_naming_the_row_and_the_rest_goes_on(tmp_path: Path) -> None:
    first, second = CSV.read_bytes().split(b'\n"2","', 1)
    good1, good2 = first + b"\n", b'"2","' + second
    seven = b'"3","1/1/1970 0:00","70X1","Embassy X","UNCLASSIFIED","","header"\n'
    unterminated = b'"4","1/1/1970 0:00","70X2","E","UNCLASSIFIED","","h","body never closed\n'
    path = tmp_path / "cables.csv"
    path.write_bytes(good1 + seven + unterminated + good2)
    items = sources(path)
    failures = [str(i) for i in items if isinstance(i, Failure)]
    assert failures == [
        f"{path}: row 2 (byte {len(good1)}): 7 columns, not 8",
        f"{path}: row 3 (byte {len(good1) + len(seven)}): a quote is never closed",
    ]
    rows = [(i.row, i.external_value("reference_id")) for i in items if isinstance(i, Source)]
    assert rows == [(1, "66BUENOSAIRES2481"), (4, "72TEHRAN1164")]


def test_a_csv_truncated_inside_a_field_fails_at_that_row(tmp_path: Path) -> None:
    data = CSV.read_bytes()
    path = tmp_path / "cables.csv"
    path.write_bytes(data[: len(data) - 100])
    items = sources(path)
    assert isinstance(items[0], Source)
    assert isinstance(items[1], Failure)
    assert "row 2" in items[1].message and "ends inside a quoted field" in items[1].message


def test_csv_rows_are_read_as_a_stream() -> None:
    """The first row comes out before the reader has asked for the lines after it."""
    asked: list[int] = []

    def lines() -> Iterator[bytes]:
        with CSV.open("rb") as f:
            for k, line in enumerate(f):
                asked.append(k)
                yield line
        raise AssertionError("read past the end")

    first = next(iter(read_rows(lines(), "cables.csv")))
    assert isinstance(first, Source) and first.row == 1
    assert len(asked) < 120  # row 1 is lines 1-115 (the next starts a row); the file has 156


def test_the_index_wins_over_the_text_and_says_so(tmp_path: Path) -> None:
    data = CSV.read_bytes().split(b'\n"2","', 1)[0] + b"\n"
    path = tmp_path / "cables.csv"
    path.write_bytes(data.replace(b'"UNCLASSIFIED","66STATE', b'"SECRET","66STATE', 1))
    [rec] = records(path)
    assert rec["classification"] == "SECRET"
    assert rec["provenance"]["field_sources"]["classification"] == "external"
    assert any(
        "UNCLASSIFIED" in w and "SECRET" in w and "the source's is used" in w
        for w in rec["provenance"]["warnings"]
    )


# ---- Cable Viewer pages ----------------------------------------------------------------------

# Each page's table: Reference ID, Created, Classification, Origin (read off the pages).
TABLES = {
    "66BUENOSAIRES2481": ("1966-12-28 18:48", "UNCLASSIFIED", "Embassy Buenos Aires"),
    "72TEHRAN1164": ("1972-02-25 09:30", "UNCLASSIFIED", "Embassy Tehran"),
    "72TEHRAN1381": ("1972-03-09 05:40", "UNCLASSIFIED", "Embassy Tehran"),
    "72TEHRAN4789": ("1972-08-10 04:00", "UNCLASSIFIED", "Embassy Tehran"),
    "72TEHRAN5055": ("1972-08-22 09:27", "UNCLASSIFIED", "Embassy Tehran"),
    "73TEHRAN2077": ("1973-04-02 08:34", "SECRET", "Embassy Tehran"),
    "73TEHRAN7005": ("1973-10-02 14:00", "UNCLASSIFIED", "Embassy Tehran"),
    "73TEHRAN8233": ("1973-11-21 12:20", "SECRET", "Embassy Tehran"),
    "7575LIBREVILLE1895": ("1975-11-18 12:05", "CONFIDENTIAL", "Embassy Libreville"),
    "75TEHRAN2069": ("1975-03-04 11:25", "CONFIDENTIAL", "Embassy Tehran"),
}


@pytest.mark.parametrize("ref", sorted(TABLES))
def test_each_cable_page_agrees_with_its_table(ref: str) -> None:
    created, classification, origin = TABLES[ref]
    [rec] = records(PAGES / f"{ref}.html")
    assert rec["kind"] == "cable"
    assert rec["cable"]["reference_id"] == ref
    assert rec["date"] == created.replace(" ", "T") + ":00Z"
    assert rec["classification"] == classification
    assert origin.upper().endswith(rec["cable"]["origin"])
    prov = rec["provenance"]
    assert prov["format"] == "cablegate-html"
    assert prov["external"]["origin"] == origin
    assert prov["field_sources"]["origin"] == "both"


def test_a_cable_page_reads_its_pre_blocks_as_the_cable() -> None:
    [rec] = records(PAGES / "66BUENOSAIRES2481.html")
    assert rec["cable"]["from"] == "AMEMBASSY BUENOS AIRES"
    assert rec["cable"]["dtg"] == "281848Z DEC 66"
    assert rec["cable"]["tags"] == ["EFIS", "PBTS", "AR"]  # each tag is an <a> link
    assert [p["number"] for p in rec["paragraphs"] if p["number"]] == list(range(1, 9))
    assert rec["paragraphs"][0]["text"].startswith("PRESS REPORTS AND VARIETY EMBASSY SOURCES")
    assert "&#x000A;" not in rec["paragraphs"][0]["text"]
    assert rec["title"] == "EXTENDED NATIONAL JURISDICTIONS OVER HIGH SEAS"


@pytest.mark.parametrize(
    ("ref", "other"), [("73TEHRAN2077", "06THEHAGUE131"), ("73TEHRAN8233", "08STATE15228")]
)
def test_a_page_whose_body_runs_into_another_cable_is_cut_and_warned(ref: str, other: str) -> None:
    [rec] = records(PAGES / f"{ref}.html")
    [note] = [w for w in rec["provenance"]["warnings"] if "runs into another cable" in w]
    assert other in note and "cut short" in note
    text = " ".join(p["text"] for p in rec["paragraphs"])
    assert "Dutch" not in text and "Noland" not in text
    assert rec["cable"]["signed_by"] != ["BLAKEMAN"]


@pytest.mark.parametrize(
    ("ref", "last_words"),
    [
        # "HELMS", the stamp on one line, then "NNN": the archive's end mark, not a name.
        ("73TEHRAN7005", "WILL REPORT FURTHER DEVELOPMENTS."),
        # The stamp wrapped onto a second line, "Systematic Review 05 JUL 2006".
        ("75TEHRAN2069", "BOTH DOMESTICALLY AND INTERNATIONALLY."),
    ],
)
def test_the_archives_release_stamp_is_no_text_and_no_signature(ref: str, last_words: str) -> None:
    [rec] = records(PAGES / f"{ref}.html")
    assert rec["cable"]["signed_by"] == ["HELMS"]
    last = rec["paragraphs"][-1]["text"]
    assert last.endswith(last_words)
    assert "HELMS" not in last and "Declassified" not in last and "Review" not in last
    # The same stamp below the banner is no handling instruction either.
    assert (PAGES / f"{ref}.html").read_text(encoding="utf-8").count("Declassified/Released") == 2
    assert not [h for h in rec["cable"]["handling"] if "Declassified" in h or "Review" in h]


@pytest.mark.parametrize(
    ("ref", "mark"), [("66BUENOSAIRES2481", "GP-3"), ("72TEHRAN1381", "EXEMPT")]
)
def test_the_declassification_schedule_above_the_signature_is_no_text(ref: str, mark: str) -> None:
    [rec] = records(PAGES / f"{ref}.html")
    last = rec["paragraphs"][-1]["text"]
    assert mark in (PAGES / f"{ref}.html").read_text(encoding="utf-8")
    assert mark not in last
    assert last.endswith(("MOST LIKELY TO SUCCEED.", 'BY AGENTS OF OTHER COUNTRIES."'))


def test_references_split_at_colons_and_a_summary_after_begin_summary() -> None:
    # 72TEHRAN1164: "REF: TEHRAN 1091: TEHRAN 263: MOSCOW 1603", and "BEGIN SUMMARY" on a line
    # of its own, the summary in the block below it, ending "...DEPENDABLE FRIEND. END SUMMARY".
    [rec] = records(PAGES / "72TEHRAN1164.html")
    refs = rec["cable"]["references"]
    assert [r["id"] for r in refs] == ["72TEHRAN1091", "72TEHRAN263", "72MOSCOW1603"]
    summary = rec["cable"]["summary"]
    assert summary.startswith("GENERAL AZIMI, MINISTER OF WAR, ON INSTRUCTION OF SHAH")
    assert summary.endswith("AS MOST DEPENDABLE FRIEND.")
    # 72TEHRAN4789: "REF: TEHRAN'S A-077 OF MAY 15, 1972: TEHRAN 3312", an airgram and a cable.
    [rec] = records(PAGES / "72TEHRAN4789.html")
    refs = rec["cable"]["references"]
    assert [(r["text"], r["id"]) for r in refs] == [
        ("TEHRAN'S A-077 OF MAY 15, 1972", None),
        ("TEHRAN 3312", "72TEHRAN3312"),
    ]


def test_a_page_with_a_malformed_index_id_keeps_it_and_the_texts_as_alias() -> None:
    [rec] = records(PAGES / "7575LIBREVILLE1895.html")
    assert rec["cable"]["reference_id"] == "7575LIBREVILLE1895"
    assert "75LIBREVILLE1895" in rec["aliases"]
    assert rec["id"] == "LIBREVILLE-001895"


def test_other_html_pages_are_passed_on_as_article_html() -> None:
    page = FIXTURES / "html" / "readability-herald-sun-1.html"
    [src] = sources(page)
    assert isinstance(src, Source)
    assert src.format == "article-html"
    assert src.hint == "article"
    assert src.text == page.read_bytes().decode("utf-8")
    assert parse_source(src).kind == "article"


# ---- through the CLI -------------------------------------------------------------------------


def test_ingest_a_csv_and_cite_a_row_by_its_reference_id(tmp_path: Path) -> None:
    archive = str(tmp_path / "archive")
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(CSV), "--archive", archive, "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output
    shown = runner.invoke(main, ["show", "72tehran1164", "--json", "--archive", archive])
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.output)
    assert record["provenance"]["row"] == 2
    assert record["title"] == "ACCELERATION OF F-4ES FOR IRAN"


def test_ingest_reads_a_csv_piped_in(tmp_path: Path) -> None:
    archive = str(tmp_path / "archive")
    result = CliRunner().invoke(
        main, ["ingest", "-", "--archive", archive, "-j", "1"], input=CSV.read_bytes()
    )
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output


def test_parse_the_pages_folder_gives_one_record_per_page() -> None:
    result = CliRunner().invoke(main, ["parse", str(PAGES), "--format", "jsonl"])
    assert result.exit_code == 0
    refs = [json.loads(line)["cable"]["reference_id"] for line in result.output.splitlines()]
    assert refs == sorted(TABLES)


def test_the_csv_fills_a_date_the_text_lacks(tmp_path: Path) -> None:
    data = CSV.read_bytes().split(b'\n"2","', 1)[0] + b"\n"
    path = tmp_path / "cables.csv"
    path.write_bytes(data.replace(b'"P R 281848Z DEC 66\n', b'"P R\n', 1))
    [rec] = records(path)
    assert rec["cable"]["dtg"] is None
    assert rec["date"] == "1966-12-28T18:48:00Z"
    assert rec["provenance"]["field_sources"]["date"] == "external"
