"""Cable-formatted text to a Document: the grammar's tree to the model, with repairs and spans.

The lexer (cableparse/lexer.py) turns lines into tokens, the grammar (grammars/cable.lark) puts
them in order, and this module reads each part's fields. Every repair is written into the
record's warnings; every field keeps the span of the lines it was read from.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path

import attrs
import lark
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from cableparse import ids, lexer
from cableparse.errors import NotACable
from cableparse.inputs import Source
from cableparse.model import (
    Cable,
    ClassifiedBy,
    Document,
    Paragraph,
    Provenance,
    Recipient,
    Reference,
    Section,
    Span,
)
from cableparse.normalize import join_lines, squash, unmark
from cableparse.version import PARSER_VERSION


def grammar_text() -> str:
    """The grammar: shipped inside the wheel, or read from the repository's grammars/."""
    shipped = resources.files("cableparse").joinpath("grammars/cable.lark")
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "grammars" / "cable.lark").read_text(
        encoding="utf-8"
    )


class _Tokens(Lexer):
    """Hands lark the tokens cableparse.lexer already made (lark's custom-lexer hook)."""

    def __init__(self, lexer_conf: object) -> None:
        pass

    def lex(self, data: Sequence[Token]) -> Iterable[Token]:  # type: ignore[override]
        return iter(data)


@cache
def parser() -> Lark:
    """The LALR parser, built once per process. Building its tables takes lark about 0.13 s,
    which every run and every --jobs worker would pay again: the tables are kept in the user's
    cache folder under the grammar's hash (lark checks the hash again on loading, and rebuilds
    when the file is damaged), so a changed grammar never meets tables of an old one."""
    grammar = grammar_text()
    path = _tables_path(grammar)
    # lark hashes its options, the cache path among them, into the file: one path for writing
    # and reading. Processes that start together may both write it; one that reads a
    # half-written file fails lark's check and builds the tables itself.
    return Lark(
        grammar,
        parser="lalr",
        lexer=_Tokens,
        maybe_placeholders=False,
        cache=str(path) if path is not None else False,
    )


def _tables_path(grammar: str) -> Path | None:
    """Where the parser tables are kept; None when there is no cache folder to write to."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "cableparse"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(folder, os.W_OK):
        return None
    digest = hashlib.sha256(f"{grammar}{lark.__version__}{sys.version_info[:2]}".encode())
    return folder / f"cable-grammar-{digest.hexdigest()[:16]}.lark"


# ---- field readers ---------------------------------------------------------------------------

MONTHS = {
    m: i
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
PRECEDENCE = {"Z": "FLASH", "O": "IMMEDIATE", "P": "PRIORITY", "R": "ROUTINE"}
PRECEDENCE_WORDS = ("NIACT IMMEDIATE", "IMMEDIATE", "PRIORITY", "ROUTINE", "FLASH")
_DTG = re.compile(r"(\d{2})(\d{2})(\d{2})Z\s+([A-Za-z]{3})\s+(\d{2,4})")
_META_DATE = re.compile(r"date:\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?", re.I)


def full_year(year: str) -> int:
    """Two-digit cable years: Cablegate runs from 1966 to 2010."""
    y = int(year)
    if len(year) == 4:
        return y
    return 1900 + y if y >= 50 else 2000 + y


def dtg_date(dtg: str) -> str | None:
    """'010335Z JUN 09' -> '2009-06-01T03:35:00Z'; None when it is not a real date."""
    m = _DTG.search(dtg)
    if not m:
        return None
    day, hour, minute, mon, year = m.groups()
    month = MONTHS.get(mon.upper())
    if month is None:
        return None
    try:
        when = datetime(full_year(year), month, int(day), int(hour), int(minute))
    except ValueError:
        return None
    return when.isoformat(timespec="seconds") + "Z"


def meta_date(line: str) -> str | None:
    """A scrape's 'date: 1/4/1993 22:51' (month first) as ISO 8601."""
    m = _META_DATE.search(line)
    if not m:
        return None
    mon, day, year, hour, minute = m.groups()
    try:
        when = datetime(int(year), int(mon), int(day), int(hour or 0), int(minute or 0))
    except ValueError:
        return None
    # isoformat, not strftime: strftime does not pad a year below 1000 to four digits.
    if hour is None:
        return when.date().isoformat()
    return when.isoformat(timespec="seconds") + "Z"


_ROUTE = re.compile(r"^(R[A-Z0-9]{3,})/(.*)$")
# The first character of a DTG line ("R 021240Z MAY 08", "NIACT ...", or a blank when it is
# indented): a cheap test that spares the pattern most lines of a cable's body.
_DTG_STARTS = frozenset("ZOPRN ")
# "DE RUEHKB #0433/01 1520335": the sending station's routing indicator and the serial.
_DE_SERIAL = re.compile(r"^\s*DE\s+[A-Z0-9]{4,}\s+#(\d{1,7})")
_MCN = re.compile(r"\s(\d{1,5})$")


def recipient(line: str, keyword: str | None) -> Recipient | None:
    """'TO RUEHC/SECSTATE WASHDC IMMEDIATE 1280' -> route, name, precedence, MCN."""
    text = squash(line)
    if keyword and text.upper().startswith(keyword + " "):
        text = text[len(keyword) + 1 :]
    if not text:
        return None
    route = None
    m = _ROUTE.match(text)
    if m:
        route, text = m.group(1), m.group(2).strip()
    mcn = None
    m2 = _MCN.search(" " + text)
    if m2:
        mcn = m2.group(1)
        text = text[: len(text) - len(mcn)].rstrip()
    precedence = None
    for word in PRECEDENCE_WORDS:
        if text == word or text.endswith(" " + word):
            precedence = word
            text = text[: len(text) - len(word)].rstrip()
            break
    if not text:
        return None
    return Recipient(name=text, route=route, precedence=precedence, mcn=mcn)


_LEVELS = {
    "TOPSECRET": "TOP SECRET",
    "SECRET": "SECRET",
    "CONFIDENTIAL": "CONFIDENTIAL",
    "LIMITEDOFFICIALUSE": "LIMITED OFFICIAL USE",
    "UNCLASSIFIED": "UNCLASSIFIED",
    "UNCLAS": "UNCLASSIFIED",
}
# The caveats WikiLeaks' index joins to the level: NOFORN (also "NF", as in "S/NF") to any
# level; to an unclassified cable FOR OFFICIAL USE ONLY, which the index gives where the cable
# is marked sensitive (SENSITIVE, SBU, E F T O), not where a handling line says only "FOR
# OFFICIAL USE ONLY" (88BONN31258 of ../shared/corpus is indexed UNCLASSIFIED).
_NOFORN = re.compile(r"\b(?:NOFORN|NOT\s+RELEASABLE\s+TO\s+FOREIGN\s+NATIONALS)\b|(?:^|/)NF\b")
_SENSITIVE = re.compile(r"\b(?:SENSITIVE|SBU|E\s?F\s?T\s?O)\b")
_FOUO = re.compile(r"\b(?:FOUO|FOR\s+OFFICIAL\s+USE\s+ONLY)\b")
_CAVEAT_PARTS = re.compile(r"//\s*|\s+(?=E\s?F\s?T\s?O|SENSITIVE|NOFORN|EXDIS|NODIS|LIMDIS)")


