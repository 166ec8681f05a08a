"""`related`: the documents most about the same events, on real cables and articles (the
seeds' Baku cable and its four articles among the fixtures' 40 cables and 9 other articles)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cableparse import pipeline, related
from cableparse.archive import Archive, LookupFailed
from cableparse.cli import main

from .conftest import FIXTURES, SEEDS

SEED_ARTICLES = {
    "u-s-refuses-arms-deal-with-azerbaijan-e117b706",
    "azeris-seek-us-involvement-in-karabagh-pledge-further-83fcfb70",
    "us-warns-against-use-of-force-in-karabakh-1fe1dfac",
    "aliyev-rejects-u-s-calls-for-lifting-of-karabakh-road-f0d05d51",
}


@pytest.fixture(scope="module")
def archive_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("related") / "archive"
    paths = [FIXTURES / "cablegate-dev", FIXTURES / "news-dev", SEEDS]
    with Archive(folder, create=True) as archive:
        report = pipeline.ingest(pipeline.read_inputs([str(p) for p in paths]), archive)
    assert report.failed == 0
    return folder


def test_the_baku_cable_and_its_four_articles_find_each_other(archive_dir: Path) -> None:
    with Archive(archive_dir) as archive:
        cable = archive.resolve("BAKU-000433")
        articles = archive.related(cable, kind="article", limit=4)
        # The four seed articles, ahead of the other nine (Viacom, Verdun, Waze, ...).
        assert {r.document.id for r in articles} == SEED_ARTICLES
        for doc_id in SEED_ARTICLES:
            found = archive.related(archive.resolve(doc_id), kind="cable", limit=2)
            assert "BAKU-000433" in [r.document.id for r in found], doc_id


def test_each_result_says_why(archive_dir: Path) -> None:
    with Archive(archive_dir) as archive:
        found = archive.related(archive.resolve("09BAKU433"), limit=10)
    assert found and all(r.terms for r in found)
    assert "BAKU-000433" not in [r.document.id for r in found]
    scores = [r.score for r in found]
    assert scores == sorted(scores, reverse=True)
    stop = related.stop_words()
    for r in found:
        assert not set(r.terms) & stop
        assert not any(t.isdigit() or set(t) == {"x"} for t in r.terms)
    by_id = {r.document.id: r for r in found}
    # BAKU 139 is dated 20 February 2009, the cable 1 June 2009; the articles have no date.
    assert by_id["BAKU-000139"].days == 101
    assert all(r.days is None for r in found if r.document.kind == "article")


def test_days_keeps_the_documents_dated_that_close(archive_dir: Path) -> None:
    with Archive(archive_dir) as archive:
        record = archive.resolve("BAKU-000433")
        near = archive.related(record, kind="cable", days=120, limit=20)
        wide = archive.related(record, kind="cable", days=200, limit=20)
    assert near and all(r.days is not None and r.days <= 120 for r in near)
    assert "BAKU-000139" in [r.document.id for r in near]  # 101 days
    assert "UNVIEVIENNA-000006" not in [r.document.id for r in near]  # 140 days
    assert "UNVIEVIENNA-000006" in [r.document.id for r in wide]


def test_date_closeness_weighs() -> None:
    assert related.closeness(0) == 1
    assert related.closeness(365) == pytest.approx(0.5)
    assert related.closeness(3650) == pytest.approx(1 / 11)
    assert related.closeness(None) == related.UNDATED_WEIGHT
    assert related.days_apart("2009-06-01T03:35:00Z", "2009-02-20") == 101
    assert related.days_apart("2009-06-01", None) is None


def test_related_command(archive_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "related",
            "09baku433",
            "--kind",
            "article",
            "--limit",
            "2",
            "--archive",
            str(archive_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("related to BAKU-000433 (09BAKU433):\n")
    assert result.output.count("shares: ") == 2 and "date unknown" in result.output
    result = runner.invoke(main, ["related", "BAKU-000434", "--archive", str(archive_dir)])
    assert result.exit_code == 2
    assert "no document BAKU-000434" in result.output and "BAKU-000433" in result.output


def test_a_redaction_is_no_distinctive_term(archive_dir: Path) -> None:
    # 09YEREVAN20 names its Armenian and Bulgarian firms "XXXXXXXXXXXX", as does 09DHAHRAN266
    # its sources: the redaction matched the two cables to each other.
    assert related.candidate_terms(["the firm XXXXXXXXXXXX and its guns"]) == {"firm": 1, "guns": 1}
    with Archive(archive_dir) as archive:
        found = archive.related(archive.resolve("09YEREVAN20"), limit=20)
    assert found and not any("xxxx" in t for r in found for t in r.terms)


def test_a_document_alone_in_its_archive_has_nothing_related(tmp_path: Path) -> None:
    with Archive(tmp_path / "archive", create=True) as archive:
        pipeline.ingest(pipeline.read_inputs([str(SEEDS / "002_304b85bcb573f93c.txt")]), archive)
        assert archive.related(archive.resolve("BAKU-000433")) == []
    result = CliRunner().invoke(
        main, ["related", "BAKU-000433", "--archive", str(tmp_path / "archive")]
    )
    assert result.exit_code == 0
    assert result.output == "nothing in the archive is related to BAKU-000433 (09BAKU433)\n"


def test_an_unknown_id_names_the_ids_near_it(archive_dir: Path) -> None:
    with Archive(archive_dir) as archive:
        with pytest.raises(LookupFailed) as cut_short:
            archive.resolve("u-s-refuses-arms")
        assert cut_short.value.candidates[0] == "u-s-refuses-arms-deal-with-azerbaijan-e117b706"
        with pytest.raises(LookupFailed) as serial:
            archive.resolve("BAKU 140")
        # The station's nearest serials: BAKU 139 (09BAKU139), then BAKU 433 (the seed).
        assert serial.value.candidates == ["BAKU-000139", "BAKU-000433"]
