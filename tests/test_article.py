"""The article parser on real articles: the seeds' exact acceptance (issue #3), each layout rule
on the news-dev article that shows it (tests/fixtures/news-dev/ holds them byte for byte), HTML
pages, ids, and arbitrary text. Expected values were read off the source texts by eye."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cableparse import ParseError, parse_path, parse_source, parse_text
from cableparse.article import parse_article
from cableparse.normalize import squash, unmark
from cableparse.sources import Source, decode

from .conftest import FIXTURES, SEEDS, check_record

DEV = FIXTURES / "news-dev"


def record_of(path: Path) -> dict[str, Any]:
    [doc] = list(parse_path(path))
    return check_record(doc.to_record(), doc.text)


def html_doc(name: str) -> tuple[dict[str, Any], str]:
    data = (DEV / name).read_bytes()
    text, encoding, warnings = decode(data)
    fmt = "article-html"
    src = Source(name, data, text, encoding, fmt, warnings=tuple(warnings))
    doc = parse_source(src)
    return check_record(doc.to_record(), doc.text), doc.text


def article_of_text(text: str) -> dict[str, Any]:
    doc = parse_text(text, source="test.txt")
    record = check_record(doc.to_record(), doc.text)
    assert record["kind"] == "article"
    return record


def seed(prefix: str) -> dict[str, Any]:
    [path] = SEEDS.glob(f"{prefix}_*.txt")
    return record_of(path)


def texts(record: dict[str, Any]) -> list[str]:
    return [p["text"] for p in record["paragraphs"]]


def warned(record: dict[str, Any], pattern: str) -> list[str]:
    return [w for w in record["provenance"]["warnings"] if re.search(pattern, w)]


# ---- the seeds: issue #3's exact acceptance -----------------------------------------------------


def test_seed_000_caption_after_the_headline() -> None:
    record = seed("000")
    article = record["article"]
    assert record["title"] == article["headline"] == "U.S. ‘Refuses Arms Deal With Azerbaijan'"
    [caption] = article["captions"]
    assert caption.startswith("Pakistan -- Drivers")
    assert article["dateline"] is None
    assert texts(record)[0].startswith("The United States has reportedly refused")


def test_seed_001_dateline_with_an_en_dash_and_no_spaces() -> None:
    record = seed("001")
    article = record["article"]
    assert record["title"] == (
        "Azeris Seek US Involvement in Karabagh Pledge Further Security Cooperation"
    )
    assert article["dateline"] == {"place": "BAKU", "agency": "Reuters", "text": "BAKU (Reuters)–"}
    assert texts(record)[0].startswith("Azerbaijan asked the United States")
    # The site's comment policy under the article is not the article.
    assert not any("Comments are welcomed" in t for t in texts(record))
    assert warned(record, r"removed comment section .*line 37")


def test_seed_003_caption_above_the_headline_counters_and_prompts() -> None:
    record = seed("003")
    article = record["article"]
    assert record["title"] == "US Warns Against ‘Use Of Force’ In Karabakh"
    assert article["captions"] == ["U.S. Secretary of State Antony Blinken (AP photo)", "Yuri Kim"]
    assert article["dateline"]["place"] == "WASHINGTON"
    assert article["dateline"]["agency"] == "RFE/RL"
    body = texts(record)
    assert not {"255", "0"} & set(body)
    assert not any(t.startswith("Get the Mirror") for t in body)
    assert body[0].startswith("The United States on Sunday, September 10, warned")
    # Each removal says what and where.
    assert warned(record, r"removed share counter “255” \(line 5,")
    assert warned(record, r"removed share counter “0” \(line 6,")
    assert warned(record, r"removed newsletter prompt “Get the Mirror in your inbox:” \(line 20,")


def test_seed_003_a_date_without_its_year_is_no_publication_date() -> None:
    record = seed("003")
    assert record["article"]["published"] is None
    assert record["date"] is None
    assert warned(record, r"“Sunday, September 10” without a year")


def test_seed_004_captions_before_and_inside_the_body() -> None:
    record = seed("004")
    article = record["article"]
    assert record["title"] == "Aliyev Rejects U.S. Calls For Lifting Of Karabakh Road Blockade"
    assert len(article["captions"]) == 2
    assert article["captions"][0].startswith("Nagorno-Karabakh - Azerbaijani protesters")
    assert article["captions"][1].startswith("Armenia - U.S. Ambassador Kristina Kvien visits")
    assert texts(record)[0].startswith(
        "In a phone call with U.S. Secretary of State Antony Blinken"
    )
    assert not any(t.startswith("Armenia - U.S. Ambassador") for t in texts(record))


@pytest.mark.parametrize("prefix", ["000", "001", "003", "004"])
def test_seed_provenance_names_the_parser_and_why_not_a_cable(prefix: str) -> None:
    record = seed(prefix)
    assert record["kind"] == "article"
    assert record["cable"] is None
    assert record["classification"] is None
    assert record["provenance"]["parser"] == "article"
    assert record["provenance"]["format"] == "article-text"
    assert warned(record, r"^not a cable: ")
    assert all(p["number"] is None for p in record["paragraphs"])


# ---- spans --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [*sorted(SEEDS.glob("00[0134]_*.txt")), *sorted(DEV.glob("*.txt"))], ids=str
)
def test_every_span_covers_its_paragraphs_source_characters(path: Path) -> None:
    [doc] = list(parse_path(path))
    record = check_record(doc.to_record(), doc.text)
    assert record["paragraphs"]
    for p in record["paragraphs"]:
        start, end = p["span"]
        assert start < end
        assert unmark(squash(doc.text[start:end])) == p["text"]


def test_the_dateline_span_is_the_dateline_and_the_body_span_starts_after_it() -> None:
    [doc] = list(parse_path(SEEDS / "001_47c0d2a317fc219f.txt"))
    record = doc.to_record()
    start, end = record["provenance"]["spans"]["dateline"]
    assert doc.text[start:end] == "BAKU (Reuters)–"
    assert doc.text[record["paragraphs"][0]["span"][0] :].startswith("Azerbaijan asked")


# ---- datelines, bylines, dates on real articles -------------------------------------------------


def test_reuters_byline_and_dateline_with_a_day_but_no_year() -> None:
    record = record_of(DEV / "r21578-00903-philippine-peso.txt")
    article = record["article"]
    assert record["title"] == "PHILIPPINE PLANNING CHIEF URGES PESO DEVALUATION"
    assert article["byline"] == "By Chaitanya Kalbag, Reuters"
    assert article["dateline"] == {"place": "MANILA", "agency": None, "text": "MANILA, March 3 -"}
    assert article["published"] is None
    assert warned(record, r"“MANILA, March 3 -” gives the day without a year")
    assert texts(record)[0].startswith("The Philippines must devalue the peso")
    # The wire's sign-off is no paragraph, and its removal is recorded.
    assert texts(record)[-1].startswith("The peso lost 22.2 pct")
    assert warned(record, r"removed sign-off “REUTER”")


def test_reuters_results_table_rows_stay_apart() -> None:
    record = record_of(DEV / "r21578-00038-cinram-4th-qtr.txt")
    dateline = record["article"]["dateline"]
    assert dateline["place"] == "Scarborough, Ontario"
    assert dateline["text"] == "Scarborough, Ontario, Feb 26 -"
    assert texts(record)[:3] == [
        "Shr 45 cts vs 58 cts",
        "Net 1.1 mln vs 829,000",
        "Sales 7.9 mln vs 9.4 mln",
    ]


def test_ap_dateline_and_the_byline_line_that_dates_the_story() -> None:
    record = record_of(DEV / "web2016-usatoday-ap-somalia-siege.txt")
    article = record["article"]
    assert article["dateline"] == {
        "place": "MOGADISHU, Somalia",
        "agency": "AP",
        "text": "MOGADISHU, Somalia (AP) —",
    }
    assert article["byline"] == "AP"
    assert article["published"] == record["date"] == "2016-01-22"
    [caption] = article["captions"]
    assert caption.startswith("Ambulance workers stand by near the Lido beach")
    assert texts(record)[0].startswith("Somalia's security forces ended a deadly siege")
    body = " ".join(texts(record))
    assert "Copyright 2016" not in body
    assert "Read or Share this story" not in body
    assert warned(record, r"removed copyright line “Copyright 2016 The Associated Press")


def test_dateline_alone_on_its_line_with_no_space_before_the_dash() -> None:
    record = record_of(DEV / "web2016-voa-verdun.txt")
    dateline = record["article"]["dateline"]
    assert dateline == {"place": "VERDUN, FRANCE", "agency": None, "text": "VERDUN, FRANCE—"}
    assert texts(record)[0].startswith("In solemn ceremonies Sunday in the forests")


def test_caption_between_headline_and_dateline_and_bracketed_story_links() -> None:
    record = record_of(DEV / "web2016-wapo-waze-soldiers.txt")
    article = record["article"]
    assert article["dateline"]["place"] == "JERUSALEM"
    [caption] = article["captions"]
    assert caption.startswith("A Palestinian boy outside a market")
    assert caption.endswith("(Nasser Nasser/AP)")
    assert "[Why some American cops hate Waze]" not in texts(record)
    assert warned(record, r"removed link to another story “\[Why some American cops")


def test_npr_caption_widget_text_and_repeated_caption() -> None:
    record = record_of(DEV / "web2016-npr-belgian-minister.txt")
    article = record["article"]
    first = (
        "Jacqueline Galant, who resigned as Belgium's transport minister Friday, says that "
        "she's the victim of a crusade against her."
    )
    assert article["captions"] == [f"{first} Dirk Waem/AFP/Getty Images", first]
    assert article["dateline"] is None
    assert article["byline"] is None
    body = texts(record)
    assert body[0].startswith("Belgian Transport Minister Jacqueline Galant resigned Friday")
    assert not any("caption" in t or t == "Dirk Waem/AFP/Getty Images" for t in body)
    assert warned(record, r"removed caption widget text “hide caption”")
    assert warned(record, r"removed caption widget text “toggle caption")


def test_headline_is_kept_as_written_and_the_body_is_clean_text() -> None:
    record = record_of(DEV / "bbcds-entertainment-199.txt")
    # The BBC file's own headline has the entity; the headline is as the source states it.
    assert record["title"] == "&#163;1.8m indecency fine for Viacom"
    assert texts(record)[0].startswith("Media giant Viacom has paid out $3.5m (£1.8m)")


@pytest.mark.parametrize(
    ("opening", "place", "agency"),
    [
        ("WASHINGTON (RFE/RL) — The United States said", "WASHINGTON", "RFE/RL"),
        ("(CNN) -- The United States said", None, "CNN"),
        ("MANILA, March 3 - The United States said", "MANILA", None),
        ("LONDON (Reuters) -The United States said", "LONDON", "Reuters"),
        ("SÃO PAULO, Brazil (Reuters) - The United States said", "SÃO PAULO, Brazil", "Reuters"),
        ("BAKU/YEREVAN (Reuters) - The United States said", "BAKU/YEREVAN", "Reuters"),
        (
            "DALLAS/FORT WORTH, Texas, March 4 - The United States said",
            "DALLAS/FORT WORTH, Texas",
            None,
        ),
        (
            "TAUPO, New Zealand, April 3 - (Reuter) - The United States said",
            "TAUPO, New Zealand",
            "Reuter",
        ),
        ("WASHINGTON — AP — The United States said", "WASHINGTON", "AP"),
        ("(CNN)The United States said", None, "CNN"),
        ("Baku, Azerbaijan (AP) — The United States said", "Baku, Azerbaijan", "AP"),
        ("Dallas/Fort Worth, March 4 - The United States said", "Dallas/Fort Worth", None),
        ("PARIS, 3 MARCH - The United States said", "PARIS", None),
        ("Port of Spain, March 3 - The United States said", "Port of Spain", None),
    ],
)
def test_dateline_forms_named_in_the_issue(opening: str, place: str | None, agency: str) -> None:
    record = article_of_text(f"A headline\n\n{opening} so.\n\nMore text follows here.\n")
    dateline = record["article"]["dateline"]
    assert (dateline["place"], dateline["agency"]) == (place, agency)
    assert texts(record)[0] == "The United States said so."


def test_the_agency_at_the_end_of_a_dateline_on_its_own_line() -> None:
    record = article_of_text(
        "A headline\n\nTAUPO, New Zealand, April 3 - (Reuter)\n\nThe lake rose.\n"
    )
    assert record["article"]["dateline"] == {
        "place": "TAUPO, New Zealand",
        "agency": "Reuter",
        "text": "TAUPO, New Zealand, April 3 - (Reuter)",
    }
    assert texts(record) == ["The lake rose."]


@pytest.mark.parametrize(
    "opening",
    ["New rules - the council voted on Monday.", "Apple (AAPL) - shares rose on Monday."],
)
def test_a_title_case_opening_without_a_day_or_wire_service_is_no_dateline(opening: str) -> None:
    record = article_of_text(f"A headline\n\n{opening}\n")
    assert record["article"]["dateline"] is None
    assert texts(record) == [opening]


def test_the_dateline_day_with_its_year_dates_the_story_and_says_so() -> None:
    record = article_of_text(
        "A headline\n\nWASHINGTON, MARCH 3, 1987 - The Senate voted.\n\nIt was close.\n"
    )
    assert record["date"] == record["article"]["published"] == "1987-03-03"
    assert warned(
        record, r"publication date 1987-03-03 is inferred from the dateline “WASHINGTON, MARCH 3"
    )
    assert texts(record)[0] == "The Senate voted."


def test_a_hyphenated_word_in_capitals_is_no_dateline() -> None:
    record = article_of_text("A headline\n\nA HIGH-powered team came to town.\n")
    assert record["article"]["dateline"] is None
    assert texts(record) == ["A HIGH-powered team came to town."]


@pytest.mark.parametrize(
    "byline",
    [
        "By Jane Doe",
        "by Patrick Rizzo, Reuters",
        "By Jane Doe and John Roe",
        "By Kareem Khadder, Mohammed Tawfeeq, Abeer Salman and Helen Regan, CNN",
        "By Jane Doe, John Roe, and Ann Poe",
        "Jane Doe; John Roe",
        "Par Sébastien Farcis",
        "Par Jean Dupont et Émilie Durand",
    ],
)
def test_byline_forms_named_in_the_issue(byline: str) -> None:
    record = article_of_text(f"A headline\n\n{byline}\n\nThe text of the story.\n")
    assert record["article"]["byline"] == byline
    assert texts(record) == ["The text of the story."]


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Jim Suhr and Amy Shafer | AP", "Jim Suhr and Amy Shafer"),
        ("By JOHN SMITH and JANE DOE | AP", "By JOHN SMITH and JANE DOE"),
    ],
)
def test_the_agency_after_a_bar_is_apart_from_the_names(line: str, names: str) -> None:
    record = article_of_text(f"A headline\n\n{line}\n\nThe text of the story.\n")
    assert record["article"]["byline"] == names
    assert warned(record, rf"byline “{names}” stops at the bar: “\| AP” is printed apart")
    # The span still covers the whole line: the agency is there to be read.
    start, end = record["provenance"]["spans"]["byline"]
    assert end - start == len(line)
    assert texts(record) == ["The text of the story."]


def test_the_time_and_day_after_a_byline_are_not_part_of_it() -> None:
    record = article_of_text(
        "A headline\n\nBy Erin Cunningham January 27 at 11:15 PM\n\nCAIRO — Gunmen opened fire.\n"
    )
    article = record["article"]
    assert article["byline"] == "By Erin Cunningham"
    assert article["published"] is None  # January 27 of which year: none is guessed
    assert warned(record, r"“January 27 at 11:15 PM” after the byline gives no year")
    assert article["dateline"]["place"] == "CAIRO"
    assert texts(record) == ["Gunmen opened fire."]


def test_a_date_line_without_its_year_is_no_caption_and_no_date() -> None:
    record = article_of_text(
        "A headline\n\nBy Joby Warrick\n\nJanuary 27 at 11:15 PM\n\n"
        "BEIRUT — Fighters seized the town.\n"
    )
    article = record["article"]
    assert article["byline"] == "By Joby Warrick"
    assert article["captions"] == []
    assert article["published"] is None
    assert warned(record, r"the date line “January 27 at 11:15 PM” gives no year: .* \(line 5,")
    assert article["dateline"]["place"] == "BEIRUT"


def test_a_dateline_alone_on_its_line_is_not_taken_for_a_date_line() -> None:
    record = article_of_text("A headline\n\nROME, March 3, 1987 -\n\nThe Pope spoke.\n")
    assert record["article"]["dateline"]["text"] == "ROME, March 3, 1987 -"
    assert texts(record) == ["The Pope spoke."]


def test_a_byline_with_its_date_and_year_dates_the_story() -> None:
    record = article_of_text(
        "A headline\n\nBy Jane Doe March 3, 2016 at 11:15 PM\n\nThe text of the story.\n"
    )
    assert record["article"]["byline"] == "By Jane Doe"
    assert record["date"] == "2016-03-03"


def test_the_same_byline_twice_in_another_case_is_kept_once() -> None:
    record = article_of_text(
        "A headline\n\nBy Laurie Oakes\n\nLAURIE OAKES\n\nThe text of the story.\n"
    )
    assert record["article"]["byline"] == "By Laurie Oakes"
    assert warned(record, r"removed repeated byline “LAURIE OAKES” \(line 5,")
    assert texts(record) == ["The text of the story."]


@pytest.mark.parametrize(
    ("line", "byline", "dropped"),
    [
        ("By Laurie Oakes LAURIE OAKES", "By Laurie Oakes", "LAURIE OAKES"),
        ("Laurie Oakes; LAURIE OAKES", "Laurie Oakes", "LAURIE OAKES"),
    ],
)
def test_a_byline_line_that_prints_the_names_twice_keeps_them_once(
    line: str, byline: str, dropped: str
) -> None:
    record = article_of_text(f"A headline\n\n{line}\n\nThe text of the story.\n")
    assert record["article"]["byline"] == byline
    assert warned(record, rf"the byline prints “{dropped}” twice: kept once \(line 3,")


def test_a_byline_of_two_writers_is_no_repeat() -> None:
    record = article_of_text("A headline\n\nBy Jane Doe John Roe\n\nThe text of the story.\n")
    assert record["article"]["byline"] == "By Jane Doe John Roe"
    assert not warned(record, r"twice")


def test_a_page_date_line_and_section_above_the_headline() -> None:
    # A 2020 wire page copied from the top: section, date line, headline, reading time, byline.
    record = article_of_text(
        "World News\n\nOctober 10, 2020 / 6:12 AM / Updated 2 hours ago\n\n"
        "Armenia and Azerbaijan agree to a ceasefire\n\n3 Min Read\n\nReuters Staff\n\n"
        "BAKU/YEREVAN (Reuters) - The two sides agreed.\n"
    )
    article = record["article"]
    assert record["title"] == "Armenia and Azerbaijan agree to a ceasefire"
    assert article["published"] == "2020-10-10"
    assert article["byline"] == "Reuters Staff"
    assert article["dateline"]["agency"] == "Reuters"
    assert article["captions"] == []
    assert texts(record) == ["The two sides agreed."]


def test_a_french_date_line_dates_the_story() -> None:
    record = article_of_text(
        "Un titre\n\nPar Jean Dupont\n\nPublié le 12 mars 2020 à 10h30\n\nLe texte de l'article.\n"
    )
    assert record["article"]["byline"] == "Par Jean Dupont"
    assert record["date"] == "2020-03-12"
    assert texts(record) == ["Le texte de l'article."]


@pytest.mark.parametrize("section", ["Middle East & Africa", "World", "U.S. Politics"])
def test_a_site_section_above_the_headline_is_not_the_headline(section: str) -> None:
    record = article_of_text(
        f"{section}\n\nArmenia and Azerbaijan agree to a ceasefire\n\n"
        "BAKU/YEREVAN (Reuters) - The two sides agreed.\n"
    )
    assert record["title"] == "Armenia and Azerbaijan agree to a ceasefire"
    assert warned(record, rf"removed site section “{re.escape(section)}” \(line 1,")
    assert texts(record) == ["The two sides agreed."]


def test_a_headline_of_section_words_over_the_story_stays_the_headline() -> None:
    record = article_of_text("US Economy\n\nThe economy grew by 3% in the last quarter.\n")
    assert record["title"] == "US Economy"
    assert texts(record) == ["The economy grew by 3% in the last quarter."]


def test_a_site_section_below_the_headline_is_no_deck() -> None:
    record = article_of_text(
        "Armenia and Azerbaijan agree to a ceasefire\n\nMiddle East & Africa\n\n"
        "BAKU/YEREVAN (Reuters) - The two sides agreed.\n\nTalks go on.\n"
    )
    assert record["article"]["deck"] is None
    assert warned(record, r"removed site section “Middle East & Africa” \(line 3,")
    assert record["article"]["dateline"]["place"] == "BAKU/YEREVAN"


def test_deck_on_its_own_line_after_the_headline() -> None:
    record = article_of_text(
        "Azeris Seek US Involvement in Karabagh\n\nPledge Further Security Cooperation\n\n"
        "BAKU (Reuters)–Azerbaijan asked the United States for support.\n"
    )
    assert record["title"] == "Azeris Seek US Involvement in Karabagh"
    assert record["article"]["deck"] == "Pledge Further Security Cooperation"
    assert texts(record) == ["Azerbaijan asked the United States for support."]


def test_reading_time_and_related_coverage_leave_the_body() -> None:
    record = article_of_text(
        "A headline\n\n4 Min Read\n\nLONDON (Reuters) - The story starts here.\n\n"
        "Related Coverage\n\nSome other story's headline\n\nThe story goes on.\n"
    )
    assert texts(record) == ["The story starts here.", "The story goes on."]
    assert warned(record, r"removed reading time “4 Min Read” \(line 3,")
    assert warned(record, r"removed list of links to other stories “Related Coverage”")
    assert warned(record, r"removed link to another story “Some other story's headline”")


# ---- HTML article pages -------------------------------------------------------------------------


def test_html_page_through_trafilatura() -> None:
    record, text = html_doc("readability-wapo-1.html")
    article = record["article"]
    assert record["title"] == "Attack stokes instability fears in North Africa"
    assert article["dateline"] == {"place": "CAIRO", "agency": None, "text": "CAIRO —"}
    assert texts(record)[0].startswith("Gunmen opened fire on visitors at Tunisia’s most renowned")
    # trafilatura's author is a menu label here; the page's byline element says who wrote it.
    assert article["byline"] == "By Erin Cunningham"
    assert warned(record, r"author metadata “Username” is no name")
    provenance = record["provenance"]
    assert provenance["format"] == "article-html"
    assert warned(record, r"^HTML page: .*spans index that text")
    # The record's text is the extracted article, headline first; the bytes are the page's.
    assert text.startswith("Attack stokes instability fears in North Africa\n\nCAIRO —")
    assert provenance["sha256"] == parse_source_sha("readability-wapo-1.html")
    assert provenance["external"]["url"].startswith("http://www.washingtonpost.com/world/")


def parse_source_sha(name: str) -> str:
    return hashlib.sha256((DEV / name).read_bytes()).hexdigest()


def test_html_page_caption_and_author_metadata() -> None:
    record, _ = html_doc("readability-herald-sun-1.html")
    article = record["article"]
    assert record["title"] == "Angry media won’t buckle over new surveillance laws"
    # The page's article:author meta and its byline element both name Laurie Oakes.
    assert article["byline"] == "Laurie Oakes"
    [caption] = article["captions"]
    assert caption.endswith("for two years. Source: Supplied")
    assert texts(record)[0].startswith("A HIGH-powered federal government team")
    assert article["dateline"] is None


# ---- ids ----------------------------------------------------------------------------------------


def all_article_records() -> list[dict[str, Any]]:
    records = [record_of(p) for p in sorted(SEEDS.glob("00[0134]_*.txt"))]
    records += [record_of(p) for p in sorted(DEV.glob("*.txt"))]
    records += [html_doc(p.name)[0] for p in sorted(DEV.glob("*.html"))]
    return records


def test_article_ids_are_readable_unique_and_stable() -> None:
    records = all_article_records()
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    for record in records:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", record["id"])
    assert seed("000")["id"].startswith("u-s-refuses-arms-deal-with-azerbaijan-")
    assert [r["id"] for r in all_article_records()] == ids


def test_two_stories_with_one_headline_get_two_ids() -> None:
    one = article_of_text("Quarterly results\n\nThe company earned more.\n")
    two = article_of_text("Quarterly results\n\nThe company earned less.\n")
    assert one["id"] != two["id"]
    assert one["id"].startswith("quarterly-results-")


# ---- bad input ----------------------------------------------------------------------------------

_BOILERPLATE_LINES = [
    "255",
    "0",
    "Get the Mirror in your inbox:",
    "Related Coverage",
    "4 Min Read",
    "hide caption",
    "Copyright 2016 The Associated Press. All rights reserved.",
    "",
    " ",
]


def assert_valid_article(text: str) -> dict[str, Any]:
    data = text.encode("utf-8", "surrogatepass")
    src = Source(name="x.txt", data=data, text=text, encoding="utf-8", format="text")
    doc = parse_article(src)
    record = check_record(doc.to_record(), doc.text)
    for p in record["paragraphs"]:
        assert p["span"][0] < p["span"][1]
    return record


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_arbitrary_text_gives_a_valid_article_record(text: str) -> None:
    assert_valid_article(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_BOILERPLATE_LINES), max_size=40))
def test_text_of_boilerplate_only_gives_a_valid_record(lines: list[str]) -> None:
    record = assert_valid_article("\n".join(lines))
    assert all(p["text"] not in {"255", "0", "4 Min Read"} for p in record["paragraphs"][1:])


@pytest.mark.parametrize("text", ["", "   \n\t\n  ", "\n\n\n"])
def test_empty_and_whitespace_only_text(text: str) -> None:
    record = assert_valid_article(text)
    assert record["title"] is None
    assert record["paragraphs"] == []
    assert record["id"].startswith("untitled-")


def test_one_enormous_line() -> None:
    line = "word (and a parenthesis " * 40_000
    record = assert_valid_article(line)
    assert record["article"]["headline"] == squash(line)
    assert record["paragraphs"] == []


def test_what_stands_between_headline_and_a_later_dateline() -> None:
    record = article_of_text(
        "A headline\n\nSoldiers walk past a burned market in the camp on Monday.\n\n255\n\n"
        "JERUSALEM — Israeli forces mounted a rescue mission.\n"
    )
    assert record["article"]["captions"] == [
        "Soldiers walk past a burned market in the camp on Monday."
    ]
    assert warned(record, r"removed share counter “255”")
    assert texts(record) == ["Israeli forces mounted a rescue mission."]


def test_html_author_that_is_the_site_name_is_no_byline() -> None:
    body = "".join(
        f"<p>Paragraph {n} of the story tells what the president said about the laws, at "
        "length and in the words of a reporter who is not named on the page.</p>"
        for n in range(1, 6)
    )
    page = (
        "<html><head><title>Obama admits gun laws are his frustration - BBC News</title>"
        '<meta property="og:site_name" content="BBC News"/>'
        '<meta property="og:title" content="Obama admits gun laws are his frustration"/>'
        '<meta name="author" content="BBC News"/></head>'
        f"<body><article><h1>Obama admits gun laws are his frustration</h1>{body}</article>"
        "</body></html>"
    ).encode()
    src = Source("page.html", page, page.decode(), "utf-8", "article-html")
    doc = parse_source(src)
    record = check_record(doc.to_record(), doc.text)
    assert record["title"] == "Obama admits gun laws are his frustration"
    assert record["article"]["byline"] is None
    assert warned(record, r"author metadata “BBC News” is the site's name")
    assert texts(record)[0].startswith("Paragraph 1 of the story")


def test_story_highlights_and_buy_photo_leave_the_body() -> None:
    record = article_of_text(
        "Storm hits the coast\n\nStory Highlights\n\nThousands lose power\n\nSchools are closed\n\n"
        "A man walks in the rain. (Photo: Jane Doe, USA TODAY) Buy Photo\n\n"
        "MIAMI (AP) — A storm hit the coast on Sunday.\n\nBuy Photo\n\nIt moved on.\n"
    )
    article = record["article"]
    assert article["dateline"]["place"] == "MIAMI"
    assert article["captions"] == ["A man walks in the rain. (Photo: Jane Doe, USA TODAY)"]
    assert texts(record) == ["A storm hit the coast on Sunday.", "It moved on."]
    assert warned(record, r"removed story highlights “Story Highlights”")
    assert warned(record, r"removed story highlight “Thousands lose power”")
    assert warned(record, r"removed caption widget text “Buy Photo” \(line 13,")


def page_record(head: str, article: str = "") -> dict[str, Any]:
    """The record of a minimal HTML page: head elements, then an article of five paragraphs
    after what `article` puts before them."""
    body = "".join(
        f"<p>Paragraph {n} of the story tells what the president said about the laws, at "
        "length and in the words of the reporter who wrote it.</p>"
        for n in range(1, 6)
    )
    page = f"<html><head>{head}</head><body><article>{article}{body}</article></body></html>"
    src = Source("page.html", page.encode(), page, "utf-8", "article-html")
    doc = parse_source(src)
    return check_record(doc.to_record(), doc.text)


def test_html_the_same_author_twice_in_two_cases_is_kept_once() -> None:
    # The page's author meta and its article:author name one writer in two cases; the
    # extractor joins both.
    record = page_record(
        "<title>Angry media will not buckle</title>"
        '<meta name="author" content="Laurie Oakes"/>'
        '<meta property="article:author" content="LAURIE OAKES"/>'
    )
    assert record["article"]["byline"] == "Laurie Oakes"
    assert warned(record, r"names Laurie Oakes twice \(“LAURIE OAKES”\): kept once")


def test_html_author_that_is_the_site_domain_gives_way_to_the_byline_element() -> None:
    record = page_record(
        "<title>Islamic State fighters seize a town</title>"
        '<meta property="og:url" content="https://www.washingtonpost.com/world/a-story"/>'
        '<meta name="author" content="The Washington Post"/>',
        '<span class="byline">By Joby Warrick January 27 at 11:15 PM</span>',
    )
    assert record["article"]["byline"] == "By Joby Warrick"
    assert warned(record, r"author metadata “The Washington Post” is the site's name")


def test_html_the_site_name_printed_as_a_byline_is_no_byline() -> None:
    record = page_record(
        "<title>Obama admits gun laws are his frustration</title>"
        '<meta property="og:site_name" content="BBC News"/>',
        "<h1>Obama admits gun laws are his frustration</h1><p>BBC News</p>",
    )
    assert record["article"]["byline"] is None
    assert warned(record, r"the byline “BBC News” is the site's name")


def test_html_the_site_in_a_list_of_authors_is_left_out() -> None:
    record = page_record(
        "<title>Islamic State fighters seize a town</title>"
        '<meta property="og:url" content="https://www.washingtonpost.com/world/a-story"/>'
        '<meta name="author" content="Joby Warrick; The Washington Post"/>'
    )
    assert record["article"]["byline"] == "Joby Warrick"
    assert warned(record, r"“Joby Warrick; The Washington Post” names the site: left out")


def test_html_a_french_page_its_domain_as_author_and_its_par_byline() -> None:
    head = (
        "<title>Un troisième Français mort dans le séisme au Népal</title>"
        '<meta property="og:url" content="http://www.liberation.fr/monde/x"/>'
        '<meta property="og:site_name" content="Libé"/>'
    )
    # The author element names the domain's site, not its short name: still the publisher.
    record = page_record(head, '<span class="author">Libération</span>')
    assert record["article"]["byline"] is None
    assert warned(record, r"author metadata “Libération” is the site's name")
    record = page_record(head, '<div class="byline">Par Sébastien Farcis</div>')
    assert record["article"]["byline"] == "Par Sébastien Farcis"


def test_html_a_name_in_an_author_element_is_the_byline() -> None:
    record = page_record(
        "<title>Islamic State fighters seize a town</title>",
        '<p class="article-author"><a href="/author/joby-warrick">Joby Warrick</a></p>',
    )
    assert record["article"]["byline"] == "Joby Warrick"


def test_html_prefers_the_visible_headline_that_matches_the_metadata() -> None:
    record = page_record(
        '<title>Attack stokes fears - The Post</title><meta property="og:title" '
        'content="Attack stokes instability fears in North Africa - The Post"/>',
        "<h1>Attack stokes instability fears in North Africa</h1>",
    )
    assert record["title"] == "Attack stokes instability fears in North Africa"
    assert warned(record, r"the headline is the page's visible heading")
    assert record["provenance"]["external"]["title"] == (
        "Attack stokes instability fears in North Africa - The Post"
    )


def test_html_a_site_section_in_the_heading_is_not_the_headline() -> None:
    # The page's only h1 is its section, which the extractor takes for the title.
    record = page_record(
        "<title>Attack stokes instability fears in North Africa</title>",
        "<h1>Middle East &amp; Africa</h1>",
    )
    assert record["title"] == "Attack stokes instability fears in North Africa"
    assert not any(t == "Middle East & Africa" for t in texts(record))


def test_html_the_date_of_the_page_metadata_says_where_it_came_from() -> None:
    record = page_record(
        "<title>Islamic State fighters seize a town</title>"
        '<meta property="article:published_time" content="2016-01-27T23:15:00Z"/>'
    )
    assert record["date"] == "2016-01-27"
    assert warned(record, r"publication date 2016-01-27 is inferred from the page's metadata")


def test_html_a_date_the_markup_does_not_state_says_so() -> None:
    # The extractor reads the day from the page's address; the markup states no date.
    record = page_record(
        "<title>Islamic State fighters seize a town</title>"
        '<meta property="og:url" content="https://example.org/world/2016/01/27/a-story"/>'
    )
    assert record["date"] == "2016-01-27"
    assert warned(record, r"2016-01-27 is the extractor's reading of the page .*does not state")


@pytest.mark.parametrize(
    "headline",
    [
        "Apple/Google Deal Stalls",
        "Storm batters coast (photos)",
        "Advertisement ban for junk food",
        "Spammers target newsletter readers",
        "U.S./JAPAN TRADE TALKS OPEN",
    ],
)
def test_headlines_that_resemble_boilerplate_stay_headlines(headline: str) -> None:
    record = article_of_text(f"{headline}\n\nThe story itself.\n")
    assert record["title"] == headline
    assert texts(record) == ["The story itself."]


def test_newsletter_prompt_with_a_full_stop_leaves_the_body() -> None:
    record = article_of_text("Headline\n\nText.\n\nSign up for our newsletter.\n\nMore text.\n")
    assert texts(record) == ["Text.", "More text."]
    assert warned(record, r"removed newsletter prompt “Sign up for our newsletter\.” \(line 5,")


def test_usa_today_stamp_with_writer_published_and_updated() -> None:
    record = article_of_text(
        "Storm hits coast\n\nJohn Bacon , USA TODAY Published 7:01 a.m. ET March 3, 2016 | "
        "Updated 11:43 a.m. ET March 4, 2016\n\nListen · 3:45\n\nA storm hit the coast.\n"
    )
    article = record["article"]
    assert article["byline"] == "John Bacon, USA TODAY"
    assert article["published"] == "2016-03-03"  # published, not updated
    assert texts(record) == ["A storm hit the coast."]
    assert warned(record, r"removed audio player text “Listen · 3:45”")


def test_a_page_the_extractor_cannot_read_fails_with_the_reason() -> None:
    # lxml recovers this tag soup as a lone <script> element; the extractor's clean-up then
    # fails on it (found by tests/test_fuzz.py). The page is a ParseError, not a crash.
    page = b"<body><html><script>var x = '</p>';</script>"
    src = Source("soup.html", page, page.decode(), "utf-8", "article-html")
    with pytest.raises(ParseError, match="the article extractor could not read the HTML page"):
        parse_source(src)