def classification(cls: str, caveats: str, handling: Sequence[str]) -> str:
    """The classification as WikiLeaks indexes it: the level and the caveats that belong to it,
    joined with "//" ("CONFIDENTIAL//NOFORN", "UNCLASSIFIED//FOR OFFICIAL USE ONLY"). The
    caveats are those of the banner and of classification lines ("CONFIDENTIAL//NOFORN"), and
    the markers among the handling lines ("NOFORN", "SENSITIVE")."""
    word = re.sub(r"\s", "", cls.upper())
    level = _LEVELS.get(word, word)
    caveats = caveats.upper()
    marks = [caveats, *(squash(h).upper() for h in handling)]
    if level == "UNCLASSIFIED":
        fouo = _FOUO.search(caveats) or any(_SENSITIVE.search(m) for m in marks)
        return "UNCLASSIFIED//FOR OFFICIAL USE ONLY" if fouo else level
    return level + "//NOFORN" if any(_NOFORN.search(m) for m in marks) else level


def caveat_markers(caveats: str) -> list[str]:
    """The caveats written in a banner or a classification line, one marker each:
    "//NOFORN" -> ["NOFORN"], " E F T O" -> ["EFTO"]."""
    parts = (squash(p) for p in _CAVEAT_PARTS.split(caveats.upper()))
    return [re.sub(r"^E F T O$", "EFTO", p) for p in parts if p]


_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9/&.-]*(?:\s*\([^()\n]{1,80}\))?")


def tags(text: str) -> tuple[str, ...]:
    text = re.sub(r"^\s*TAGS\s*:?", "", unmark(text), flags=re.I)
    # A dict as an ordered set: a list's membership test made a TAGS list over 8,000 lines
    # take 0.8 s (quadratic).
    out: dict[str, None] = {}
    for m in _TAG.finditer(text):
        tag = squash(m.group(0)).upper().rstrip(".")
        if tag:
            out.setdefault(tag)
    return tuple(out)


# A portion marking before the subject ("(C)", "(S/NF)", "(SBU)"); other parentheses stay
# ("(IAEA) BOARD MEETS", "USD(P) EDELMAN").
_LEAD_MARKING = re.compile(lexer.MARKING.pattern + r"\s*")
# A REF on the SUBJECT's own line, as a scrape that lost the line breaks prints it: "SUBJECT:
# ... CORPORATION REF: 09 TRIPOLI 862 TRIPOLI 00000116 001.2 OF 003 CLASSIFIED BY: ...".
_SUBJECT_REF = re.compile(r"\s\bREF(?:S|TELS?)?\s*:\s")
# What follows such a REF on that line: a page header, and the Classified By line.
_PAGE_HEADER = re.compile(r"\b[A-Z][A-Z ]{1,30} \d{6,8} \d{3}(?:\.\d)? OF \d{3}\b")
_CLASSBY_TAIL = re.compile(r"\b(?:CLASSIFIED\s+BY|DERIVED\s+FROM)\b", re.I)


def subject(lines: Sequence[str]) -> tuple[str | None, str]:
    """The SUBJECT's text, and what a REF on its line says (empty when there is none)."""
    first = re.sub(r"^\s*SUBJ(?:ECT)?\b\s*:?", "", lines[0], flags=re.I)
    # Continuation lines may start with a telegram's "-" and a scrape may add a lone "...".
    rest = [re.sub(r"^\s*-\s+", "", ln) for ln in lines[1:] if any(c.isalnum() for c in ln)]
    text = squash(unmark(" ".join([first, *rest])))
    text = _LEAD_MARKING.sub("", text, count=1)
    tail = ""
    ref = _SUBJECT_REF.search(text)
    if ref:
        text, tail = text[: ref.start()].rstrip(), "REF: " + text[ref.end() :]
    return text or None, tail


_DECL = re.compile(r"DECL(?:ASSIFY)?\s*(?:ON)?\s*:?\s*(\d{1,2})/(\d{1,2})/(\d{2,4})", re.I)
_EO = re.compile(r"E\.?\s?O\.?\s*(\d{4,5})", re.I)


def eo(text: str) -> tuple[str | None, str | None]:
    """'E.O. 12958: DECL: 05/24/2019' -> ('12958', '2019-05-24')."""
    m = _EO.search(text)
    number = m.group(1) if m else None
    d = _DECL.search(text)
    declassify = None
    if d:
        mon, day, year = d.groups()
        yyyy = full_year(year) if len(year) == 2 else int(year)
        try:
            declassify = datetime(yyyy, int(mon), int(day)).date().isoformat()
        except ValueError:
            declassify = None
    return number, declassify


# A reason's letter, alone: "b", "(B)", "( b", "d)"; never the first letter of a word ("AND").
_REASON_LETTER = r"\(?\s?[a-hA-H]\s?\)?(?![A-Za-z])"
_REASON = re.compile(
    rf"(\d\.\d)\s*({_REASON_LETTER}(?:[\s,/&]*(?:(?i:and|or)\s+)?{_REASON_LETTER})*)"
)


def reasons(text: str) -> tuple[str, ...]:
    """'Reasons: 1.4 (b, d)' -> ('1.4(b)', '1.4(d)')."""
    out: list[str] = []
    for m in _REASON.finditer(text):
        for letter in re.findall(r"(?<![A-Za-z])([a-hA-H])(?![A-Za-z])", m.group(2)):
            reason = f"{m.group(1)}({letter.lower()})"
            if reason not in out:
                out.append(reason)
    return tuple(out)


_TITLE_WORDS = frozenset(
    [
        "ambassador",
        "amb",
        "charge",
        "chargé",
        "d'affaires",
        "affaires",
        "a.i.",
        "dcm",
        "cda",
        "cg",
        "deputy",
        "chief",
        "of",
        "mission",
        "acting",
        "political",
        "economic",
        "politcal",
        "polecon",
        "pol",
        "econ",
        "pol/econ",
        "counselor",
        "counsellor",
        "officer",
        "officers",
        "section",
        "consul",
        "general",
        "consul-general",
        "principal",
        "minister",
        "secretary",
        "assistant",
        "director",
        "head",
        "mission",
        "for",
        "the",
        "and",
        "public",
        "affairs",
        "management",
        "regional",
        "security",
        "polmil",
        "pol-mil",
        "military",
        "advisor",
        "adviser",
        "attache",
        "attaché",
        "defense",
        "senior",
        "coordinator",
        "special",
        "envoy",
        "representative",
        "permanent",
        "alternate",
        "under",
        "usun",
        "us",
        "u.s.",
        "ambassador-at-large",
        "by",
        "to",
        "a.i",
        "ai",
        "de",
        "d'",
        "affair",
        "affairs",
        "poloff",
        "econoff",
        "ecpo",
        "ecmin",
        "econcouns",
        "couns",
        "counsel",
        "counselour",
        "min",
        "coun",
        "mcounselor",
        "minister-counselor",
        "minister-counsellor",
        "minister-counselour",
        "dir",
        "team",
        "leader",
        "unit",
        "member",
        "legal",
        "labor",
        "useu",
        "ltc",
        "col",
        "maj",
        "capt",
        "gen",
        "governance",
        "interagency",
        "institutional",
        "permanent",
        "this",
        "message",
        "classified",
    ]
)


_NAME_SUFFIXES = frozenset(["jr", "sr", "ii", "iii", "iv"])


def _is_title_word(word: str, mixed_case: bool = True) -> bool:
    """A word of an officer's title, or the abbreviation of one ("CG", "DCM", "POL/ECON",
    "(AI)", "AF/C -"), but no suffix of a name ("JR."). In a text in capitals a short word may
    be a name ("TOM", "LEE"): there only the words of the list are titles."""
    bare = word.lower().strip(",.:;")
    if bare in _NAME_SUFFIXES:
        return False
    if bare in _TITLE_WORDS or "/" in bare or bare in ("-", "--") or word.startswith("("):
        return True
    # An abbreviation, not an initial ("E.", "S.K.").
    return mixed_case and word.isupper() and bare.isalpha() and 2 <= len(bare) <= 5


