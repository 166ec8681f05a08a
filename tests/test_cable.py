"""The cable parser on real cables: the seed's exact acceptance, and each format quirk on the
cable that shows it (tests/fixtures/cablegate-dev/ holds real Cablegate files, byte for byte)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cableparse import NotACable, canonical_id, ids, parse_path, parse_text
from cableparse.cable import parse_cable
from cableparse.sources import Source

from .conftest import FIXTURES, SEED_CABLE, SEEDS, check_record

DEV = FIXTURES / "cablegate-dev"


def record_of(path: Path) -> dict[str, Any]:
    [doc] = list(parse_path(path))
    return check_record(doc.to_record(), doc.text)


def record_of_text(text: str, name: str = "test.txt") -> dict[str, Any]:
    doc = parse_text(text, source=name)
    return check_record(doc.to_record(), doc.text)


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    return record_of(SEED_CABLE)


def para(record: dict[str, Any], number: int) -> dict[str, Any]:
    [found] = [p for p in record["paragraphs"] if p["number"] == number]
    return found


# ---- the seed cable: issue #2's exact acceptance -----------------------------------------------


def test_seed_identity(seed: dict[str, Any]) -> None:
    cable = seed["cable"]
    assert seed["kind"] == "cable"
    assert seed["id"] == "BAKU-000433"
    assert cable["reference_id"] == "09BAKU433"
    assert "09BAKU433" in seed["aliases"]
    assert seed["date"] == "2009-06-01T03:35:00Z"
    assert seed["classification"] == "CONFIDENTIAL"
    assert cable["section"] == {"number": 1, "of": 3}


def test_seed_routing_header(seed: dict[str, Any]) -> None:
    cable = seed["cable"]
    assert cable["transmission_id"] == "VZCZCXRO6958"
    assert cable["precedence"] == "IMMEDIATE"
    assert cable["dtg"] == "010335Z JUN 09"
    assert cable["from"] == "AMEMBASSY BAKU"
    assert cable["to"] == [
        {"route": "RUEHC", "name": "SECSTATE WASHDC", "precedence": "IMMEDIATE", "mcn": "1280"}
    ]
    assert len(cable["info"]) == 6
    assert cable["info"][-1] == {
        "route": "RUEHVEN",
        "name": "USMISSION USOSCE",
        "precedence": "IMMEDIATE",
        "mcn": "1354",
    }


def test_seed_front_matter(seed: dict[str, Any]) -> None:
    cable = seed["cable"]
    assert "SIPDIS" in cable["handling"]
    assert cable["eo"] == "12958"
    assert cable["declassify_on"] == "2019-05-24"
    assert cable["tags"] == ["PGOV", "KDEM", "ENRG", "ETRD", "PREL", "RS", "IZ", "TU", "AJ"]
    subject = "AZERBAIJANI DEFENSE MINISTER: SEEKING STRONG RELATIONS, MORE U.S. SUPPORT"
    assert seed["title"] == cable["subject"] == subject
    assert cable["classified_by"]["name"] == "Anne E. Derse"
    assert cable["classified_by"]["title"] == "Ambassador"
    assert cable["reasons"] == ["1.4(b)", "1.4(d)"]
    assert cable["signed_by"] == ["DERSE"]
    assert cable["summary"].startswith("On May 21, the Defense Minister told")
    assert cable["summary"].endswith("naval base to NATO standards.")


def test_seed_paragraphs_numbered_and_repaired(seed: dict[str, Any]) -> None:
    paragraphs = seed["paragraphs"]
    assert [p["number"] for p in paragraphs] == list(range(1, 14))
    assert all(p["marking"] == "C" for p in paragraphs)
    # The copy prints 1 as "11." and 6 as "¶16."; 10 is printed right.
    assert para(seed, 1)["label"] == "11."
    assert para(seed, 6)["label"] == "¶16."
    assert para(seed, 10)["label"] == "¶10."
    warnings = " ".join(seed["provenance"]["warnings"])
    assert "'11.'" in warnings and "'¶16.'" in warnings


def test_seed_paragraph_text_and_spans(seed: dict[str, Any]) -> None:
    text = SEED_CABLE.read_text(encoding="utf-8")
    p10 = para(seed, 10)
    assert p10["text"].startswith(
        "Abiyev said that Azerbaijan relies on former Soviet- and Russian-produced equipment"
    )
    assert p10["text"].endswith("much less on Azerbaijan.")
    start, end = p10["span"]
    assert text[start:end].startswith("¶10. (C) Abiyev said")
    assert text[start:end].endswith("Azerbaijan.")
    assert "$800 million" in para(seed, 6)["text"]
    assert "\\$" not in " ".join(p["text"] for p in seed["paragraphs"])
    assert not any("BAKU 00000433" in p["text"] for p in seed["paragraphs"])
    # Paragraph 7 crosses a page break; its text goes on after it.
    assert "The U.S. appreciates Azerbaijan's contributions" in para(seed, 7)["text"]
    assert para(seed, 3)["heading"] == "SEEKING NATO STANDARDS"
    assert para(seed, 13)["heading"] == "COMMENT"
    assert para(seed, 1)["heading"] is None


def test_seed_field_spans_point_at_source(seed: dict[str, Any]) -> None:
    text = SEED_CABLE.read_text(encoding="utf-8")
    spans = seed["provenance"]["spans"]
    start, end = spans["tags"]
    assert text[start:end].startswith("TAGS:")
    start, end = spans["banner"]
    assert text[start:end] == "C O N F I D E N T I A L SECTION 01 OF 03 BAKU 000433"


def test_same_input_same_record() -> None:
    first = json.dumps(record_of(SEED_CABLE), sort_keys=False)
    assert json.dumps(record_of(SEED_CABLE), sort_keys=False) == first


# ---- the development corpus ---------------------------------------------------------------------


def truth(name: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((DEV / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", sorted(DEV.glob("*.txt")), ids=lambda p: p.stem)
def test_every_dev_cable_gets_its_id_and_reference_id(path: Path) -> None:
    record = record_of(path)
    assert record["kind"] == "cable"
    assert record["cable"]["reference_id"] == truth(path.stem)["reference_id"]
    assert record["paragraphs"], "a cable with no paragraphs"


def test_dev_corpus_dates_and_classifications() -> None:
    """Dates where the text has one, and the classification as WikiLeaks indexes it."""
    dated = matched_date = matched_cls = 0
    paths = sorted(DEV.glob("*.txt"))
    for path in paths:
        record = record_of(path)
        want = truth(path.stem)
        if record["date"] is not None:
            dated += 1
            matched_date += record["date"][:10] == want["date"]
        matched_cls += record["classification"] == want["classification"]
    # Partial extracts with no routing header carry no date; every date we give is right.
    assert matched_date == dated >= 30
    assert matched_cls >= len(paths) - 2


def test_banner_glued_to_last_routing_line() -> None:
    record = record_of(DEV / "09BAKU139.txt")
    assert record["classification"] == "SECRET"
    assert record["cable"]["section"] == {"number": 1, "of": 2}
    last = record["cable"]["info"][-1]
    assert last["name"] == "CDR USEUCOM VAIHINGEN GE"
    assert last["precedence"] == "PRIORITY"


def test_partial_extract_notice_glued_to_banner() -> None:
    record = record_of(DEV / "00KINSHASA8651.txt")
    assert record["id"] == "KINSHASA-008651"
    assert record["classification"] == "UNCLASSIFIED"
    assert record["title"] == "CODEL WOLF'S VISIT TO KINSHASA AND THE KIVUS"
    # No date in the text: the year comes from the file name, and the REF is read with it.
    assert record["date"] is None
    assert record["cable"]["references"][0]["id"] == "00KINSHASA8578"


def test_a_warning_names_the_line_of_the_file_after_a_glued_banner_was_split() -> None:
    # 01HARARE1108 has its banner glued to the last routing line; splitting it must not shift
    # the line numbers that warnings give: line N of the warning is line N of the file.
    path = DEV / "01HARARE1108.txt"
    (warning,) = [w for w in record_of(path)["provenance"]["warnings"] if "starts again" in w]
    number = int(warning.split(" on line ")[1].split()[0])
    line = path.read_text(encoding="utf-8").split("\n")[number - 1]
    assert line.startswith("¶1.   THOUGH RAINS CONTINUED")


def test_lettered_references_with_and_without_year() -> None:
    refs = record_of(DEV / "09BAKU139.txt")["cable"]["references"]
    assert [(r["label"], r["id"], r["kind"]) for r in refs] == [
        ("A", "09BAKU132", "cable"),
        ("B", "08BAKU1069", "cable"),
    ]


def test_a_reference_label_printed_twice_is_one_reference() -> None:
    # 09DHAHRAN266: "REF: A. A. DHAHRAN 217", "B. B. DHAHRAN 246", "C. C. DHAHRAN 8".
    refs = record_of(DEV / "09DHAHRAN266.txt")["cable"]["references"]
    assert [(r["label"], r["text"], r["id"]) for r in refs] == [
        ("A", "DHAHRAN 217", "09DHAHRAN217"),
        ("B", "DHAHRAN 246", "09DHAHRAN246"),
        ("C", "DHAHRAN 8", "09DHAHRAN8"),
    ]


@pytest.mark.parametrize(
    ("name", "who", "title"),
    [
        # "CLASSIFIED BY: Luis G. Moreno, CG."
        ("07MONTERREY527", "Luis G. Moreno", "CG"),
        # "CLASSIFIED BY: Joseph Kenny, Dhahran Consul General, Department \nof State."
        ("09DHAHRAN266", "Joseph Kenny", "Dhahran Consul General, Department of State"),
    ],
)
def test_classified_by_with_the_name_before_the_title(name: str, who: str, title: str) -> None:
    by = record_of(DEV / f"{name}.txt")["cable"]["classified_by"]
    assert (by["name"], by["title"]) == (who, title)


def test_a_name_with_a_suffix_is_no_name_and_title() -> None:
    by = record_of_text(
        "CONFIDENTIAL BAKU 000139\nSUBJECT: A TEST\n"
        "Classified By: JOHN A. SMITH, JR., REASONS 1.4 (B) AND (D)\n\n1. (C) Text.\n"
    )["cable"]["classified_by"]
    assert (by["name"], by["title"]) == ("JOHN A. SMITH, JR", None)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # "CLASSIFIED BY AMBASSADOR ANNE W. PATTERSON FOR REASONS: \n1.5 (B) AND (D)": the "A"
        # of "AND" is no reason.
        ("02BOGOTA1025", ["1.5(b)", "1.5(d)"]),
        # "...FOR REASONS 1.4 (\n b, d)": a space inside the parenthesis.
        ("09LISBON289", ["1.4(b)", "1.4(d)"]),
    ],
)
def test_reasons_as_the_cables_write_them(name: str, expected: list[str]) -> None:
    assert record_of(DEV / f"{name}.txt")["cable"]["reasons"] == expected


def test_classified_by_after_a_portion_marking_is_no_reference() -> None:
    # 03SOFIA88: "REFS:  A) 01 SOFIA 2950, B) SOFIA 23, C) SOFIA 33", a blank line, then
    # "(U) CLASSIFIED BY CDA ROD MOORE, PER 1.5 (B) AND (D)." It was read as references U and B.
    cable = record_of(DEV / "03SOFIA88.txt")["cable"]
    assert [r["label"] for r in cable["references"]] == ["A", "B", "C"]
    by = cable["classified_by"]
    assert (by["name"], by["title"]) == ("ROD MOORE", "CDA")
    assert cable["reasons"] == ["1.5(b)", "1.5(d)"]


def test_reference_labels_with_no_space_after_them() -> None:
    # 09UNVIEVIENNA6: "REFS: A).UNVIE 003, B).08 UNVIE 638, C).08 UNVIE 634".
    refs = record_of(DEV / "09UNVIEVIENNA6.txt")["cable"]["references"]
    assert [(r["label"], r["id"]) for r in refs] == [
        ("A", "09UNVIEVIENNA3"),
        ("B", "08UNVIEVIENNA638"),
        ("C", "08UNVIEVIENNA634"),
    ]


def refs_of(ref_lines: str, year: str = "09") -> list[tuple[str | None, str, str | None]]:
    """The references of a minimal cable of BAKU (dated 20`year`) with the given REF lines."""
    text = (
        f"O 010335Z JUN {year}\nCONFIDENTIAL BAKU 000139\nTAGS: PREL\nSUBJECT: A TEST\n"
        f"{ref_lines}\n\n1. (C) Text.\n"
    )
    refs = record_of_text(text)["cable"]["references"]
    return [(r["label"], r["kind"], r["id"]) for r in refs]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        # Every item of a list on one line, and items on the lines that follow.
        (
            "REF: A. STATE 71143 B. STATE 73601 C. BEIJING 5361",
            [
                ("A", "cable", "09STATE71143"),
                ("B", "cable", "09STATE73601"),
                ("C", "cable", "09BEIJING5361"),
            ],
        ),
        (
            "REF: A. SECSTATE 74879\n     B. 08 RIYADH 43\n     C. 2008 BAKU 1069 (NOTAL)",
            [
                ("A", "cable", "09STATE74879"),
                ("B", "cable", "08RIYADH43"),
                ("C", "cable", "08BAKU1069"),
            ],
        ),
        # Labels as they are printed: in brackets, glued to the citation, with a dash.
        ("REFS: (A)BAKU 13, [B] BAKU 14", [("A", "cable", "09BAKU13"), ("B", "cable", "09BAKU14")]),
        ("REF: A - BAKU 28", [("A", "cable", "09BAKU28")]),
        # Several cables in one item; the year after the serial; the number before the station.
        (
            "REF: A. BAKU 2799 AND 2764 B. KABUL 936/935",
            [
                ("A", "cable", "09BAKU2799"),
                ("A", "cable", "09BAKU2764"),
                ("B", "cable", "09KABUL936"),
                ("B", "cable", "09KABUL935"),
            ],
        ),
        (
            "REF: A. QUITO 4525-91 B. PANAMA 00789/08 C. STATE (01) 201265",
            [
                ("A", "cable", "91QUITO4525"),
                ("B", "cable", "08PANAMA789"),
                ("C", "cable", "01STATE201265"),
            ],
        ),
        ("REF: 870 ULAANBAATAR", [(None, "cable", "09ULAANBAATAR870")]),
        # A bare serial is the citing cable's own station's.
        (
            "REF: A) 6307 B) STATE 285773",
            [("A", "cable", "09BAKU6307"), ("B", "cable", "09STATE285773")],
        ),
        # An unlabelled item before the list.
        (
            "REF: 08 STATE 96625; A. A)STATE 70789",
            [(None, "cable", "08STATE96625"), ("A", "cable", "09STATE70789")],
        ),
        # The kind of what is no cable; an initial is no label.
        (
            "REF: A. SMITH/JONES TELCON 02/16/2009 B. E-MAILS J. SPEAKS-K. ALLEN",
            [("A", "telcon", None), ("B", "email", None)],
        ),
        # Neither a date nor a report's number is a cable.
        ("REF: OCTOBER 28 MEETING; IIR 6 941 0165", [(None, "other", None), (None, "other", None)]),
        # Station names as WikiLeaks writes them.
        (
            "REF: A) HO CHI MINH 10 B) 06 HCMC 1497 C) HK 03591 D) ST. PETERSBURG 75",
            [
                ("A", "cable", "09HOCHIMINHCITY10"),
                ("B", "cable", "06HOCHIMINHCITY1497"),
                ("C", "cable", "09HONGKONG3591"),
                ("D", "cable", "09STPETERSBURG75"),
            ],
        ),
    ],
)
def test_references_as_the_cables_write_them(
    ref: str, expected: list[tuple[str | None, str, str | None]]
) -> None:
    assert refs_of(ref) == expected


def summary_of(body: str) -> str | None:
    text = f"CONFIDENTIAL BAKU 000139\nTAGS: PREL\nSUBJECT: A TEST\n\n{body}"
    summary: str | None = record_of_text(text)["cable"]["summary"]
    return summary


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # To END SUMMARY, over paragraphs.
        (
            "1. (C) Summary and Comment: The first.\n\n2. (C) The second. End Summary and "
            "Comment.\n\n3. (C) Not in it.\n",
            "The first. The second.",
        ),
        (
            "BEGIN SUMMARY\n\n1. (C) The first.\n\n2. (C) The second.  END SUMMARY.\n\n"
            "3. (C) Not in it.\n",
            "The first. The second.",
        ),
        # No END SUMMARY: the paragraph it starts in.
        ("1. (C) SUMMARY: The first.\n\n2. (C) Not in it.\n", "The first."),
        (
            "1. (U) Paragraph 4 has an action request.\n\n2. (C) Summary and Action Request. "
            "With the visit near, the text.\n\n3. (C) Not in it.\n",
            "With the visit near, the text.",
        ),
        # The paragraph's marking after the word is no part of the text.
        ("1.  Summary: (SBU) The first. End Summary\n\n2. Not in it.\n", "The first."),
        # Under a SUMMARY heading.
        (
            "SUMMARY\n-------\n\n1. (C) The first.\n\n2. (C) The second.\n",
            "The first.",
        ),
        # An END SUMMARY the first paragraph ends with, where none began.
        (
            "1. (C) The first, told at once. END SUMMARY.\n\n2. (C) Not in it.\n",
            "The first, told at once.",
        ),
        ("1. (C) No summary here.\n\n2. (C) Nor here.\n", None),
    ],
)
def test_summaries_as_the_cables_write_them(body: str, expected: str | None) -> None:
    assert summary_of(body) == expected


def test_the_last_line_of_a_paragraph_above_a_heading_is_text_not_a_heading() -> None:
    # 07YEREVAN77: "...how best to move forward \nnormalization of Turkish-Armenian relations.
    # END SUMMARY \n \n----\nTWO PERCENT OR 40 - ...": the line above the blank and the next
    # heading's rule was taken for a heading, and the paragraph and its summary lost it.
    record = record_of(DEV / "07YEREVAN77.txt")
    first = record["paragraphs"][0]
    assert first["text"].endswith("normalization of Turkish-Armenian relations. END SUMMARY")
    assert (
        record["paragraphs"][1]["heading"] == "TWO PERCENT OR 40 - EXPERTS DEBATE THE IMPACT ON GDP"
    )
    assert record["cable"]["summary"].endswith("normalization of Turkish-Armenian relations.")


def classified_by_of(front: str, body: str = "1. (C) Text.") -> tuple[Any, list[str]]:
    text = f"CONFIDENTIAL BAKU 000139\nTAGS: PREL\nSUBJECT: A TEST\n{front}\n\n{body}\n"
    cable = record_of_text(text)["cable"]
    by = cable["classified_by"]
    return (by and (by["name"], by["title"])), cable["reasons"]


@pytest.mark.parametrize(
    ("front", "name", "title"),
    [
        # The title first: the name follows its last word, abbreviations included.
        (
            "Classified By: Kirkuk PRT Team Leader Jane Roe for reasons 1.4 (b)",
            "Jane Roe",
            "Kirkuk PRT Team Leader",
        ),
        (
            "Classified By: IO Acting A/S Jane Q. Roe, E.O. 12958, Reasons: 1.4(b)",
            "Jane Q. Roe",
            "IO Acting A/S",
        ),
        ("CLASSIFIED BY AF/C - JOHN ROE, REASON 1.5\n(D).", "JOHN ROE", "AF/C"),
        (
            "Classified By: Acting Pol/Econ Counselor:Jane Roe, \nreasons 1.4 (b and d)",
            "Jane Roe",
            "Acting Pol/Econ Counselor",
        ),
        # The head written twice or inside the text.
        (
            "Classified By: Classified by DCM Jane Roe for reasons 1.4 (b) and \n(d).",
            "Jane Roe",
            "DCM",
        ),
        (
            "Classified By: This message classified by Econ Minister Counselor \nJane Roe for "
            "reasons 1.4 (b).",
            "Jane Roe",
            "Econ Minister Counselor",
        ),
        # The reasons as scrapes break them, or without the word.
        (
            "CLASSIFIED BY: ACTING DEPUTY PRINCIPAL OFFICER JOHN ROE.  REA \nSONS: 1.4 (B,D)",
            "JOHN ROE",
            "ACTING DEPUTY PRINCIPAL OFFICER",
        ),
        (
            "Classified By: Political Minister Counselor Jane Roe for re \nason 1.4 (b/d)",
            "Jane Roe",
            "Political Minister Counselor",
        ),
        ("CLASSIFIED BY DCM\nJOHN ROE - 1.5 B,D.", "JOHN ROE", "DCM"),
        ("Classified By: AMBASSADOR JOHN E. ROE: 1.2 (B), (D)", "JOHN E. ROE", "AMBASSADOR"),
        ("Classified By: PRM/AFR Dir. Jane Roe-reasons 1.4(b/d)", "Jane Roe", "PRM/AFR Dir."),
        # The name first, a suffix kept with it.
        ("CLASSIFIED BY: Jane Roe, Ambassador; REASON: 1.4(B)", "Jane Roe", "Ambassador"),
        (
            "CLASSIFIED BY JOHN W. ROE, JR., AMBASSADOR.\nREASON:  1.5 (B), (C) AND (D).",
            "JOHN W. ROE, JR.",
            "AMBASSADOR",
        ),
        # No one named.
        ("CLASSIFIED BY SECTION 1.5 (B)\nAND (D).", None, None),
    ],
)
def test_classified_by_in_every_layout(front: str, name: str | None, title: str | None) -> None:
    by, _ = classified_by_of(front)
    assert by == (name, title)


def test_classified_by_in_the_first_paragraph() -> None:
    by, reasons = classified_by_of(
        "",
        "1.  (U)  CLASSIFIED BY JOHN P. ROE, DEPUTY CHIEF OF\nMISSION.  REASON: 1.5 (D)\n\n"
        "2.  (C)  Text.",
    )
    assert by == ("JOHN P. ROE", "DEPUTY CHIEF OF MISSION")
    assert reasons == ["1.5(d)"]


def test_a_ref_on_the_subject_line_ends_the_subject() -> None:
    # A scrape that lost the line breaks: the REF, a page header and Classified By follow the
    # subject on its line.
    text = (
        "O 010335Z JUN 10\nCONFIDENTIAL TRIPOLI 000116\nTAGS: PGOV\n\nSUBJECT: PLANS FOR THE "
        "OIL CORPORATION REF: 09 TRIPOLI 862 TRIPOLI 00000116 001.2 OF 003 CLASSIFIED BY: Jane "
        "Roe, Ambassador. REASON: 1.4 (b), (d)\n\n1. (C) Text.\n"
    )
    record = record_of_text(text)
    cable = record["cable"]
    assert record["title"] == cable["subject"] == "PLANS FOR THE OIL CORPORATION"
    assert [r["id"] for r in cable["references"]] == ["09TRIPOLI862"]
    assert cable["classified_by"]["name"] == "Jane Roe"
    assert cable["reasons"] == ["1.4(b)", "1.4(d)"]
    assert not record["provenance"]["warnings"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("SUBJECT: (S/NF) SPIKE IN ARRESTS", "SPIKE IN ARRESTS"),
        ("SUBJECT: (SBU) USD(P) BRIEFS NATO", "USD(P) BRIEFS NATO"),
        # Parentheses that are no portion marking stay.
        ("SUBJECT: (IAEA) BOARD MEETS", "(IAEA) BOARD MEETS"),
        ("SUBJECT: (CORRECTED COPY) BOARD MEETS", "(CORRECTED COPY) BOARD MEETS"),
    ],
)
def test_a_leading_portion_marking_is_no_part_of_the_subject(line: str, expected: str) -> None:
    record = record_of_text(f"CONFIDENTIAL BAKU 000139\nTAGS: PREL\n{line}\n\n1. (C) Text.\n")
    assert record["cable"]["subject"] == expected


def test_two_signers_joined_by_a_slash() -> None:
    text = "CONFIDENTIAL BAKU 000139\nTAGS: PREL\nSUBJECT: A TEST\n\n1. (C) Text.\n\nKEEGAN/PAAL\n"
    assert record_of_text(text)["cable"]["signed_by"] == ["KEEGAN", "PAAL"]


def test_page_headers_and_xmt_lines_are_no_addressees() -> None:
    # A telegram's second page starts inside its addressee list; XMT names the posts the
    # telegram was not sent to.
    text = (
        "R 182333Z FEB 09\nFM SECSTATE WASHDC\nTO AMEMBASSY BAKU IMMEDIATE 1234\n"
        "PAGE 02 STATE 015113 182333Z\nAMEMBASSY ANKARA PRIORITY 5678\nINFO AMEMBASSY PARIS 0001\n"
        "                       CONFIDENTIAL\n\nPAGE 03        STATE  015113  182333Z\n"
        "AMEMBASSY LONDON 0002\nXMT AMEMBASSY ROME\nAMCONSUL MILAN\n"
        "CONFIDENTIAL STATE 015113\nTAGS: PREL\nSUBJECT: A TEST\n\n1. (C) Text.\n"
    )
    cable = record_of_text(text)["cable"]
    assert [r["name"] for r in cable["to"]] == ["AMEMBASSY BAKU", "AMEMBASSY ANKARA"]
    assert [r["name"] for r in cable["info"]] == ["AMEMBASSY PARIS", "AMEMBASSY LONDON"]


def test_reasons_written_as_b_and_d() -> None:
    record = record_of(DEV / "09BAKU139.txt")
    assert record["cable"]["reasons"] == ["1.4(b)", "1.4(d)"]
    assert record["cable"]["classified_by"]["name"] == "ROB GARVERICK"


def test_pilcrow_before_a_year_is_not_a_paragraph() -> None:
    record = record_of(DEV / "88ANKARA16439.txt")
    numbers = [p["number"] for p in record["paragraphs"] if p["number"] is not None]
    assert numbers == list(range(1, len(numbers) + 1))
    assert 1987 not in numbers
    assert "MARCH, 1987. THE TRIAL IS ONGOING." in para(record, 6)["text"]


def test_subj_without_ect() -> None:
    record = record_of(DEV / "89KHARTOUM12543.txt")
    assert record["title"] == "SUDAN: 1989 ANNUAL TERRORISM REPORT"


def test_cable_with_no_subject() -> None:
    record = record_of(DEV / "05USNATO3.txt")
    assert record["title"] is None and record["cable"]["subject"] is None
    assert record["cable"]["tags"] == ["NATO", "KNNP", "PARM", "MNUC"]
    assert record["classification"] == "SECRET"


def test_routing_header_repeated_by_a_dump_row() -> None:
    record = record_of(DEV / "06TASHKENT902.txt")
    cable = record["cable"]
    assert record["id"] == "TASHKENT-000902"
    assert record["classification"] == "SECRET"
    assert cable["subject"] == "MAFIA BOSS FIXES GOU TENDERS AND JOBS"
    assert cable["tags"] == ["KCRM", "PGOV", "ECON", "PREL", "PINR", "UZ"]
    assert all("2006-05-05" not in r["name"] for r in cable["to"] + cable["info"])
    assert cable["info"][-1]["name"] == "DEPT OF COMMERCE WASHDC"


def test_index_row_printed_one_field_a_line_is_metadata_not_addressees() -> None:
    # 07MONTERREY527: after the last INFO line ("...MONTERREY 7276" with the row number 108918
    # run into it) the scrape printed the index row, date / refid / origin / classification,
    # then the whole header again. The index says NOFORN, which the banner does not.
    record = record_of(DEV / "07MONTERREY527.txt")
    info = record["cable"]["info"]
    assert [r["name"] for r in info][-2:] == ["CIA WASHINGTON DC", "AMCONSUL MONTERREY"]
    assert info[-1]["mcn"] == "7276"
    assert not any("2007" in r["name"] or "Consulate" in r["name"] for r in info)
    assert record["classification"] == "CONFIDENTIAL//NOFORN"
    assert any("banner says only CONFIDENTIAL" in w for w in record["provenance"]["warnings"])
    assert record["date"] == "2007-05-18T21:43:00Z"


def test_old_telegram_repeats_no_header_into_paragraphs() -> None:
    record = record_of(DEV / "91BERLIN3009.txt")
    texts = " ".join(p["text"] for p in record["paragraphs"])
    assert "ACTION EUR-01" not in texts
    assert "PAGE 02" not in texts
    assert "TAGS:" not in texts
    assert record["cable"]["tags"][:3] == ["ELAB", "PGOV", "GM"]


def test_signature_in_mixed_case_after_the_last_sentence() -> None:
    # 02AMMAN3813 ends "...would review \nthe materials. \nGnehm": the ambassador's name, not
    # the end of paragraph 1.
    record = record_of(DEV / "02AMMAN3813.txt")
    assert record["cable"]["signed_by"] == ["Gnehm"]
    assert record["paragraphs"][-1]["text"].endswith("would review the materials.")
    # 09UNVIEVIENNA6: "Schulte" with the SBU marking repeated below it.
    assert record_of(DEV / "09UNVIEVIENNA6.txt")["cable"]["signed_by"] == ["Schulte"]


def test_signature_after_a_portion_marking() -> None:
    # 09YEREVAN20 ends "(SECRET//REL Armenia) YOVANOVITCH".
    record = record_of(DEV / "09YEREVAN20.txt")
    assert record["cable"]["signed_by"] == ["YOVANOVITCH"]
    assert "YOVANOVITCH" not in record["paragraphs"][-1]["text"]


def test_signature_after_the_signers_title() -> None:
    # 09DHAHRAN266, from a consulate, ends "END COMMENT.\nCG: JKENNY".
    record = record_of(DEV / "09DHAHRAN266.txt")
    assert record["cable"]["signed_by"] == ["JKENNY"]
    assert record["paragraphs"][-1]["text"].endswith("coordination. END COMMENT.")


def test_a_signature_printed_twice_is_one_signature_and_no_text() -> None:
    # 10DJIBOUTI54 ends "...approved by the Ambassador.\n\nSWAN \nSWAN".
    record = record_of(DEV / "10DJIBOUTI54.txt")
    assert record["cable"]["signed_by"] == ["SWAN"]
    assert record["paragraphs"][-1]["text"].endswith("approved by the Ambassador.")


def test_signature_glued_to_the_last_sentence() -> None:
    # 91BERLIN3009's last line of text is "IN THE NEW STATES.  MILES", followed by eleven blank
    # lines, the classification and "NNNN".
    path = DEV / "91BERLIN3009.txt"
    record = record_of(path)
    assert record["cable"]["signed_by"] == ["MILES"]
    assert record["paragraphs"][-1]["text"].endswith("RECOVERY IN THE NEW STATES.")
    start, end = record["provenance"]["spans"]["signature"]
    assert path.read_text(encoding="utf-8")[start:end].strip() == "MILES"


def test_a_redaction_or_an_end_mark_is_no_signature() -> None:
    # 09BAKU139 without "DERSE": a redacted name glued to its last sentence or on a line of its
    # own, or "NNNN" glued to it.
    text = (DEV / "09BAKU139.txt").read_text(encoding="utf-8").rstrip()
    text = text[: text.rindex("\n")].rstrip()
    assert text.endswith("for others.  End Comment.")
    for end in ("  XXXXXXXXXXXX", "\n\nXXXXXXXXXXXX", "  NNNN"):
        assert record_of_text(text + end)["cable"]["signed_by"] == []


def test_a_line_with_no_place_in_the_format_costs_that_line_not_the_cable() -> None:
    # The office lines of 02HANOI2738's telegram header, put where the grammar has no place
    # for them (after the seed's front matter): the cable is still read as a cable, and the
    # lines are named in the warnings.
    hanoi = (DEV / "02HANOI2738.txt").read_text(encoding="utf-8").split("\n")
    office = hanoi[11:12] + hanoi[21:22]  # its first copy's ACTION line and last office line
    assert office == ["ACTION EAP-00   ", "      DRL-02   G-00     NFAT-00  SAS-00     /011W"]
    text = SEED_CABLE.read_text(encoding="utf-8")
    cut = text.index("\n", text.index("Classified By")) + 1
    record = record_of_text(text[:cut] + "\n" + "\n".join(office) + "\n\n" + text[cut:])
    assert record["kind"] == "cable"
    assert record["id"] == "BAKU-000433"
    assert [p["number"] for p in record["paragraphs"]] == list(range(1, 14))
    warned = [w for w in record["provenance"]["warnings"] if "no place for it" in w]
    assert len(warned) == 2 and "ACTION EAP-00" in warned[0]


def test_page_break_with_truncated_station() -> None:
    record = record_of(DEV / "08USUNNEWYORK258.txt")
    assert record["id"] == "USUNNEWYORK-000258"
    assert record["cable"]["reference_id"] == "08USUNNEWYORK258"
    assert not any("USUN NEW Y" in p["text"] for p in record["paragraphs"])


def test_sensitive_unclassified_is_fouo() -> None:
    record = record_of(DEV / "02HANOI2738.txt")
    assert record["classification"] == "UNCLASSIFIED//FOR OFFICIAL USE ONLY"


def test_self_reference_dropped_and_two_ref_sections_both_count() -> None:
    text = (DEV / "09BAKU139.txt").read_text(encoding="utf-8")
    text = text.replace("REF: A. A) BAKU 132", "REF: A. A) BAKU 139")
    text = text.replace("Classified By: POLECON", "REF: C) YEREVAN 20\n\nClassified By: POLECON")
    record = record_of_text(text)
    ids = [r["id"] for r in record["cable"]["references"]]
    assert "09BAKU139" not in ids
    assert ids == ["08BAKU1069", "09YEREVAN20"]
    assert any("itself" in w for w in record["provenance"]["warnings"])


def test_lower_case_banner() -> None:
    text = SEED_CABLE.read_text(encoding="utf-8").replace(
        "C O N F I D E N T I A L SECTION 01 OF 03 BAKU 000433",
        "c o n f i d e n t i a l section 01 of 03 baku 000433",
    )
    record = record_of_text(text)
    assert record["id"] == "BAKU-000433"
    assert record["classification"] == "CONFIDENTIAL"
    assert any("lower case" in w for w in record["provenance"]["warnings"])


# ---- every cable is a cable: partial extracts, lost headers, banners in any case -----------------

NOTICE = (
    "This record is a partial extract of the original cable. "
    "The full text of the original cable is not available."
)
FRONT = "\nSIPDIS\n\nE.O. 12958: N/A\nTAGS: PREL PGOV AJ\nSUBJECT: A TEST OF THE RULE\n\n"
BODY = "1. (C) The minister said so.\n\n2. (C) He said it again.\n"


@pytest.mark.parametrize(
    "head",
    [
        NOTICE + "\nUNCLAS BAKU 000020\n",  # the notice on its own line
        NOTICE + "\n\n\nUNCLAS BAKU 000020\n",
        NOTICE + "UNCLAS BAKU 000020\n",  # glued to the banner
        NOTICE + "\nUnclas Baku 000020\n",  # the banner in mixed case
        NOTICE + "\nunclas baku 000020\n",
    ],
)
def test_a_partial_extract_with_no_routing_header_is_a_cable(head: str) -> None:
    record = record_of_text(head + FRONT + BODY)
    assert record["kind"] == "cable"
    assert record["id"] == "BAKU-000020"
    assert record["title"] == "A TEST OF THE RULE"
    assert [p["number"] for p in record["paragraphs"]] == [1, 2]
    warnings = record["provenance"]["warnings"]
    assert "the text has no routing header: no transmission id, DTG, FM or TO line" in warnings
    assert "no date in the text or its source" in warnings


def test_a_real_partial_extract_says_what_it_lacks() -> None:
    record = record_of(DEV / "00KINSHASA8651.txt")
    assert record["kind"] == "cable"
    assert any("no routing header" in w for w in record["provenance"]["warnings"])


@pytest.mark.parametrize(
    ("banner", "section"),
    [
        ("s e c r e t section 01 of 02 baku 000020", {"number": 1, "of": 2}),
        ("S e c r e t section 01 of 02 baku 000020", {"number": 1, "of": 2}),
        ("Secret Section 01 of 02 Baku 20", {"number": 1, "of": 2}),
        ("Secret Baku 000020", None),
    ],
)
def test_banners_in_sentence_or_lower_case(banner: str, section: dict[str, int] | None) -> None:
    record = record_of_text(NOTICE + "\n" + banner + FRONT + BODY)
    assert (record["id"], record["classification"]) == ("BAKU-000020", "SECRET")
    assert record["cable"]["section"] == section
    assert any("case" in w for w in record["provenance"]["warnings"])


def test_prose_in_mixed_case_ending_in_a_number_is_no_banner() -> None:
    # A banner in mixed case must start its line and have a padded serial or a SECTION part.
    record = record_of_text("Secret talks in Baku 2009\n\nThe minister said so, in Baku.\n")
    assert record["kind"] == "article"


def test_front_matter_in_lower_case() -> None:
    text = (
        "s e c r e t baku 000020\n\nsipdis\nNoforn\n\n"
        "E.o. 12958: decl: 05/05/2019\nTags: pgov, prel, aj\nSubj: a talk with the minister\n\n"
        "1. (S) The minister said so.\n"
    )
    record = record_of_text(text)
    cable = record["cable"]
    assert cable["handling"] == ["sipdis", "Noforn"]
    assert cable["eo"] == "12958" and cable["declassify_on"] == "2019-05-05"
    assert cable["tags"] == ["PGOV", "PREL", "AJ"]
    assert record["title"] == "a talk with the minister"
    assert record["classification"] == "SECRET//NOFORN"


@pytest.mark.parametrize(
    "front",
    [
        # E.O. and TAGS on one line (and TAGS and SUBJECT), as copies that lost line breaks
        # print them: "E.o. 12958: decl: 01/07/2014 Tags: prel, pgov, pins, tu Subject: ...".
        "E.O. 12958: DECL: 05/05/2019 TAGS: PREL PGOV AJ\nSUBJECT: A TEST OF THE RULE\n",
        "E.O. 12958: DECL: 05/05/2019 TAGS: PREL PGOV AJ SUBJECT: A TEST OF THE RULE\n",
        "E.O. 12958: DECL: 05/05/2019\nTags: prel, pgov, aj Subject: A TEST OF THE RULE\n",
        "E.o. 12958: decl: 05/05/2019 Tags: prel pgov aj Subj: A TEST OF THE RULE\n",
        # Handling run onto the E.O.: "POSTS FOR FRAUD PREVENTION UNITS E.O. 12958: N/A ...".
        "DEPT FOR EUR/CARC E.O. 12958: DECL: 05/05/2019 TAGS: PREL PGOV AJ\n"
        "SUBJECT: A TEST OF THE RULE\n",
    ],
)
def test_front_matter_fields_on_one_line(front: str) -> None:
    record = record_of_text("CONFIDENTIAL BAKU 000020\n\n" + front + "\n" + BODY)
    cable = record["cable"]
    assert (cable["eo"], cable["declassify_on"]) == ("12958", "2019-05-05")
    assert cable["tags"] == ["PREL", "PGOV", "AJ"]
    assert record["title"] == "A TEST OF THE RULE"


def test_an_executive_order_in_the_subject_is_subject_text() -> None:
    # 06STATE117616: "SUBJECT: E.O. 13382: DESIGNATION OF TWO IRANIAN MISSILE-RELATED ENTITIES".
    record = record_of(DEV / "06STATE117616.txt")
    assert record["title"] == "E.O. 13382: DESIGNATION OF TWO IRANIAN MISSILE-RELATED ENTITIES"
    assert record["cable"]["eo"] == "12958"


@pytest.mark.parametrize(
    "line",
    [
        "UNCLAS SECTION 01 OF 02 BAKU 000020 SIPDIS",
        "UNCLAS SECTION 01 OF 02 BAKU 000020 E.O. 12958: N/A",
        "UNCLAS SECTION 01 OF 02 BAKU 000020 TAGS: PREL",
    ],
)
def test_a_banner_with_the_next_line_run_onto_it(line: str) -> None:
    record = record_of_text(NOTICE + line + FRONT + BODY)
    assert record["id"] == "BAKU-000020"
    assert record["cable"]["section"] == {"number": 1, "of": 2}
    assert record["title"] == "A TEST OF THE RULE"


def test_a_serial_followed_by_prose_is_no_banner() -> None:
    record = record_of_text("SECRET TALKS IN BAKU 2009 WENT ON FOR HOURS\n\nThey said so.\n")
    assert record["kind"] == "article"


HEADER = (
    "VZCZCXRO6958\nOO RUEHDBU\nDE RUEHKB #0433/01 1520335\nZNY CCCCC ZZH\n"
    "O 010335Z JUN 09\nFM AMEMBASSY BAKU\nTO RUEHC/SECSTATE WASHDC IMMEDIATE 1280\n"
)


def test_a_routing_header_without_a_banner_is_a_cable() -> None:
    # No banner: the station is the FM line's, the serial the DE line's "#0433".
    record = record_of_text(HEADER + "\nCONFIDENTIAL//NOFORN\n" + FRONT + BODY)
    assert record["kind"] == "cable"
    assert record["id"] == "BAKU-000433"
    assert record["date"] == "2009-06-01T03:35:00Z"
    assert record["title"] == "A TEST OF THE RULE"
    assert record["cable"]["tags"] == ["PREL", "PGOV", "AJ"]
    assert record["cable"]["handling"] == ["NOFORN", "SIPDIS"]
    # The classification comes from the classification line, as the warning says.
    assert record["classification"] == "CONFIDENTIAL//NOFORN"
    warnings = record["provenance"]["warnings"]
    assert any("FM line's (BAKU)" in w and "DE line's (#0433)" in w for w in warnings)
    assert "the classification is that of the line 'CONFIDENTIAL//NOFORN'" in warnings


def test_a_cable_named_by_its_reference_id_needs_no_banner() -> None:
    text = "R 021240Z MAY 08\nFM AMEMBASSY BAKU\nTO RUEHC/SECSTATE WASHDC 1234\n" + FRONT + BODY
    record = record_of_text(text, name="08BAKU20.txt")
    assert (record["id"], record["cable"]["reference_id"]) == ("BAKU-000020", "08BAKU20")
    assert record["date"] == "2008-05-02T12:40:00Z"
    assert record["cable"]["handling"] == ["SIPDIS"]
    assert record["cable"]["to"][0]["name"] == "SECSTATE WASHDC"
    assert any("the file name (08BAKU20)" in w for w in record["provenance"]["warnings"])


def test_a_routing_header_with_no_serial_anywhere_is_still_no_cable() -> None:
    text = "R 021240Z MAY 08\nFM AMEMBASSY BAKU\nTO SECSTATE WASHDC 1234\n" + FRONT + BODY
    assert record_of_text(text, name="notes.txt")["kind"] == "article"


# ---- dates where the DTG is absent -------------------------------------------------------------


def test_date_from_a_dtg_line_below_the_banner() -> None:
    text = NOTICE + "\nUNCLAS BAKU 000020\n\nR 021240Z MAY 08\n" + FRONT + BODY
    record = record_of_text(text)
    assert record["date"] == "2008-05-02T12:40:00Z"
    assert any("'R 021240Z MAY 08' (line 4)" in w for w in record["provenance"]["warnings"])


def test_date_from_the_header_an_old_telegram_repeats() -> None:
    # 91BERLIN3009 lost the date-time group of its first header; the header repeated at the
    # second section has it: "R 151341Z AUG 91" (the index: 1991-08-15).
    record = record_of(DEV / "91BERLIN3009.txt")
    assert record["date"] == "1991-08-15T13:41:00Z"
    warning = "the date is that of the line 'R 151341Z AUG 91' (line 154)"
    assert any(warning in w for w in record["provenance"]["warnings"])


@pytest.mark.parametrize(
    ("name", "date", "said"),
    [
        # "230831Z Mar 01" above the telegram.
        ("01HARARE1108", "2001-03-23T08:31:00Z", "the date-time group '230831Z Mar 01'"),
        # The scrape's "date: 1/4/2005 17:41" block.
        ("05BOGOTA41", "2005-01-04T17:41:00Z", "the scrape's header block (date: 1/4/2005 17:41)"),
    ],
)
def test_a_date_not_from_a_dtg_line_says_where_it_is_from(name: str, date: str, said: str) -> None:
    record = record_of(DEV / f"{name}.txt")
    assert record["date"] == date
    assert any(said in w for w in record["provenance"]["warnings"])


# ---- classification as WikiLeaks writes it -----------------------------------------------------


@pytest.mark.parametrize(
    ("banner", "lines", "classification", "markers"),
    [
        ("SECRET//NOFORN BAKU 000020", "", "SECRET//NOFORN", ["NOFORN"]),
        ("C O N F I D E N T I A L//NOFORN BAKU 000020", "", "CONFIDENTIAL//NOFORN", ["NOFORN"]),
        (
            "UNCLASSIFIED//FOR OFFICIAL USE ONLY BAKU 000020",
            "",
            "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
            ["FOR OFFICIAL USE ONLY"],
        ),
        ("UNCLAS SENSITIVE BAKU 000020", "", "UNCLASSIFIED//FOR OFFICIAL USE ONLY", ["SENSITIVE"]),
        ("UNCLAS E F T O BAKU 000020", "", "UNCLASSIFIED//FOR OFFICIAL USE ONLY", ["EFTO"]),
        # The caveat line under the banner, alone or with another marker.
        ("CONFIDENTIAL BAKU 000020", "NOFORN\n", "CONFIDENTIAL//NOFORN", ["NOFORN"]),
        ("CONFIDENTIAL BAKU 000020", "SIPDIS NOFORN\n", "CONFIDENTIAL//NOFORN", ["SIPDIS NOFORN"]),
        ("UNCLAS BAKU 000020", "SENSITIVE\n", "UNCLASSIFIED//FOR OFFICIAL USE ONLY", ["SENSITIVE"]),
        (
            "UNCLAS BAKU 000020",
            "SENSITIVE SIPDIS\n",
            "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
            ["SENSITIVE SIPDIS"],
        ),
        # A classification line with its caveats: its caveat is a marker, the line is kept.
        ("SECRET BAKU 000020", "SECRET//NOFORN\n", "SECRET//NOFORN", ["NOFORN", "SECRET//NOFORN"]),
        (
            "LIMITED OFFICIAL USE BAKU 000020",
            "NOFORN\n",
            "LIMITED OFFICIAL USE//NOFORN",
            ["NOFORN"],
        ),
        ("CONFIDENTIAL BAKU 000020", "", "CONFIDENTIAL", []),
    ],
)
def test_classification_is_the_level_and_its_caveats(
    banner: str, lines: str, classification: str, markers: list[str]
) -> None:
    record = record_of_text(banner + "\n\n" + lines + FRONT + BODY)
    assert record["id"] == "BAKU-000020"
    assert record["classification"] == classification
    # handling keeps every marker, those the classification took among them; FRONT's SIPDIS last.
    assert record["cable"]["handling"] == [*markers, "SIPDIS"]


def test_a_caveat_after_the_level_is_not_the_stations() -> None:
    record = record_of_text("SECRET//NOFORN USUN NEW YORK 000258\n" + FRONT + BODY)
    assert record["id"] == "USUNNEWYORK-000258"
    assert record["cable"]["origin"] == "USUN NEW YORK"
    assert record["cable"]["handling"] == ["NOFORN", "SIPDIS"]


def test_for_official_use_only_as_a_handling_line_is_not_the_index_caveat() -> None:
    # 88BONN31258: "UNCLAS BONN 31258", then "FOR OFFICIAL USE ONLY"; WikiLeaks indexes it
    # UNCLASSIFIED. The index's FOR OFFICIAL USE ONLY is that of cables marked sensitive.
    record = record_of(DEV / "88BONN31258.txt")
    assert record["classification"] == "UNCLASSIFIED"
    assert record["cable"]["handling"] == ["FOR OFFICIAL USE ONLY"]


# ---- ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "year", "canonical"),
    [
        ("05RIO123", None, "05RIODEJANEIRO123"),
        ("09 BAKU 433", None, "09BAKU433"),
        ("09baku000433", None, "09BAKU433"),
        ("SECSTATE 74879", 2008, "08STATE74879"),
        ("2008 SECSTATE 74879", None, "08STATE74879"),
        ("08 USUN NEW YORK 258", None, "08USUNNEWYORK258"),
        ("BAKU 433", None, None),
        ("not a cable", 2009, None),
        # Station names cut by a scrape or a page header, or written short.
        ("05RIODEJAN123", None, "05RIODEJANEIRO123"),
        ("09 USUN NEW Y 258", None, "09USUNNEWYORK258"),
        ("05PAUP1609", None, "05PORTAUPRINCE1609"),
        ("06 HCMC 1497", None, "06HOCHIMINHCITY1497"),
        # "EMBASSY" and the mission's prefixes are no part of the station.
        ("05EMBASSYVIENNA1", None, "05VIENNA1"),
        ("05EMBASSYBLABLA1", None, "05BLABLA1"),
        ("08 USMISSION USNATO 208", None, "08USNATO208"),
        # The UNESCO mission in Paris, however it is written.
        ("05PARISFR1", None, "05UNESCOPARISFR1"),
        ("05USUNESCOPARISFR1", None, "05UNESCOPARISFR1"),
        ("USUNESCO 12", 2009, "09UNESCOPARISFR12"),
        ("05UNVIE1", None, "05UNVIEVIENNA1"),
        ("06SECSTATE123", None, "06STATE123"),
        ("06SECDEF123", None, "06SECDEF123"),
        # Too short to be taken for the one station it begins.
        ("09 BAK 4", None, "09BAK4"),
    ],
)
def test_canonical_id(written: str, year: int | None, canonical: str | None) -> None:
    assert canonical_id(written, year=year) == canonical


def test_the_station_table_holds_every_station_of_the_real_cables() -> None:
    # The development cables are named by WikiLeaks' reference ids: each one's station is in
    # the table, so that no real station is taken for the cut of another.
    stations = set()
    for path in [*DEV.glob("*.json"), *(FIXTURES / "cablegate-html").glob("*.html")]:
        m = re.match(r"^\d+?([A-Z]+)\d+$", path.stem)
        assert m, path.name
        stations.add(m.group(1))
    assert len(stations) > 30
    assert stations <= ids.STATIONS, stations - ids.STATIONS
    assert all(ids.known_station(s) == s for s in ids.STATIONS)


def test_a_cut_station_in_the_banner_gives_the_full_station_in_the_id() -> None:
    text = "O 010335Z JUN 09\nUNCLAS RIO DE JAN 000123\nTAGS: PREL\nSUBJECT: X\n\n1. Text.\n"
    doc = parse_text(text, source="x.txt")
    assert doc.cable is not None and doc.cable.reference_id == "09RIODEJANEIRO123"
    assert doc.cable.origin == "RIO DE JAN"  # the banner's spelling stays


# ---- what is not a cable -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["000_92e5abb3b2bceab9.txt", "003_b03d135d5a5f9bd4.txt"])
def test_news_article_is_not_forced_into_the_grammar(name: str) -> None:
    data = (SEEDS / name).read_bytes()
    src = Source(name=name, data=data, text=data.decode(), encoding="utf-8", format="text")
    with pytest.raises(NotACable):
        parse_cable(src)
