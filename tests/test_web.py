"""`cableparse serve`: the plugin's pages and Datasette's, through Datasette's test client, on
an archive of the seeds, a few development cables and a cable whose REF line names a seed."""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

pytest.importorskip("datasette", reason="the serve extra is not installed")

from datasette.app import Datasette
from datasette.utils.testing import TestClient as Client

from cableparse import pipeline, render, web
from cableparse.archive import Archive, ArchiveError
from cableparse.cli import main
from cableparse.sources import iter_sources
from cableparse.web.serve import check_archive, make_datasette

from .conftest import FIXTURES, SEED_CABLE, SEEDS

ARTICLE = "aliyev-rejects-u-s-calls-for-lifting-of-karabakh-road-f0d05d51"
INPUTS = [
    SEEDS,
    FIXTURES / "web" / "09BAKU450.txt",
    FIXTURES / "cablegate-dev" / "09BAKU139.txt",
    FIXTURES / "cablegate-dev" / "09YEREVAN20.txt",
    FIXTURES / "cablegate-html" / "72TEHRAN4789.html",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web") / "archive"
    with Archive(folder, create=True) as archive:
        items = pipeline.read_inputs(INPUTS)
        report = pipeline.ingest(items, archive, asked="web")
    assert (report.new, report.failed) == (9, 0)
    return check_archive(str(folder))


@pytest.fixture(scope="module")
def client(folder: Path) -> Client:
    return Client(make_datasette(folder))


def get_json(client: Client, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status == status, (path, response.text[:500])
    return response.json


@pytest.mark.parametrize("form", ["BAKU-000433", "09BAKU433", "09baku000433", "BAKU 433"])
def test_every_id_form_opens_the_cable_page(client: Client, form: str) -> None:
    response = client.get(f"/cable/{quote(form)}")
    assert response.status == 200
    html = response.text
    assert "AZERBAIJANI DEFENSE MINISTER: SEEKING STRONG RELATIONS, MORE U.S. SUPPORT" in html
    assert 'id="p10"' in html
    assert 'data-cite="BAKU-000433 ¶10 (09BAKU433)"' in html
    # The section heading of the cable, above ¶3.
    assert '<h2 class="cp-heading">SEEKING NATO STANDARDS</h2>' in html


def test_the_page_shows_the_header_as_show_does(client: Client, folder: Path) -> None:
    page = get_json(client, "/cable/BAKU-000433.json")
    with Archive(folder) as archive:
        record = archive.resolve("BAKU-000433")
    shown = {k: v for k, v in render.metadata_rows(record) if v}
    header = {row["label"]: row["value"] for row in page["header"]}
    assert header["reference id"] == "09BAKU433"
    assert header["from"] == "AMEMBASSY BAKU"
    assert header["tags"] == "PGOV KDEM ENRG ETRD PREL RS IZ TU AJ"
    assert all(shown[k] == v for k, v in header.items())
    assert page["citation"] == "BAKU-000433 (09BAKU433)"
    ten = next(p for p in page["paragraphs"] if p["number"] == 10)
    assert ten["anchor"] == "p10"
    assert ten["marking"] == "C"
    assert ten["citation"] == "BAKU-000433 ¶10 (09BAKU433)"
    assert ten["text"].startswith("Abiyev said that Azerbaijan relies on former Soviet-")
    assert page["record"] == record


def test_ref_lines_link_to_the_cables_the_archive_holds(client: Client) -> None:
    page = get_json(client, "/cable/09BAKU450.json")
    assert [(r["label"], r["id"], r["href"]) for r in page["references"]] == [
        ("A", "09BAKU433", "/cable/09BAKU433"),
        ("B", "09BAKU999", None),
    ]
    html = client.get("/cable/09BAKU450").text
    assert '<a href="/cable/09BAKU433">BAKU 433</a>' in html
    assert "09BAKU999: not in the archive" in html


def test_the_original_bytes_come_with_their_type_name_and_sha256(client: Client) -> None:
    response = client.get("/cable/BAKU-000433/source")
    assert response.status == 200
    assert response.body == SEED_CABLE.read_bytes()
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f"attachment; filename*=UTF-8''{SEED_CABLE.name}"
    )
    page = get_json(client, "/cable/BAKU-000433.json")
    assert page["source"]["sha256"] == hashlib.sha256(response.body).hexdigest()
    assert page["source"]["href"] == "/cable/09BAKU433/source"
    # A stored web page is a download, never run as a page of the archive's own site.
    html = client.get("/cable/72TEHRAN4789/source")
    assert html.body == (FIXTURES / "cablegate-html" / "72TEHRAN4789.html").read_bytes()
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["content-security-policy"] == "sandbox"
    assert html.headers["x-content-type-options"] == "nosniff"


def test_an_article_has_the_same_page(client: Client) -> None:
    page = get_json(client, f"/article/{ARTICLE}.json")
    header = {row["label"]: row["value"] for row in page["header"]}
    assert header["headline"] == "Aliyev Rejects U.S. Calls For Lifting Of Karabakh Road Blockade"
    assert page["kind"] == "article"
    # Its paragraphs carry no numbers: they are cited by their place.
    first = page["paragraphs"][0]
    assert first["anchor"] == "s1"
    assert first["citation"] == f"{ARTICLE}, paragraph 1"
    moved = client.get(f"/cable/{ARTICLE}")
    assert (moved.status, moved.headers["location"]) == (302, f"/article/{ARTICLE}")
    assert "cp-article" in client.get(f"/article/{ARTICLE}").text


def test_an_unknown_id_is_a_404_page_with_the_nearest_ids(client: Client) -> None:
    response = client.get("/cable/BAKU-000434")
    assert response.status == 404
    assert "no document BAKU-000434" in response.text
    assert '<a href="/cable/BAKU-000433">BAKU-000433</a>' in response.text
    error = get_json(client, "/cable/BAKU-000434.json", status=404)
    assert error["candidates"][0] == "BAKU-000433"
    assert client.get("/cable/BAKU-000434/source").status == 404


@pytest.mark.parametrize(
    ("typed", "nearest"),
    [
        ("BAKUU-000433", "BAKU-000433"),  # the station mistyped
        ("09BAKO433", "BAKU-000433"),
        ("YEREVAN-000021", "YEREVAN-000020"),  # the serial
        ("72TEHRAN47890", "TEHRAN-004789"),
        (ARTICLE[:-1] + "0", ARTICLE),  # an article's slug, its end mistyped
        ("aliyev-rejects-u-s-calls", ARTICLE),  # or cut short
        ("aliyev-rejects", ARTICLE),
    ],
)
def test_the_nearest_ids_of_a_mistyped_one(client: Client, typed: str, nearest: str) -> None:
    error = get_json(client, f"/cable/{quote(typed)}.json", status=404)
    assert error["candidates"][0] == nearest


def test_an_id_like_none_has_no_nearest_ids(client: Client) -> None:
    assert get_json(client, "/cable/QQQQ-999.json", status=404)["candidates"] == []


def test_search_gives_citations_with_the_hit_marked(client: Client) -> None:
    result = get_json(client, "/search.json?q=Lachin+corridor")
    hits = result["hits"]
    assert hits and all(h["kind"] == "article" for h in hits)
    first = hits[0]
    assert first["id"] == ARTICLE
    assert first["href"].startswith(f"/article/{ARTICLE}#s")
    assert first["citation"].startswith(f"{ARTICLE}, paragraph ")
    page = get_json(client, first["href"].split("#")[0] + ".json")
    anchored = next(p for p in page["paragraphs"] if p["anchor"] == first["href"].split("#")[1])
    assert "Lachin corridor" in anchored["text"]
    assert anchored["citation"] == first["citation"]
    html = client.get("/search?q=Lachin+corridor").text
    assert "<mark>Lachin</mark> <mark>corridor</mark>" in html
    assert f'href="{first["href"]}"' in html
    assert result["facets"]["kind"] == [["article", 2]]


def test_search_is_filtered_by_the_facets(client: Client) -> None:
    everything = get_json(client, "/search.json?q=Azerbaijan")
    kinds = dict(everything["facets"]["kind"])
    assert kinds["cable"] >= 2 and kinds["article"] >= 1
    cables = get_json(client, "/search.json?q=Azerbaijan&kind=cable")
    assert cables["hits"] and {h["kind"] for h in cables["hits"]} == {"cable"}
    assert cables["facets"]["kind"] == [["cable", kinds["cable"]]]
    tagged = get_json(client, "/search.json?q=Azerbaijan&tag=PREL&year=2009&origin=BAKU")
    assert {h["id"] for h in tagged["hits"]} <= {"BAKU-000433", "BAKU-000139", "BAKU-000450"}
    assert "BAKU-000433" in {h["id"] for h in tagged["hits"]}
    none = get_json(client, "/search.json?q=Lachin+corridor&kind=cable")
    assert (none["hits"], none["facets"]) == ([], {})
    assert none["matches"] == 4  # paragraphs with both words, before the filter
    assert "No hits." in client.get("/search?q=Lachin+corridor&kind=cable").text
    # A facet's link keeps the query and adds its value.
    assert 'href="/search?q=Azerbaijan&amp;kind=cable"' in client.get("/search?q=Azerbaijan").text


def test_a_common_word_is_ranked_among_its_latest_matches_and_the_page_says_so(
    client: Client, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web, "SEARCH_POOL", 3)
    with Archive(folder, immutable=True) as archive:
        matching = [
            rowid
            for (rowid,) in archive.db.execute(
                "SELECT rowid FROM paragraphs_fts WHERE paragraphs_fts MATCH 'Azerbaijan' "
                "ORDER BY rowid DESC"
            )
        ]
        latest = matching[:3]
        # bm25's order among the latest three, their paragraphs' documents and numbers.
        best = archive.db.execute(
            "SELECT d.id, p.number FROM paragraphs_fts f JOIN paragraphs p ON p.rowid = f.rowid "
            "JOIN documents d ON d.key = p.document WHERE paragraphs_fts MATCH 'Azerbaijan' "
            "AND f.rowid IN (?, ?, ?) ORDER BY bm25(paragraphs_fts), f.rowid DESC",
            latest,
        ).fetchall()
    assert len(matching) > 3
    narrow = get_json(client, "/search.json?q=Azerbaijan")
    assert (narrow["matches"], narrow["ranked_among"]) == (len(matching), 3)
    paragraph_hits = [(h["id"], h["paragraph"]) for h in narrow["hits"][:3]]
    assert paragraph_hits == [tuple(row) for row in best]
    html = client.get("/search?q=Azerbaijan").text
    assert "Ranked among the 3 most recently stored of them" in html
    assert 'href="/search?q=Azerbaijan&amp;ranked=wide"' in html
    wide = get_json(client, "/search.json?q=Azerbaijan&ranked=wide")
    assert wide["ranked_among"] == 20_000
    assert len(wide["hits"]) > len(narrow["hits"])
    assert "Ranked among" not in client.get("/search?q=Azerbaijan&ranked=wide").text


def test_a_malformed_fts_query_says_what_to_fix(client: Client) -> None:
    response = client.get('/search?q="Lachin+corridor&syntax=fts')
    assert response.status == 400
    assert "Close every double quote" in response.text
    assert get_json(client, '/search.json?q="Lachin+corridor&syntax=fts', status=400)["error"]
    # The same text as plain words is a search for them.
    assert get_json(client, '/search.json?q="Lachin+corridor')["hits"]
    phrase = get_json(client, '/search.json?q="Lachin+corridor"&syntax=fts')
    assert phrase["hits"][0]["id"] == ARTICLE


def test_datasette_tables_have_the_facets_and_search(client: Client) -> None:
    documents = get_json(client, "/cableparse/documents.json?_shape=objects")
    facets = documents["facet_results"]
    assert {f["value"]: f["count"] for f in facets["kind"]["results"]} == {
        "cable": 5,
        "article": 4,
    }
    assert {"classification", "origin", "year"} <= set(facets)
    tags = get_json(client, "/cableparse/tags.json?_shape=objects")
    assert "tag" in tags["facet_results"]
    found = get_json(client, "/cableparse/paragraphs.json?_search=Abiyev&_shape=objects")
    assert found["rows"] and all("Abiyev" in r["text"] for r in found["rows"])
    titles = get_json(client, "/cableparse/documents.json?_search=DEFENSE+MINISTER&_shape=objects")
    assert {r["id"] for r in titles["rows"]} == {"BAKU-000433", "BAKU-000450"}
    # The documents table links each id to its page.
    assert '<a href="/cable/09BAKU433">BAKU-000433</a>' in client.get("/cableparse/documents").text
    assert 'action="/search"' in client.get("/").text
    plugins = get_json(client, "/-/plugins.json")
    assert "cableparse" in {p["name"] for p in plugins}


FACET_COUNT = "SELECT {0}, count(*) FROM documents WHERE {0} IS NOT NULL GROUP BY {0}"


def test_datasette_counts_the_documents_facets_from_indexes(folder: Path) -> None:
    # Datasette's count of a facet: an index of the column alone, never the documents' rows
    # (on Cablegate's size each facet outlasted Datasette's time limit without one).
    with Archive(folder, immutable=True) as archive:
        for column in ("kind", "classification", "origin", "year"):
            plan = " ".join(
                r[3] for r in archive.db.execute(f"EXPLAIN QUERY PLAN {FACET_COUNT.format(column)}")
            )
            assert f"COVERING INDEX documents_{column}" in plan, plan
        plan = archive.db.execute(
            "EXPLAIN QUERY PLAN " + FACET_COUNT.replace("documents", "tags").format("tag")
        ).fetchall()
        assert "COVERING INDEX tags_tag" in plan[0][3]


def test_serve_indexes_the_facets_of_an_archive_made_before_them(
    folder: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "archive"
    copy.mkdir()
    (copy / "cableparse.db").write_bytes((folder / "cableparse.db").read_bytes())
    db = sqlite3.connect(copy / "cableparse.db")
    db.execute("DROP INDEX documents_kind")
    db.execute("DROP INDEX documents_year")
    db.commit()
    db.close()
    said: list[str] = []
    assert check_archive(str(copy), say=said.append) == copy
    assert said == [f"{copy}/: indexing the columns of the documents' facets (once)"]
    with Archive(copy, immutable=True) as archive:
        assert archive.missing_indexes() == []
    # Served again: nothing to do, nothing said.
    check_archive(str(copy), say=said.append)
    assert len(said) == 1


def test_serve_serves_an_archive_it_cannot_index(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "archive"
    copy.mkdir()
    (copy / "cableparse.db").write_bytes((folder / "cableparse.db").read_bytes())
    db = sqlite3.connect(copy / "cableparse.db")
    db.execute("DROP INDEX documents_origin")
    db.commit()
    db.close()

    def read_only(self: Archive, statements: list[str]) -> None:
        raise ArchiveError(f"{self.path}: the archive is read-only")

    # Root writes to any file, so the refusal of a read-only one is what is played here.
    monkeypatch.setattr(Archive, "add_indexes", read_only)
    said: list[str] = []
    assert check_archive(str(copy), say=said.append) == copy
    assert said[-1] == (
        f"{copy / 'cableparse.db'}: the archive is read-only: "
        "Datasette's facets of the documents table may time out"
    )


def test_no_request_can_write_to_the_archive(client: Client, folder: Path) -> None:
    db = folder / "cableparse.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    writes = [
        "DELETE FROM documents",
        "UPDATE documents SET title = 'x'",
        "INSERT INTO tags(document, tag) VALUES (1, 'X')",
        "DROP TABLE tags",
        "PRAGMA journal_mode = DELETE",
        "ATTACH DATABASE 'x.db' AS x",
        "VACUUM",
    ]
    for sql in writes:
        response = client.get(f"/cableparse.json?sql={quote(sql)}")
        assert response.status in (400, 403), (sql, response.status)
    # Datasette's own write paths (canned write queries, the 1.0 write API) are not there.
    assert client.post("/cableparse/-/insert", post_data={"row": "{}"}).status in (403, 404, 405)
    assert client.post("/cableparse", post_data={"sql": writes[0]}).status in (403, 404, 405)
    assert get_json(client, "/-/databases.json")[0]["is_mutable"] is False
    count = get_json(
        client, "/cableparse.json?sql=SELECT+count(*)+AS+n+FROM+documents&_shape=array"
    )
    assert count == [{"n": 9}]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    # Immutable: not even a write-ahead log was opened.
    assert not Path(f"{db}-wal").exists()


def test_serve_refuses_what_is_no_archive(tmp_path: Path) -> None:
    missing = CliRunner().invoke(main, ["serve", "--archive", str(tmp_path / "none")])
    assert missing.exit_code == 1
    assert f"no archive at {tmp_path / 'none'}/" in missing.output
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with sqlite3.connect(foreign / "cableparse.db") as db:
        db.execute("CREATE TABLE t (x)")
    result = CliRunner().invoke(main, ["serve", "--archive", str(foreign)])
    assert result.exit_code == 1
    assert f"{foreign / 'cableparse.db'} is an SQLite database, but not a cableparse" in (
        result.output
    )


def test_serve_refuses_an_archive_an_ingest_is_writing(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "archive"
    copy.mkdir()
    (copy / "cableparse.db").write_bytes((folder / "cableparse.db").read_bytes())
    writer = sqlite3.connect(copy / "cableparse.db", isolation_level=None)
    try:
        # An ingest mid-batch: its connection is open and its log holds pages.
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("INSERT INTO meta(key, value) VALUES ('test', 'mid-batch')")
        result = CliRunner().invoke(main, ["serve", "--archive", str(copy)])
    finally:
        writer.close()
    assert result.exit_code == 1
    assert "an ingest is writing to this archive" in result.output


def test_serve_names_the_extra_when_datasette_is_missing(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "datasette" or m.startswith("cableparse.web")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "datasette", None)
    result = CliRunner().invoke(main, ["serve", "--archive", str(folder)])
    assert result.exit_code == 1
    assert "pip install 'cableparse[serve]'" in result.output


def test_an_id_of_two_cables_lists_both(tmp_path: Path) -> None:
    # The same station and serial in two years: BAKU-000001 names both, 09BAKU1 one.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for year in ("08", "09"):
        (corpus / f"{year}BAKU1.txt").write_text(
            "UNCLASSIFIED BAKU 000001\n\nSIPDIS\n\nE.O. 12958: N/A\nTAGS: PREL, AJ\n"
            f"SUBJECT: A CABLE OF 20{year}\n\n1. (U) The only paragraph.\n",
            encoding="utf-8",
        )
    with Archive(tmp_path / "archive", create=True) as archive:
        assert pipeline.ingest(iter_sources(corpus), archive).new == 2
    client = Client(make_datasette(check_archive(str(tmp_path / "archive"))))
    response = client.get("/cable/BAKU-000001")
    assert response.status == 300
    assert '<a href="/cable/08BAKU1">BAKU-000001 (08BAKU1)</a>' in response.text
    assert '<a href="/cable/09BAKU1">BAKU-000001 (09BAKU1)</a>' in response.text
    assert get_json(client, "/cable/09BAKU1.json")["title"] == "A CABLE OF 2009"


def test_an_unnumbered_paragraph_of_a_cable_is_cited_by_its_numbered_neighbour(
    client: Client,
) -> None:
    # 72TEHRAN4789's summary comes before its ¶1 and has no number of its own: "paragraph 1"
    # would read as ¶1.
    page = get_json(client, "/cable/72TEHRAN4789.json")
    summary, first = page["paragraphs"][:2]
    assert summary["text"].startswith("SUMMARY: TERRORIST ACTIVITIES IN IRAN SEEM TO BE")
    assert (summary["anchor"], summary["citation"]) == (
        "s1",
        "TEHRAN-004789 (72TEHRAN4789), the unnumbered paragraph before ¶1",
    )
    assert first["citation"] == "TEHRAN-004789 ¶1 (72TEHRAN4789)"
    (hit,) = get_json(client, "/search.json?q=subsidence+vacation")["hits"]
    assert (hit["citation"], hit["href"]) == (summary["citation"], "/cable/72TEHRAN4789#s1")


def test_a_datasette_of_another_database_is_left_as_it_is(tmp_path: Path) -> None:
    # The plugin is installed for every Datasette of the environment.
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    client = Client(Datasette([str(other)]))
    home = client.get("/")
    assert home.status == 200 and 'action="/search"' not in home.text
    assert client.get("/search?q=x").status == 404
    assert client.get("/cable/BAKU-000433").status == 404