# Where the name and title end: the reasons ("for reasons", "-reasons", "per 1.4", "REASON:",
# "E.O. 12958", a bare "1.4" after a comma, colon or dash), with the word broken by a wrapped
# line as scrapes print it ("for rea sons", "f or reasons", "Re asons").
_CLASSBY_SPLIT = re.compile(
    r"[,;.:]?\s*(?:\b(?:f\s?or|per)\s+)?(?:\b|-)r\s?e\s?a\s?s\s?o\s?n|[,;.]?\s*\bE\.?O\.?\s*\d"
    r"|,?\s+per\s+\d|(?:\s+for)?(?:[,;:]|\s-)?\s+1\.\s?\d\b",
    re.I,
)
# The head written twice, or inside the text: "Classified By: Classified by DCM Liz Dibble",
# "Classified By: This message classified by ...", "Classified By: (C) CLASSIFIED BY ...".
_CLASSBY_AGAIN = re.compile(r"^.{0,30}?\bclass?ifi?ed\s+by\b\s*:?\s*", re.I)


_CLASSBY_IN_TEXT = re.compile(r"\bCLASSIFIED\s+BY\b", re.I)


def classified_by(text: str) -> ClassifiedBy:
    """'Classified By: Ambassador Anne E. Derse. Reasons: 1.4 (b, d)' -> title and name."""
    head = lexer.CLASSBY.match(text)
    body = re.sub(r"^\s*:?\s*", "", text[head.end() :]) if head else text
    again = _CLASSBY_AGAIN.match(body)
    if again:
        body = body[again.end() :]
    # "Acting Pol/Econ Counselor:Steve Weston": a colon glued to the name.
    body = re.sub(r"(?<=[A-Za-z]):(?=[A-Z])", ": ", squash(body))
    who = _CLASSBY_SPLIT.split(body, maxsplit=1)[0].strip(" ,.;:-")
    mixed = any(c.islower() for c in who)
    words = who.split()
    title: str | None = None
    name: str | None = who or None
    if words and not _is_title_word(words[0], mixed) and "," in who:
        # The name first, then the title: "Luis G. Moreno, CG", "Joseph Kenny, Dhahran Consul
        # General, Department of State", "THOMAS W. SIMONS, JR., AMBASSADOR".
        first, _, rest = who.partition(",")
        suffix = re.match(r"\s*((?:JR|SR|II|III|IV)\b\.?)\s*,?", rest, re.I)
        if suffix:
            first, rest = f"{first}, {suffix.group(1)}", rest[suffix.end() :]
        if any(_is_title_word(w, mixed) for w in rest.replace(",", " ").split()):
            name, title = first.strip(), rest.strip(" ,") or None
        elif not rest.strip(" ,"):
            name = first.strip()
    else:
        # The title first: the name is what follows its last word ("Kirkuk PRT Team Leader
        # Howard Keegan", "Acting Deputy Chief of Mission Marc Wall").
        k = max((i + 1 for i, w in enumerate(words[:-1]) if _is_title_word(w, mixed)), default=0)
        title = " ".join(words[:k]).strip(" ,:-") or None
        name = " ".join(words[k:]).strip(" ,") or None
    if name and (
        not any(c.isalpha() for c in name) or all(_is_title_word(w, mixed) for w in name.split())
    ):
        name = None  # "CLASSIFIED BY SECTION 1.5 (B) AND (D)": no one is named
    return ClassifiedBy(text=squash(text), name=name, title=title)


# Multi-word station names as REF lists write them; longest first.
_MULTIWORD_STATIONS = sorted(
    (
        tuple(name.split())
        for name in (
            "USUN NEW YORK",
            "NEW YORK",
            "NEW DELHI",
            "THE HAGUE",
            "BUENOS AIRES",
            "RIO DE JANEIRO",
            "SAO PAULO",
            "HO CHI MINH CITY",
            "HO CHI MINH",
            "TEL AVIV",
            "KUALA LUMPUR",
            "PORT AU PRINCE",
            "ADDIS ABABA",
            "DAR ES SALAAM",
            "SAN JOSE",
            "SAN SALVADOR",
            "SANTO DOMINGO",
            "PANAMA CITY",
            "GUATEMALA CITY",
            "MEXICO CITY",
            "HONG KONG",
            "ABU DHABI",
            "LA PAZ",
            "PORT LOUIS",
            "PORT MORESBY",
            "PORT OF SPAIN",
            "CIUDAD JUAREZ",
            "NUEVO LAREDO",
            "ST PETERSBURG",
            "SAINT PETERSBURG",
            "CAPE TOWN",
            "BANDAR SERI BEGAWAN",
            "USEU BRUSSELS",
            "UNVIE VIENNA",
            "USEC BRUSSELS",
            "US MISSION GENEVA",
            "USMISSION GENEVA",
            "KUWAIT CITY",
            "VATICAN CITY",
            "HOLY SEE",
            "BANJA LUKA",
            "SAN PEDRO SULA",
        )
    ),
    key=len,
    reverse=True,
)
# A citation: an optional year ("2008 BAKU 1069", "08 UNVIE 638"), a station word, and a serial,
# which may follow a portion marking or "#" ("KUWAIT (C)02293", "BAGHDAD #3565") and carry its
# own year after it ("QUITO 4525-91", "PANAMA 00789/08", "AMMAN 07718 99", "STATE (01) 201265").
# A serial that more digit groups follow is a report's number ("IIR 6 941 0165"), not a cable's.
_REF_CITE = re.compile(
    r"(?:(?<![\d/])(?P<year>\d{4}|\d{2})\s+)?(?P<station>[A-Z][A-Z-]*)(?P<gap>\s*)"
    r"(?:\((?P<pyear>\d{2})\)\s*|\([A-Z]{1,4}\)\s*|#\s?)?0*(?P<serial>\d{1,7})(?!\d)"
    # Not a date ("12/01/09"); a year after the serial; no more digit groups after it.
    r"(?!/\d{1,2}/)(?:[-/](?P<syear>\d{2})(?![\d/])|\s(?P<tyear>\d{2})(?=\s*(?:[,;]|$)))?"
    r"(?!\s+\d{3,})"
)
# More serials of the same station: "BRASILIA 2799 AND 2764", "KABUL 936/935",
# "GUANGZHOU 11657 AND 7743, 12155".
_MORE_SERIALS = re.compile(
    r"(?:\s*(?:,|/|&|\bAND\b)\s*)0*(\d{1,7})(?!\d)(?!/\d{1,2}/)(?!\s+\d{3,})"
)
# The number before the station: "REF: 870 ULAANBAATAR", "A) 377 KATHMANDU".
_SERIAL_FIRST = re.compile(r"(?<![\d/])(\d{1,7})\s+([A-Z][A-Z]+)\b")
_MONTH_NAMES = [
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
]
_NOT_STATIONS = frozenset(
    [
        *_MONTH_NAMES,
        *MONTHS,
        "SEPT",
        "PARA",
        "PARAS",
        "PARAGRAPH",
        "PARAGRAPHS",
        "REF",
        "REFS",
        "REFTEL",
        "REFERENCE",
        "AND",
        "OR",
        "OF",
        "THE",
        "NO",
        "NR",
        "NUMBER",
        "DTD",
        "DATED",
        "ON",
        "IN",
        "AT",
        "TO",
        "FROM",
        "CA",
        "PAGE",
        "SECTION",
        "SECTIONS",
        "TELEGRAM",
        "TELEGRAMS",
        "CABLE",
        "CABLES",
        "MESSAGE",
        "MSG",
        "IIR",
        "REPORT",
        "NOTE",
        "LETTER",
        "MEMO",
        "FAX",
        "APPENDIX",
        "ANNEX",
        "ITEM",
        "RESOLUTION",
        "UNSCR",
        "PUBLIC",
        "LAW",
        "FAM",
        "CFR",
        "USC",
        "EO",
        "STATEMENT",
    ]
)
# A label: "A. ", "(B) ", "C) ", "[D] ", "E - ", "¶F. ", and "A)" or "(A)" glued to the citation
# ("A).UNVIE 003", "(A)BRASILIA 13511", "B)HK05511"); a label printed twice ("A. A)STATE 70789",
# "A. A: PANAMA 00789/08", "A. REF A STATE 122214") is one.
_REF_LABEL = re.compile(
    r"(?:^|(?<=[\s;,]))¶?(?:\(([A-Z])\)|\[([A-Z])\]|([A-Z])\s?(?:\)\.?|\.|\s-(?=\s)))"
    r"(?:\s*(?:REF:?\s+)?\(?[A-Z]\s?[.):](?=\s|[A-Z]))?"
    r"(?:\s*REF(?:ERENCE)?\b:?)?(?:\s+|(?<=[).\]])(?=[A-Z0-9]))"
)
# Unlabelled references end at a semicolon, or at a colon before the next cable's citation:
# "TEHRAN 1091: TEHRAN 263: MOSCOW 1603".
_REF_SPLIT = re.compile(r";\s*|:\s+(?=(?:\d{2}(?:\d{2})?\s+)?[A-Z][A-Z-]+\s+\d)")
_REF_HEAD = re.compile(r"^\s*(?:REF(?:S|TELS?|ERENCES?)?\s*:\s*)+(?:REF\s+(?=\(?[A-Z][).]))?", re.I)
_EMAIL = re.compile(r"\bE-?MAILS?\b")
_TELCON = re.compile(r"\bTEL(?:E)?CONS?\b|\bPHONE\b|\bTELEPHONE\b")


