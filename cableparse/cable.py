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
from cableparse.sources import Source
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
    out: list[str] = []
    for m in _TAG.finditer(text):
        tag = squash(m.group(0)).upper().rstrip(".")
        if tag and tag not in out:
            out.append(tag)
    return tuple(out)


_LEAD_MARKING = re.compile(r"^\(\s?[A-Z]{1,4}(?:\s?/{1,2}\s?[A-Z]{1,6})*\s?\)\s*")


def subject(lines: Sequence[str]) -> str | None:
    first = re.sub(r"^\s*SUBJ(?:ECT)?\b\s*:?", "", lines[0], flags=re.I)
    # Continuation lines may start with a telegram's "-" and a scrape may add a lone "...".
    rest = [re.sub(r"^\s*-\s+", "", ln) for ln in lines[1:] if any(c.isalnum() for c in ln)]
    text = squash(unmark(" ".join([first, *rest])))
    text = _LEAD_MARKING.sub("", text)
    return text or None


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
    ]
)


_NAME_SUFFIXES = frozenset(["jr", "sr", "ii", "iii", "iv"])


def _is_title_word(word: str) -> bool:
    """A word of an officer's title, or the abbreviation of one ("CG", "DCM", "POL/ECON"), but
    no suffix of a name ("JR.")."""
    bare = word.lower().strip(",.:")
    if bare in _NAME_SUFFIXES:
        return False
    return bare in _TITLE_WORDS or (word.isupper() and len(word) <= 4)


_CLASSBY_SPLIT = re.compile(
    r"[,;.]?\s*(?:\b(?:for|per)\s+)?\breasons?\b|[,;.]?\s*\bE\.?O\.?\s*\d|,?\s+per\s+\d", re.I
)


def classified_by(text: str) -> ClassifiedBy:
    """'Classified By: Ambassador Anne E. Derse. Reasons: 1.4 (b, d)' -> title and name."""
    head = lexer.CLASSBY.match(text)
    body = re.sub(r"^\s*:?\s*", "", text[head.end() :]) if head else text
    who = _CLASSBY_SPLIT.split(body, maxsplit=1)[0]
    who = squash(who).strip(" ,.;:")
    words = who.split()
    k = 0
    while k < len(words) - 1 and words[k].lower().strip(",.:") in _TITLE_WORDS:
        k += 1
    title = " ".join(words[:k]).strip(" ,") or None
    name = " ".join(words[k:]).strip(" ,") or None
    if title is None and name and "," in name:
        # The name first, then the title: "Luis G. Moreno, CG", "Joseph Kenny, Dhahran Consul
        # General, Department of State".
        first, _, rest = name.partition(",")
        if any(_is_title_word(w) for w in rest.replace(",", " ").split()):
            name, title = first.strip(), rest.strip(" ,")
    if name and not any(c.isalpha() for c in name):
        name = None
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
_REF_CITE = re.compile(r"(?:(?<!\d)(\d{4}|\d{2})\s+)?([A-Z][A-Z-]*)\s+0*(\d{1,7})(?![\d/])")
_NOT_STATIONS = frozenset(
    [
        "PARA",
        "PARAS",
        "PARAGRAPH",
        "REF",
        "REFTEL",
        "AND",
        "OR",
        "OF",
        "THE",
        "NO",
        "NR",
        "NUMBER",
        "DTD",
        "DATED",
        "OF",
        "ON",
        "IN",
        "AT",
        "TO",
        "FROM",
        "NOV",
        "DEC",
        "JAN",
        "FEB",
        "MAR",
        "APR",
        "MAY",
        "JUN",
        "JUL",
        "AUG",
        "SEP",
        "OCT",
        "SEPT",
        "CA",
        "PAGE",
        "SECTION",
    ]
)
# "A. ", "(B) ", "C) ", and "A)." with or without a space after it: "A).UNVIE 003, B).08 UNVIE 638".
_REF_LABEL = re.compile(
    r"(?:^|(?<=\s))¶?\(?([A-Z])\s?(?:\)\.|[.)])(?:\s+\(?[A-Z]\s?\))?(?:\s+|(?<=\)\.))"
)
# Unlabelled references end at a semicolon, or at a colon before the next cable's citation:
# "TEHRAN 1091: TEHRAN 263: MOSCOW 1603".
_REF_SPLIT = re.compile(r";\s*|:\s+(?=(?:\d{2}(?:\d{2})?\s+)?[A-Z][A-Z-]+\s+\d)")