def references(
    text: str, year: int | None, own_id: str | None, station: str | None = None
) -> tuple[tuple[Reference, ...], list[str]]:
    """A REF section's text to its items, one Reference for each cable an item cites (or one
    for an item that cites none); a cable's citation of itself is dropped. `station` is the
    citing cable's, which a bare serial ("A) 6307") cites."""
    warnings: list[str] = []
    body = squash(unmark(_REF_HEAD.sub("", text)))
    if not body:
        return (), warnings
    items: list[tuple[str | None, str]] = []
    labels: list[tuple[re.Match[str], str]] = []
    for m in _REF_LABEL.finditer(body):
        letter = m.group(1) or m.group(2) or m.group(3)
        if labels:
            # The next label is the same letter or one of the next three; an initial ("J.
            # SPEAKS") is no label.
            step = ord(letter) - ord(labels[-1][1])
            if 0 <= step <= 3:
                labels.append((m, letter))
        elif m.start() == 0 or (letter == "A" and body[: m.start()].rstrip().endswith(";")):
            labels.append((m, letter))
    # Text before the first label is unlabelled: "REF: 09 STATE 96625; A. A)STATE 70789".
    lead = body[: labels[0][0].start()] if labels else body
    items.extend((None, part.strip(" ,")) for part in _REF_SPLIT.split(lead) if part.strip(" ,"))
    for k, (m, letter) in enumerate(labels):
        nxt = labels[k + 1][0] if k + 1 < len(labels) else None
        item = body[m.end() : nxt.start() if nxt else len(body)].strip(" ;,-")
        if not item and nxt is not None:
            continue  # a label printed twice, "A. A. DHAHRAN 217": one reference
        items.append((letter, item))
    out: list[Reference] = []
    for label, item in items:
        upper = item.upper()
        kind = "other"
        if _EMAIL.search(upper):
            kind = "email"
        elif _TELCON.search(upper):
            kind = "telcon"
        cited = cited_cables(item, year, station) if kind == "other" else []
        if not cited:
            out.append(Reference(text=item, label=label, kind=kind))  # type: ignore[arg-type]
        for ref_id in cited:
            if own_id and ref_id == own_id:
                warnings.append(
                    f"dropped a reference to the cable itself: REF {label or ''} {item}"
                )
                continue
            out.append(Reference(text=item, label=label, kind="cable", id=ref_id))
    return tuple(out), warnings


def cited_cables(item: str, year: int | None, station: str | None = None) -> list[str]:
    """Every cable an item cites: 'BRASILIA 2799 AND 2764' -> ['04BRASILIA2799',
    '04BRASILIA2764'] (with year 2004); a citation without a year takes `year`."""
    text = " ".join(item.upper().split())
    out: list[str] = []
    for m in _REF_CITE.finditer(text):
        word = m["station"]
        if word in _NOT_STATIONS or len(word.strip("-")) < 2:
            continue
        if not m["gap"] and ids.known_station(word) is None:
            continue  # glued to its number, only a known station is one: "HK05511"
        cite_year = m["year"] or m["pyear"] or m["syear"] or m["tyear"]
        name = word
        # Widen to a known multi-word station ending at this word ("USUN NEW YORK 258"); the
        # words before it are looked at within a bounded window, so that an item of many
        # citations is read in linear time.
        before = text[max(0, m.start("station") - 40) : m.start("station")].replace(".", "")
        words = before.split()
        for multi in _MULTIWORD_STATIONS:
            n = len(multi) - 1
            if multi[-1] == word and tuple(words[-n:]) == multi[:-1]:
                name = " ".join(multi)
                prefix = words[:-n]
                if prefix and re.fullmatch(r"\d{2}|\d{4}", prefix[-1]):
                    cite_year = prefix[-1]
                break
        if len(name) < 3 and ids.known_station(name) is None:
            continue
        y = cite_year if cite_year else (str(year) if year is not None else None)
        if y is None:
            continue
        out.append(ids.reference_id(name, int(m["serial"]), y))
        at = m.end()
        while more := _MORE_SERIALS.match(text, at):
            out.append(ids.reference_id(name, int(more.group(1)), y))
            at = more.end()
    if not out and year is not None:
        for m in _SERIAL_FIRST.finditer(text):
            if ids.known_station(m.group(2)) in ids.STATIONS:
                out.append(ids.reference_id(m.group(2), int(m.group(1)), year))
        if not out and station and re.fullmatch(r"0*\d{1,7}\.?", text):
            out.append(ids.reference_id(station, int(text.rstrip(".")), year))
    return out


# "SUMMARY:", "BEGIN SUMMARY.", "Summary and Comment:", "Summary and Action Request.".
_SUMMARY_START = re.compile(
    r"\b(?:BEGIN\s+)?SUMMARY(?:\s+AND\s+[A-Z]+(?:\s+[A-Z]+)?)?\s*[:.\-]+\s*", re.I
)
_SUMMARY_END = re.compile(r"\bEND\s+(?:OF\s+)?SUMMARY\b\.?", re.I)
_AN_END = re.compile(r"\bEND\s+(?:OF\s+)?$", re.I)  # before the SUMMARY of "END SUMMARY"
_SUMMARY_HEADING = re.compile(r"^(?:BEGIN\s+)?SUMMARY\b", re.I)


def summary(paragraphs: Sequence[Paragraph]) -> str | None:
    """The cable's summary: from "SUMMARY:" in a paragraph (or the paragraphs under a SUMMARY
    heading, or after a BEGIN SUMMARY line) to END SUMMARY; without an END SUMMARY in the
    paragraphs that follow, the paragraph it starts in. A first paragraph that ends its text
    with END SUMMARY but never began one is the summary too."""
    first = paragraphs[:12]
    for k, para in enumerate(first):
        text = para.text
        # The searches below try every position (IGNORECASE, a word boundary first): they are
        # made only in text that has the word. "ummary": "s" has a case partner besides "S" ("ſ").
        head = text[:200]
        m = _SUMMARY_START.search(head) if "ummary" in head.lower() else None
        if m and not _AN_END.search(text, 0, m.start()):
            text = text[m.end() :]
            # "1. Summary: (SBU) Japanese ...": the marking is the paragraph's, not the text's.
            marking = lexer.MARKING.match(text)
            if marking:
                text = text[marking.end() :].lstrip()
        elif para.heading and _SUMMARY_HEADING.match(para.heading):
            pass
        elif lexer.SUMMARY_HEAD.match(text):
            # "BEGIN SUMMARY" as a line of its own that is no heading (an all-capitals
            # telegram's short line stands alone without one): the summary follows it.
            text = ""
        elif k < 2 and "ummary" in text.lower() and (end := _SUMMARY_END.search(text)):
            return squash(text[: end.start()]) or None
        else:
            continue
        return _summary_from(text, first[k + 1 :])
    return None


def _summary_from(text: str, rest: Sequence[Paragraph]) -> str | None:
    """A summary that starts with `text`: to END SUMMARY, in it or in one of the paragraphs
    `rest` (the summary's own paragraphs); else `text`, or the next paragraph when it is empty."""
    parts = [text]
    for para in (None, *rest):
        if para is not None:
            parts.append(para.text)
        part = parts[-1]
        end = _SUMMARY_END.search(part) if "ummary" in part.lower() else None
        if end:
            parts[-1] = part[: end.start()]
            return squash(" ".join(parts)) or None
    if not text.strip() and rest:
        text = rest[0].text
    return squash(text) or None


# ---- the tree to the model -------------------------------------------------------------------


@attrs.define
class _Parts:
    """What the tree holds, as tokens; read into fields by CableReader."""

    preamble: list[Token] = attrs.Factory(list)
    transmission: list[Token] = attrs.Factory(list)
    dtg: Token | None = None
    from_: Token | None = None
    to: list[Token] = attrs.Factory(list)
    info: list[Token] = attrs.Factory(list)
    xmt: list[Token] = attrs.Factory(list)
    banner: Token | None = None
    front: list[tuple[str, list[Token]]] = attrs.Factory(list)
    blocks: list[tuple[str, list[Token]]] = attrs.Factory(list)
    signature: Token | None = None


def _tokens(tree: Tree[Token]) -> list[Token]:
    """A subtree's line tokens, in order, with LINES runs opened up."""
    out: list[Token] = []
    # A walk of the children rather than lark's scan_values: every rule of the grammar holds
    # tokens only, and this runs for every block of every cable.
    for value in tree.children:
        if isinstance(value, lexer.LineRun):
            out.extend(value.lines)
        elif isinstance(value, Token):
            out.append(value)
        else:
            out.extend(_tokens(value))
    return out


def collect(tree: Tree[Token]) -> _Parts:
    parts = _Parts()
    for child in tree.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "preamble":
            parts.preamble = _tokens(child)
        elif child.data == "header":
            for sub in child.children:
                if not isinstance(sub, Tree):
                    continue
                toks = _tokens(sub)
                if sub.data == "transmission":
                    parts.transmission = toks
                elif sub.data == "dtg":
                    parts.dtg = toks[0]
                elif sub.data == "from_":
                    parts.from_ = toks[0]
                elif sub.data == "to_":
                    parts.to = toks
                elif sub.data == "info":
                    parts.info = toks
                elif sub.data == "xmt":
                    parts.xmt.extend(toks)
        elif child.data == "banner":
            parts.banner = _tokens(child)[0]
        elif child.data == "front":
            for sub in child.children:
                if isinstance(sub, Tree):
                    parts.front.append((str(sub.data), _tokens(sub)))
                else:
                    parts.front.append((sub.type, [sub]))
        elif child.data == "body":
            for sub in child.children:
                if not isinstance(sub, Tree):
                    continue
                if sub.data == "signature":
                    parts.signature = _tokens(sub)[0]
                else:
                    parts.blocks.append((str(sub.data), _tokens(sub)))
    return parts


def _span(tokens: Sequence[Token], kinds: frozenset[str] | None = None) -> Span:
    """From the first to the last token with text (of `kinds`, when given); from the first to
    the last token when none has text."""

    def counts(t: Token) -> bool:
        return kinds is None or t.type in kinds

    # From each end inwards: a paragraph has hundreds of lines, and text at both ends.
    first = next((t for t in tokens if counts(t) and _has_text(t)), None)
    last = next((t for t in reversed(tokens) if counts(t) and _has_text(t)), None)
    if first is None or last is None:
        counted = [t for t in tokens if counts(t)]
        first, last = counted[0], counted[-1]
    return (first.start_pos or 0, last.end_pos or 0)


def _has_text(tok: Token) -> bool:
    return tok.type != "BLANK" and not tok.value.isspace() and tok.value != ""


_CONTENT = frozenset({"PARA", "TEXT", "HEADING"})