def references(
    text: str, year: int | None, own_id: str | None
) -> tuple[tuple[Reference, ...], list[str]]:
    """A REF section's text to its items; a cable's citation of itself is dropped."""
    warnings: list[str] = []
    body = squash(unmark(re.sub(r"^\s*REF(?:S|TELS?|ERENCES?)?\s*:\s*", "", text, flags=re.I)))
    if not body:
        return (), warnings
    items: list[tuple[str | None, str]] = []
    labels = list(_REF_LABEL.finditer(body))
    if labels and labels[0].start() == 0:
        for k, m in enumerate(labels):
            nxt = labels[k + 1] if k + 1 < len(labels) else None
            item = body[m.end() : nxt.start() if nxt else len(body)].strip(" ;,")
            if not item and nxt is not None and nxt.group(1) == m.group(1):
                continue  # a label printed twice, "A. A. DHAHRAN 217": one reference
            items.append((m.group(1), item))
    else:
        items.extend((None, part.strip()) for part in _REF_SPLIT.split(body) if part.strip())
    out: list[Reference] = []
    for label, item in items:
        ref_id = cited_cable(item, year)
        kind = "cable" if ref_id else "other"
        upper = item.upper()
        if re.search(r"\bE-?MAILS?\b", upper):
            kind = "email"
        elif re.search(r"\bTEL(?:E)?CONS?\b|\bPHONE\b|\bTELEPHONE\b", upper):
            kind = "telcon"
        if ref_id and own_id and ref_id == own_id:
            warnings.append(f"dropped a reference to the cable itself: REF {label or ''} {item}")
            continue
        out.append(Reference(text=item, label=label, kind=kind, id=ref_id))  # type: ignore[arg-type]
    return tuple(out), warnings


def cited_cable(item: str, year: int | None) -> str | None:
    """'2008 BAKU 1069 AND PREVIOUS' -> '08BAKU1069'; a year-less citation takes `year`."""
    words = item.upper().replace(",", " ").split()
    text = " ".join(words)
    for m in _REF_CITE.finditer(text):
        cite_year, station, serial = m.group(1), m.group(2), m.group(3)
        if station in _NOT_STATIONS or len(station) < 3:
            continue
        # Widen to a known multi-word station ending at this word ("USUN NEW YORK 258").
        before = text[: m.start(2)].split()
        for multi in _MULTIWORD_STATIONS:
            n = len(multi) - 1
            if multi[-1] == station and tuple(before[-n:]) == multi[:-1]:
                station = " ".join(multi)
                prefix = before[:-n]
                cite_year = (
                    prefix[-1] if prefix and re.fullmatch(r"\d{2}|\d{4}", prefix[-1]) else None
                )
                break
        y = cite_year if cite_year else (str(year) if year is not None else None)
        if y is None:
            return None
        return ids.reference_id(station, int(serial), y)
    return None


_SUMMARY_START = re.compile(r"\b(?:BEGIN\s+)?SUMMARY\s*(?:AND\s+COMMENT\s*)?[:.\-]+\s*", re.I)
_SUMMARY_END = re.compile(r"\bEND\s+(?:OF\s+)?SUMMARY\b\.?", re.I)


def summary(paragraphs: Sequence[Paragraph]) -> str | None:
    """The text between SUMMARY and END SUMMARY (or the paragraphs under a SUMMARY heading, or
    after a BEGIN SUMMARY line)."""
    parts: list[str] = []
    inside = False
    for para in paragraphs[:12]:
        text = para.text
        # The searches below try every position (IGNORECASE, a word boundary first): they are
        # made only in text that has the word. "ummary": "s" has a case partner besides "S" ("ſ").
        if not inside:
            head = text[:200]
            m = _SUMMARY_START.search(head) if "ummary" in head.lower() else None
            if m and not _SUMMARY_END.match(text, m.start()):
                inside, text = True, text[m.end() :]
            elif para.heading and para.heading.upper().strip(" :") == "SUMMARY":
                inside = True
            elif lexer.SUMMARY_HEAD.match(text):
                # "BEGIN SUMMARY" as a line of its own that is no heading (an all-capitals
                # telegram's short line stands alone without one): the summary follows it.
                inside, text = True, ""
            else:
                continue
        end = _SUMMARY_END.search(text) if "ummary" in text.lower() else None
        if end:
            parts.append(text[: end.start()].strip())
            return squash(" ".join(p for p in parts if p)) or None
        parts.append(text.strip())
    return None


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
        tag_list: tuple[str, ...] = ()
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
                tag_list = tag_list + tuple(t for t in tags(" ".join(lines)) if t not in tag_list)
                self.spans.setdefault("tags", _span(toks))
            elif kind == "subject" and subj is None:
                subj = subject(lines)
                self.spans["subject"] = _span(toks)
            elif kind == "ref":
                found, notes = references(" ".join(lines), year, ref_id)
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
        signed: tuple[str, ...] = ()
        if p.signature is not None:
            m = lexer.SIGNATURE.match(str(p.signature))
            written = m["name"] if m else str(p.signature)
            name = re.sub(r"[^A-Za-z'./ -]", "", written).strip(" ./")
            signed = (name,) if name else ()
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
            tags=tag_list,
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