@attrs.define
class CableReader:
    """Reads one cable's parts into a Document."""

    src: Source
    parts: _Parts
    # An ordered set: a hostile text can repeat a repair thousands of times, and a list's
    # membership test would make that quadratic.
    warnings: dict[str, None] = attrs.Factory(dict)
    spans: dict[str, Span] = attrs.Factory(dict)
    numbers: dict[int, int] = attrs.Factory(dict)  # a PARA token's offset -> its real number
    meta: dict[str, str] = attrs.Factory(dict)
    # Which metadata block a value of `meta` came from, in words, for the warnings.
    meta_from: dict[str, str] = attrs.Factory(dict)
    # Where each header value came from: "text", "external" (the source's metadata) or "both".
    chosen: dict[str, str] = attrs.Factory(dict)

    def warn(self, message: str) -> None:
        self.warnings.setdefault(message)

    def read(self) -> Document:
        p = self.parts
        src = self.src
        self.meta = self.metadata()
        station, serial, section, cls_word, caveats = self.banner()
        if station is None or serial is None:
            raise NotACable("no banner line naming the station and serial number")
        class_lines = self.class_lines()
        if cls_word is None and class_lines:
            cls_word = class_lines[0]["cls"]
            self.warn(f"the classification is that of the line {squash(class_lines[0][0])!r}")
        caveats = " ".join([caveats, *(m["caveat"] for m in class_lines)])
        handling = self.handling(caveats)
        if not (p.transmission or p.dtg or p.from_ or p.to):
            self.warn("the text has no routing header: no transmission id, DTG, FM or TO line")

        text_date = self.date()
        date = self.external("date", text_date, "date")
        if date is None:
            self.warn("no date in the text or its source")
        elif text_date is None:
            self.warn(
                f"no date-time group in the text: the date is that of {self.meta_from['date']}"
            )
        year = int(date[:4]) if date else None
        ref_id = ids.reference_id(station, serial, year) if year is not None else None
        text_ref = ref_id
        ref_id = self.reference(ref_id, station, serial)
        if year is None and ref_id:
            # No date in the text, but the reference id's year: REF lists cite by it.
            year = full_year(ref_id[:2])
        self.check_origin(station)
        cls = classification(cls_word, caveats, handling) if cls_word else None
        cls = self.external("classification", cls, "classification")

        eo_number = declassify = None
        tag_list: dict[str, None] = {}  # an ordered set over all TAGS lines
        subj: str | None = None
        refs: list[Reference] = []
        cby: ClassifiedBy | None = None
        reason_list: tuple[str, ...] = ()
        for kind, toks in p.front:
            lines = [str(t) for t in toks]
            if kind == "eo":
                eo_number, declassify = eo(" ".join(lines))
                self.spans.setdefault("eo", _span(toks))
            elif kind == "tags":
                tag_list.update(dict.fromkeys(tags(" ".join(lines))))
                self.spans.setdefault("tags", _span(toks))
            elif kind == "subject" and subj is None:
                subj, tail = subject(lines)
                self.spans["subject"] = _span(toks)
                if tail:
                    by = _CLASSBY_TAIL.search(tail)
                    if by:
                        cby = classified_by(tail[by.start() :])
                        reason_list = reasons(tail[by.start() :])
                        self.spans["classified_by"] = _span(toks)
                        tail = tail[: by.start()]
                    found, notes = references(_PAGE_HEADER.sub("", tail), year, ref_id, station)
                    refs.extend(found)
                    for note in notes:
                        self.warn(note)
                    self.spans.setdefault("references", _span(toks))
            elif kind == "ref":
                found, notes = references(" ".join(lines), year, ref_id, station)
                refs.extend(found)
                for note in notes:
                    self.warn(note)
                self.spans.setdefault("references", _span(toks))
            elif kind == "classified_by" and cby is None:
                cby = classified_by(" ".join(lines))
                reason_list = reasons(" ".join(lines))
                self.spans["classified_by"] = _span(toks)
        if subj is None:
            subj = self.external("title", None, "title")
            self.warn(
                "no SUBJECT line in the text" + (": the title is the source's" if subj else "")
            )
        elif subj:
            # An index keeps the SUBJECT's first line or so: agreeing is being its beginning.
            indexed = squash(self.src.external_value("title") or "").upper()
            agrees = bool(indexed) and squash(subj).upper().startswith(indexed)
            self.chosen["title"] = "both" if agrees else "text"

        paragraphs = self.paragraphs()
        if cby is None:
            # Older telegrams say it in their first paragraph: "1. (U) CLASSIFIED BY ROBERT P.
            # FINN, DEPUTY CHIEF OF MISSION. REASON: 1.5 (D)", "1. CONFIDENTIAL - ENTIRE TEXT.
            # CLASSIFIED BY: ...".
            for para in paragraphs[:2]:
                m = _CLASSBY_IN_TEXT.search(para.text, 0, 80)
                if m:
                    cby = classified_by(para.text[m.start() :])
                    reason_list = reasons(para.text[m.start() :])
                    self.spans["classified_by"] = para.span
                    break
        signed: tuple[str, ...] = ()
        if p.signature is not None:
            m = lexer.SIGNATURE.match(str(p.signature))
            written = m["name"] if m else str(p.signature)
            # Two signers are joined by "/": "KEEGAN/PAAL" is KEEGAN and PAAL.
            names = (re.sub(r"[^A-Za-z'. -]", "", n).strip(" .") for n in written.split("/"))
            signed = tuple(n for n in names if n)
            self.spans["signature"] = _span([p.signature])

        prec = None
        dtg_text = None
        if p.dtg is not None:
            m = lexer.DTG_LINE.match(str(p.dtg))
            if m:
                dtg_text = squash(m["dtg"])
                letters = m["prec"].split()
                prec = "NIACT IMMEDIATE" if letters[0] == "NIACT" else PRECEDENCE.get(letters[0])
            self.spans["dtg"] = _span([p.dtg])
        to = self.recipients(p.to, "TO")
        info = self.recipients(p.info, "INFO")
        if prec is None and to:
            prec = to[0].precedence
        tid = None
        for tok in p.transmission:
            m = lexer.TID.match(str(tok))
            if m:
                tid = m.group(1)
                self.spans["transmission_id"] = _span([tok])
        from_ = None
        if p.from_ is not None:
            from_ = squash(re.sub(r"^\s*FM\s+", "", str(p.from_))) or None
            self.spans["from"] = _span([p.from_])

        cable = Cable(
            reference_id=ref_id,
            origin=station,
            serial=serial,
            from_=from_,
            to=to,
            info=info,
            transmission_id=tid,
            precedence=prec,
            dtg=dtg_text,
            section=section,
            handling=tuple(handling),
            eo=eo_number,
            declassify_on=declassify,
            tags=tuple(tag_list),
            subject=subj,
            references=tuple(refs),
            classified_by=cby,
            reasons=reason_list,
            signed_by=signed,
            summary=summary(paragraphs),
        )
        return Document(
            id=ids.record_id(station, serial),
            kind="cable",
            text=src.text,
            title=subj,
            date=date,
            classification=cls,
            aliases=tuple(dict.fromkeys(r for r in (ref_id, text_ref) if r)),
            paragraphs=tuple(paragraphs),
            cable=cable,
            provenance=Provenance(
                source=src.name,
                sha256=src.sha256,
                encoding=src.encoding,
                format="cable-text" if src.format == "text" else src.format,
                parser="cable",
                parser_version=PARSER_VERSION,
                warnings=(*src.warnings, *self.warnings),
                row=src.row,
                offset=src.offset,
                length=len(src.data) if src.row is not None else None,
                external=src.external,
                field_sources=tuple(sorted(self.chosen.items())),
                spans=tuple(sorted(self.spans.items())),
            ),
        )

    def metadata(self) -> dict[str, str]:
        """Metadata that came with the text: the source's (a CSV's columns, an HTML page's
        table) over what a scrape embedded in the text (an 'id:/date:/refid:' block, a glued
        dump row)."""
        found: dict[str, str] = {}
        index_fields: list[str] = []  # the fields still to come of an index row, in order
        for tok in self.parts.preamble + self.parts.to + self.parts.info:
            if tok.type != "META":
                continue
            line = str(tok)
            if lexer.INDEX_DATE.match(line):
                found.setdefault("date", squash(line).replace(" ", "T")[:16] + ":00Z")
                self.meta_from.setdefault("date", f"the index row in the text ({squash(line)})")
                index_fields = ["refid", "origin", "classification"]
                continue
            if index_fields:
                found.setdefault(index_fields.pop(0), line.strip())
                continue
            row = lexer.DUMP_ROW.search(line)
            if row:
                for key in ("refid", "origin", "classification"):
                    found.setdefault(key, row[key].strip())
                found.setdefault("date", row["date"].replace(" ", "T")[:16] + ":00Z")
                self.meta_from.setdefault("date", f"the dump row in the text ({row['date']})")
                continue
            m = re.match(r"^\s*(refid|origin|classification|date)\s*:\s*(.+?)\s*$", line, re.I)
            if m and m.group(2):
                value = meta_date(line) if m.group(1).lower() == "date" else m.group(2)
                if value:
                    found.setdefault(m.group(1).lower(), value)
                    where = f"the scrape's header block ({squash(line)})"
                    self.meta_from.setdefault(m.group(1).lower(), where)
        if "refid" in found:
            found["reference_id"] = found.pop("refid")
            self.meta_from["reference_id"] = self.meta_from.pop(
                "refid", "the index row in the text"
            )
        for key, value in self.src.external:
            if value:
                found[key] = value
                self.meta_from[key] = f"the source's index ({value})"
        return found

    def external(self, key: str, value: str | None, label: str) -> str | None:
        """Fill a field the text lacks from the metadata that came with it; a value there that
        refines the text's ('CONFIDENTIAL//NOFORN' for 'CONFIDENTIAL') is taken. Other
        disagreements are noted: an index's value (a cables.csv column, a Cable Viewer page's
        table) is taken, since the record's reference id, date and classification are the
        index's; a scrape's metadata embedded in the text gives way to the text's own value."""
        given = self.meta.get(key)
        indexed = self.src.external_value(key) is not None
        if not given:
            if value is not None:
                self.chosen[key] = "text"
            return value
        if value is None:
            self.chosen[key] = "external" if indexed else "text"
            return given
        self.chosen[key] = "both" if indexed else "text"
        if key == "classification" and given.upper().startswith(value.upper() + "//"):
            where = "the source's index" if indexed else "metadata printed in the text"
            self.warn(f"{label} {given.upper()} comes from {where}; the banner says only {value}")
            return given.upper()
        same = value[:16] == given[:16] if key == "date" else value.upper() == given.upper()
        if same or (key == "date" and value[:10] == given[:10] and len(given) <= 10):
            return value
        if indexed:
            self.warn(
                f"{label} in the text ({value}) differs from the source's ({given}); "
                "the source's is used"
            )
            self.chosen[key] = "external"
            return given
        self.warn(f"{label} in the text ({value}) differs from the source's ({given})")
        return value

    def reference(self, text_ref: str | None, station: str, serial: int) -> str | None:
        """The reference id: the source's (or the file name's) over the one the text gives.
        An index's id that is not well formed ('7575LIBREVILLE1895', a glitch of WikiLeaks'
        own) is still the id people cite the cable by: it is kept, the text's as an alias."""
        given = self.meta.get("reference_id") or self.reference_from_name(station, serial)
        indexed = self.src.external_value("reference_id") is not None
        if not given:
            if text_ref:
                self.chosen["reference_id"] = "text"
            return text_ref
        canon = ids.canonical_id(given)
        self.chosen["reference_id"] = "external" if indexed else "text"
        if canon is None:
            if indexed:
                self.warn(
                    f"the source's reference id {given!r} is not well formed; it is kept, "
                    f"and the text's {text_ref} is an alias"
                )
                return given.upper()
            self.warn(f"the source's reference id {given!r} is not a valid reference id")
            return text_ref
        if text_ref and canon != text_ref:
            self.warn(
                f"reference id {text_ref} read from the text differs from the source's "
                f"{given}; the source's is used"
            )
        elif text_ref and indexed:
            self.chosen["reference_id"] = "both"
        return canon

    def check_origin(self, station: str) -> None:
        """The banner's station against the index's origin ('TEHRAN', 'Embassy Tehran'): the
        record keeps the banner's; a station the origin does not name is noted."""
        origin = self.src.external_value("origin")
        if origin is None:
            self.chosen["origin"] = "text"
            return
        key = ids.station_key(station)
        named = re.sub(r"[^A-Z]", "", origin.upper())
        # 'Embassy Tehran' names TEHRAN; 'UNVIE' names UNVIE VIENNA.
        if key in named or re.sub(r"[^A-Z]", "", station.upper()) in named or key.startswith(named):
            self.chosen["origin"] = "both"
            return
        self.chosen["origin"] = "text"
        self.warn(f"the banner's station {station} is not the source's origin ({origin})")

    def reference_from_name(self, station: str, serial: int) -> str | None:
        """Cable collections name files by reference id ('09BAKU139.txt'): when the name agrees
        with the banner's station and serial, its year is the cable's."""
        stem = Path(self.src.name.split("!/")[-1]).stem
        parsed = ids.split_id(stem)
        if parsed is None or parsed[0] is None:
            return None
        if parsed[1] != ids.station_key(station) or parsed[2] != serial:
            return None
        return ids.reference_id(station, serial, parsed[0])

    def class_lines(self) -> list[re.Match[str]]:
        """Classification lines above the fields and the body ("CONFIDENTIAL//NOFORN" on a
        line of its own, the class line above an old telegram's page header)."""
        lines = [toks[0] for kind, toks in self.parts.front if kind in ("CLASSLINE", "handling")]
        above = self.parts.preamble + self.parts.to + self.parts.info + self.parts.xmt
        lines += [tok for tok in above if tok.type == "NOISE"]
        found = (lexer.class_line(str(tok)) for tok in lines)
        return [m for m in found if m]

    def handling(self, caveats: str) -> list[str]:
        """The caveats of the banner and of classification lines, one marker each, then the
        handling lines as written."""
        out = caveat_markers(caveats)
        for kind, toks in self.parts.front:
            if kind == "handling":
                text = squash(unmark(str(toks[0])))
                out.extend([text] if text else [])
        return list(dict.fromkeys(out))

    def banner(self) -> tuple[str | None, int | None, Section | None, str | None, str]:
        tok = self.parts.banner
        if tok is None:
            return self.banner_from_metadata()
        self.spans["banner"] = _span([tok])
        m = lexer.find_banner(str(tok))
        assert m is not None  # the lexer made this token from such a match
        if str(tok) == str(tok).lower():
            self.warn("the banner line is in lower case")
        elif str(tok) != str(tok).upper():
            self.warn("the banner line is in mixed case")
        station = squash(m["station"])
        serial = int(m["serial"])
        section = None
        if m["section"]:
            section = Section(number=int(m["section"]), of=int(m["of"]))
        return station, serial, section, m["cls"], m["caveat"] or ""

    def banner_from_metadata(
        self,
    ) -> tuple[str | None, int | None, Section | None, str | None, str]:
        """No banner in the text: station and serial from the source's reference id (or the
        scrape's refid: line, or a file named by reference id), else from the routing header."""
        ref = self.meta.get("reference_id")
        where = self.meta_from.get("reference_id", "the metadata in the text")
        if ref is None:
            ref = Path(self.src.name.split("!/")[-1]).stem
            where = f"the file name ({ref})"
            if ids.canonical_id(ref) is None:
                return self.banner_from_header()
        parsed = ids.split_id(ref)
        if parsed is None:
            return self.banner_from_header()
        self.warn(f"no banner line in the text: station and serial taken from {where}")
        return parsed[1], parsed[2], None, None, ""

    def banner_from_header(
        self,
    ) -> tuple[str | None, int | None, Section | None, str | None, str]:
        """No banner and no reference id: a routing header with a DTG and an FM line still
        names the station (FM) and the serial (the DE line's "#0433", its last four digits)."""
        p = self.parts
        serial = next((m for t in p.transmission if (m := _DE_SERIAL.match(str(t)))), None)
        if p.dtg is None or p.from_ is None or serial is None:
            return None, None, None, None, ""
        station = ids.station_key(re.sub(r"^\s*FM\s+", "", str(p.from_)))
        self.warn(
            f"no banner line in the text: the station is the FM line's ({station}) and the "
            f"serial the DE line's (#{serial[1]}), which keeps only its last four digits"
        )
        return station, int(serial[1]), None, None, ""

    def date(self) -> str | None:
        """The date-time group's date: of the routing header's DTG line, else of a bare
        date-time group above the telegram ("230831Z Mar 01"), else of a DTG line elsewhere
        ("R 021240Z MAY 08" below the banner, or in the header an old telegram repeats at a
        section). Metadata (a scrape's "date:" line, an index) is the caller's: see external."""
        p = self.parts
        if p.dtg is not None:
            d = dtg_date(str(p.dtg))
            if d:
                return d
            self.warn(f"the date-time group {squash(str(p.dtg))!r} is not a valid date")
        for tok in p.preamble + p.transmission + p.to:
            if tok.type == "STAMP":
                d = dtg_date(str(tok))
                if d:
                    self.spans["date"] = _span([tok])
                    self.warn(
                        "no date-time group line: the date is that of the date-time group "
                        f"{squash(str(tok))!r} above the telegram"
                    )
                    return d
        stray = (
            t
            for _, toks in p.front + p.blocks
            for t in toks
            if t[:1] in _DTG_STARTS and t.rstrip()[-1:].isdigit()
        )
        for tok in stray:
            d = dtg_date(str(tok)) if lexer.DTG_LINE.match(str(tok)) else None
            if d:
                self.spans["date"] = _span([tok])
                self.warn(
                    f"no date-time group in the routing header: the date is that of the line "
                    f"{squash(str(tok))!r} (line {tok.line})"
                )
                return d
        return None

    def recipients(self, toks: Sequence[Token], keyword: str) -> tuple[Recipient, ...]:
        out: list[Recipient] = []
        for k, tok in enumerate(toks):
            if tok.type not in (keyword, "ADDR"):
                continue
            r = recipient(str(tok), keyword if k == 0 else None)
            if r is not None:
                out.append(r)
        return tuple(out)

    def paragraphs(self) -> list[Paragraph]:
        """Blocks to paragraphs: numbers repaired from the sequence, headings carried down."""
        merged = self._merge_false_markers(self.parts.blocks)
        out: list[Paragraph] = []
        heading: str | None = None
        for kind, toks in merged:
            if kind == "heading":
                heading = squash(unmark(str(toks[0]))).strip(" -:") or None
                continue
            if kind == "loose":
                for chunk in _split_on_blank(toks):
                    text = _clean([str(t) for t in chunk])
                    if text:
                        out.append(Paragraph(text=text, span=_span(chunk), heading=heading))
                continue
            number, label, marking, first = self._marker(toks[0])
            lines = [first] + [t.value if t.type == "TEXT" else "" for t in toks[1:]]
            out.append(
                Paragraph(
                    text=_clean(lines),
                    span=_span(toks, _CONTENT),
                    number=number,
                    label=label,
                    marking=marking,
                    heading=heading,
                )
            )
        return out

    def _marker(self, tok: Token) -> tuple[int | None, str, str | None, str]:
        s = str(tok)
        m = lexer.PARA.match(s)
        assert m is not None
        label = s[: m.end()].strip()
        rest = s[m.end() :]
        marking = None
        mm = lexer.MARKING.match(rest)
        if mm:
            marking = squash(mm["marking"]).replace(" ", "")
            rest = rest[mm.end() :]
        number = self.numbers.get(tok.start_pos or 0)
        return number, label, marking, rest

    def _merge_false_markers(
        self, blocks: list[tuple[str, list[Token]]]
    ) -> list[tuple[str, list[Token]]]:
        """Number paragraphs from their printed labels, repairing what scrapes mangled; a
        marker that cannot be a paragraph number ('¶1987.' starting a wrapped line) joins
        the paragraph before it."""
        out: list[tuple[str, list[Token]]] = []
        expected = 1
        again: int | None = None  # next number of a sequence that started again at 1
        # Kept as flags, not looked up in `out`: a scan per marker is quadratic on hostile input.
        any_paragraph = False
        for kind, toks in blocks:
            if kind != "paragraph":
                out.append((kind, toks))
                continue
            m = lexer.PARA.match(str(toks[0]))
            assert m is not None
            digits = m["num"]
            n = int(digits)
            label = str(toks[0])[: m.end()].strip()
            number: int | None = None
            if n == expected:
                number, again = n, None
            elif digits == "1" + str(expected):
                # Copies that turned the pilcrow into a "1": "11." for 1, "¶16." for 6.
                number = expected
                self.warn(f"paragraph {expected} is printed as {label!r}: renumbered {expected}")
            elif expected < n <= expected + 3:
                number = n
                self.warn(f"paragraph numbers jump from {expected - 1} to {n}")
            elif not any_paragraph and n < 100:
                number = n
            elif (n == 1 and expected > 2) or (again is not None and n == again):
                # A second copy of the cable, or an enclosed text with numbers of its own:
                # kept as paragraphs, without numbers, so that citations stay unambiguous.
                if again is None:
                    self.warn(
                        f"paragraph numbering starts again at 1 on line {toks[0].line} "
                        "(a second copy or an enclosed text): those paragraphs have no number"
                    )
                again = n + 1
                out.append((kind, toks))
                any_paragraph = True
                continue
            if number is None:
                if out and out[-1][0] in ("paragraph", "loose"):
                    # In place: a new list per false marker is quadratic in a run of them.
                    out[-1][1].extend(_as_text(t) for t in toks)
                    continue
                out.append(("loose", [_as_text(t) for t in toks]))
                continue
            self.numbers[toks[0].start_pos or 0] = number
            expected = number + 1
            out.append((kind, toks))
            any_paragraph = True
        return out


def _as_text(tok: Token) -> Token:
    """A false paragraph marker as plain text; a '¶' a scrape put before a number goes."""
    if tok.type != "PARA":
        return tok
    value = str(tok)
    stripped = value.lstrip()
    if stripped.startswith("¶"):
        value = value[: len(value) - len(stripped)] + " " + stripped[1:]
    return lexer.make_token("TEXT", value, tok.start_pos or 0, tok.end_pos or 0, tok.line or 0)


def _split_on_blank(toks: Sequence[Token]) -> list[list[Token]]:
    chunks: list[list[Token]] = [[]]
    for t in toks:
        if t.type == "BLANK":
            if chunks[-1]:
                chunks.append([])
        elif t.type == "TEXT":
            chunks[-1].append(t)
    return [c for c in chunks if c]


def _clean(lines: list[str]) -> str:
    return unmark(join_lines(lines)).strip()


def parse_cable(src: Source) -> Document:
    """Read a Source as a cable. Raises NotACable when the text is not in the cable format."""
    tokens = lexer.tokenize(src.text)
    if not any(t.type in ("BANNER", "TAGS", "SUBJECT", "DTG", "FM") for t in tokens):
        raise NotACable("no cable banner, routing header, TAGS or SUBJECT line")
    # A line the grammar has no place for (an office line right after the front matter, a
    # scrape's stray line) is passed over, so that one odd line does not cost the whole cable:
    # each is named in the warnings. Text with many such lines is no cable.
    limit = max(3, len(tokens) // 10)
    passed_over: list[Token] = []
    ip = parser().parse_interactive()
    try:
        for tok in tokens:
            try:
                ip.feed_token(tok)
            except UnexpectedToken:
                passed_over.append(tok)
                if len(passed_over) > limit:
                    raise
        tree = ip.feed_eof()  # type: ignore[no-untyped-call]  # lark leaves it unannotated
    except UnexpectedInput as exc:
        raise NotACable(f"line {getattr(exc, 'line', '?')}: not in the cable format") from exc
    reader = CableReader(src, collect(tree))
    for tok in passed_over:
        if tok.type != "BLANK":
            reader.warn(
                f"line {tok.line}: {squash(str(tok))[:60]!r} stands where the cable format has "
                "no place for it; it is in no field of the record"
            )
    return reader.read()
