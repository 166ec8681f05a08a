"""Line classification: cable text to the line-level tokens of grammars/cable.lark.

A cable is a sequence of lines whose meaning depends on where they stand: a line of station names
is an addressee in the routing header and text in the body. So the lexer is a small state machine
(preamble -> header -> front matter -> body) that gives each line one token type; the grammar
then states in which order those may come. Every token keeps its exact character span in the
source text, which is how every field of the record can name where it came from.

All patterns work on one line at a time, anchored, without nested quantifiers over the same
characters, so that no input costs more than linear time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TypeVar

from lark import Token

# Lines longer than this are never header or banner lines: they are checked only as text,
# which keeps the per-line work bounded on hostile input.
MAX_STRUCTURAL_LINE = 300


def _spaced(word: str) -> str:
    """'SECRET' -> a pattern that also takes 'S E C R E T'."""
    return r"\s?".join(word)


CLASSIFICATION = (
    r"(?:TOP\s+SECRET|"
    + _spaced("TOPSECRET")
    + "|"
    + _spaced("CONFIDENTIAL")
    + "|"
    + _spaced("SECRET")
    + "|"
    + _spaced("UNCLASSIFIED")
    + "|"
    + _spaced("UNCLAS")
    + "|"
    + r"LIMITED\s+OFFICIAL\s+USE|"
    + _spaced("LIMITEDOFFICIALUSE")
    + ")"
)
# Caveats written in the banner itself: "SECRET//NOFORN", "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
# "UNCLAS E F T O", "UNCLAS SENSITIVE". After "//" one word, or the one caveat of four: a second
# word there is the station's ("SECRET//NOFORN USUN NEW YORK 000258").
_CAVEAT = (
    r"(?:\s*//\s*(?:FOR\s+OFFICIAL\s+USE\s+ONLY\b|[A-Z]+)"
    r"|\s+(?:E\s?F\s?T\s?O|SENSITIVE|NOFORN|EXDIS|NODIS|LIMDIS)\b)*"
)
_SECTION = r"(?:\s+SECTION\s+(?P<section>\d{1,3})\s+OF\s+(?P<of>\d{1,3}))?"
# Archive copies of 1970s telegrams put the year before the station: "... 75 LIBREVILLE 1895".
_STATION = r"(?:\s+(?P<year>\d\d)(?=\s+[A-Z]))?\s+(?P<station>[A-Z][A-Z.'-]*(?:\s[A-Z.'-]+){0,4})"
_SERIAL = r"\s+(?P<serial>\d{1,7})"

BANNER = re.compile(
    rf"(?P<cls>{CLASSIFICATION})(?P<caveat>{_CAVEAT}){_SECTION}{_STATION}{_SERIAL}\s*$"
)
# A banner that a copy ran together with the line after it: "UNCLAS BAKU 000020 SIPDIS",
# "CONFIDENTIAL ANKARA 000123 E.O. 12958: DECL: ...". What may follow is a handling word or a
# front-matter field, nothing else: a serial followed by prose is no banner.
BANNER_GLUED_FRONT = re.compile(
    rf"(?P<cls>{CLASSIFICATION})(?P<caveat>{_CAVEAT}){_SECTION}{_STATION}{_SERIAL}"
    r"(?=\s+(?:(?:SIPDIS|NOFORN|NODIS|EXDIS|LIMDIS|SENSITIVE|STADIS)\b|E\.?\s?O\.?\s*\d{4,5}"
    r"|TAGS?\b|SUBJ(?:ECT)?\b|REF\b|CLASSIFIED\s+BY\b))"
)
# Front-matter fields that a copy ran together on one line: "E.O. 12958: N/A TAGS: PREL",
# "Tags: prel, pgov, tu Subject: turkish p.m. ...", "FOR THE UNITS E.O. 12958: N/A". The cut
# is made before an E.O. number anywhere, before TAGS after an E.O., before SUBJECT after an
# E.O. or TAGS; a colon is asked of a glued TAGS or SUBJECT, which prose rarely has.
_GLUED_EO = re.compile(r"(?<=\S)\s+(?=E\.O\.\s?\d{4,5}\s*:)", re.I)
_GLUED_TAGS = re.compile(r"(?<=\S)\s+(?=TAGS\s*:)", re.I)
_GLUED_SUBJECT = re.compile(r"(?<=\S)\s+(?=SUBJ(?:ECT)?\s*:)", re.I)

# A line that is a classification alone: "UNCLASSIFIED", "  C O N F I D E N T I A L  PTQ9609".
CLASSLINE = re.compile(
    rf"^\s*(?P<cls>{CLASSIFICATION})(?P<caveat>{_CAVEAT})(?:\s+PT[A-Z]\d{{4}})?\s*$"
)

# Page breaks: "BAKU 00000433  002 OF 003", "USUN NEW Y 00000258  002 OF 007",
# "PAGE 02        HANOI  02738  01 OF 03  130720Z", "PAGE 01        HARARE  01108  231036Z".
PAGE = re.compile(
    r"^\s*(?:PAGE\s+\d{1,3}\s+[A-Z][A-Z .'-]{0,30}?\s+\d{3,8}(?:\s+\d{1,3}\s+OF\s+\d{1,3})?"
    r"(?:\s+\d{6}Z)?"
    r"|[A-Z][A-Z .'-]{0,20}?\s+\d{6,8}\s+\d{1,3}(?:\.\d)?\s+OF\s+\d{1,3})\s*$"
)

NOTICE = re.compile(r"^\s*This record is a partial extract of the original cable\.", re.I)
NOTICE_TEXT = re.compile(
    r"This record is a partial extract of the original cable\.\s*"
    r"The full text of the original cable is not available\.",
    re.I,
)

TID = re.compile(r"^\s*(VZCZC[A-Z0-9]+)\s*$")
# "OO RUEHDBU", "PP RUEHBC RUEHDE", "RR RUEHWEB", "DE RUEHKB #0433/01 1520335",
# "ZNY CCCCC ZZH", "ZNR UUUUU ZZH".
ROUTING = re.compile(
    r"^\s*(?:(?:OO|PP|RR|ZZ|OP|PO|PR|RP|YY)\s+R[A-Z0-9]{4,}(?:\s+R[A-Z0-9]{4,})*"
    r"|DE\s+[A-Z0-9]{4,}\s+#\d+(?:/\d+)?(?:\s+\d+)?"
    r"|ZN[YR]\s+[A-Z]{5}(?:\s+\S+)*)\s*$"
)
# "O 010335Z JUN 09", "P R 281848Z DEC 66", "R 100911Z DEC 88", "O R 181930Z JUL 06".
DTG_LINE = re.compile(
    r"^\s*(?P<prec>(?:Z|O|P|R|NIACT)(?:\s+(?:Z|O|P|R))?)\s+"
    r"(?P<dtg>\d{6}Z\s+[A-Z]{3}\s+\d{2,4})(?:\s+Z[A-Z]{2}\d?)?\s*$"
)
# A bare date-time group, as scraped copies print it: "230831Z Mar 01".
STAMP = re.compile(r"^\s*(?P<dtg>\d{6}Z\s+[A-Za-z]{3}\s+\d{2,4})\s*$")
FM = re.compile(r"^\s*FM\s+\S")
TO = re.compile(r"^\s*TO\s+\S")
INFO = re.compile(r"^\s*INFO\s+\S")
XMT = re.compile(r"^\s*XMT\s+\S")
BT = re.compile(r"^\s*BT\s*$")
# Office distribution lines of old telegrams: "ACTION EUR-00", "INFO  LOG-00   NP-00 ...",
# "      EB-00    VC-00", "/015W", "------------------D62914  231037Z /38".
OFFICE = re.compile(
    r"^\s*(?:(?:ACTION|INFO)\s+)?(?:[A-Z0-9]{1,5}-\d{2}\s*)+(?:/\d{3}W\s*)?$"
    r"|^\s*/\d{3}W\s*$"
    r"|^\s*-{6,}[0-9A-F]{6}\s+\d{6}Z\s+/\d+\s*$"
)
# A row of a tab-separated cable dump glued into the text: "62979<TAB>2006-05-05 12:59:00<TAB>
# 06TASHKENT902<TAB>Embassy Tashkent<TAB>SECRET<TAB>06TASHKENT465<TAB>VZCZCXRO9116".
DUMP_ROW = re.compile(
    r"(?P<row>\d{1,6})\t(?P<date>\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?)\t"
    r"(?P<refid>\d\d[A-Z]+\d+)\t"
    r"(?P<origin>[^\t]*)\t(?P<classification>[^\t]*)\t(?P<refs>[^\t]*)\t"
)
# Scrape metadata blocks: "id: 594", "date: 1/4/1993 22:51", "refid: 93LIMA56", "header:",
# "----------------- header ends ----------------", "=====CABLE ENDS=====".
META = re.compile(
    r"^\s*(?:(?:id|date|refid|origin|classification|destination|header):.*"
    r"|-+\s*header ends\s*-+|=+\s*CABLE ENDS\s*=+|" + DUMP_ROW.pattern + r")\s*$",
    re.I,
)
# A row of the cable index that a scrape printed into the text one field a line, the row's
# number glued to the routing line before it: "RUEHMC/AMCONSUL MONTERREY 7276108918",
# "2007-05-18 21:43:00", "07MONTERREY527", "Consulate Monterrey", "CONFIDENTIAL//NOFORN".
INDEX_DATE = re.compile(r"^\s*\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?\s*$")
INDEX_REFID = re.compile(r"^\s*\d\d[A-Z]+\d+\s*$")
INDEX_CLASS = re.compile(rf"^\s*{CLASSIFICATION}(?:\s*//\s*[A-Z]+(?:\s[A-Z]+)*)*\s*$")
# Whole-text looks that tell whether the rare rules apply at all. Each starts with a literal
# character, which the regex engine finds by a fast scan; "^" or IGNORECASE at the start would
# make it try the pattern at every position. Each is implied by the per-line pattern it guards.
_ANY_INDEX_DATE = re.compile(r"-\d\d \d\d:\d\d")
# A message number (four digits) with the row number run into it.
_GLUED_ROW = re.compile(r"(?<=\s\d{4})\d{1,6}\s*$")
# A scrape's "id: 2446" glued to the end of the routing header's last line.
GLUED_META_ID = re.compile(r"(?<=\S)id:\s*\d+\s*$")
HEADER_ENDS = re.compile(r"^\s*-+\s*header ends\s*-+\s*$", re.I)
_ANY_HEADER_ENDS = re.compile(r"-\s*(?i:header ends)")
META_ID = re.compile(r"^\s*id:\s*\d+\s*$", re.I)
# "2002HANOI02738 - UNCLASSIFIED": the index line some scrapes put above the telegram.
INDEXLINE = re.compile(r"^\s*\d{4}[A-Z]+\d+\s+-\s+[A-Z/ ]+\s*$")

# Handling instructions on a line of their own: "SIPDIS", "NOFORN SIPDIS", "Sensitive".
HANDLING_WORDS = re.compile(
    r"^\s*(?:(?:SIPDIS|NOFORN|SENSITIVE|EXDIS|NODIS|LIMDIS|STADIS|CXNEWS)\b[\s,/]*)+$", re.I
)
_HANDLING_STARTS = frozenset("SNELCsnelc")
EO = re.compile(r"^\s*¶?E\.?\s?O\.?\s*\d{4,5}\s*:?", re.I)
TAGS = re.compile(r"^\s*¶?TAGS\s*:?\s", re.I)
SUBJECT = re.compile(r"^\s*¶?SUBJ(?:ECT)?\b\s*:?", re.I)
# The fields that open the front matter, where a copy has no banner: one match for three.
OPENING_FIELD = re.compile("|".join(f"(?:{rx.pattern})" for rx in (EO, TAGS, SUBJECT)), re.I)
_OPENING_STARTS = frozenset("EeTtSs¶ \t")
REF = re.compile(r"^\s*¶?REF(?:S|TELS?)?\s*:\s*|^\s*¶?REFERENCES?\s*:\s*", re.I)
# After a portion marking in some: "(U) CLASSIFIED BY CDA ROD MOORE, PER 1.5 (B) AND (D)."
CLASSBY = re.compile(r"^\s*¶?(?:\([A-Z/]{1,6}\)\s*)?(?:CLASSIFIED\s+BY|DERIVED\s+FROM)\b", re.I)

# A numbered paragraph: "1. ", "11. (C) ", "¶16. (C) ", "¶ 3.", "12) ".
PARA = re.compile(r"^\s*(?P<pilcrow>¶\s?)?(?P<num>\d{1,4})\s?[.)](?=\s|$)")
MARKING = re.compile(
    r"\s*\((?P<marking>(?:U|C|S|TS|SBU|LOU|FOUO|CUI|U//FOUO|U/FOUO)"
    r"(?:\s?/{1,2}\s?(?:NF|NOFORN|REL|FOUO|SBU|ORCON|PROPIN|OC|REL TO [A-Z ,]+))*)\)"
)
RULE = re.compile(r"^\s*/?[-=_*]{3,}\s*$")
SUMMARY_HEAD = re.compile(r"^\s*(?:BEGIN\s+)?SUMMARY\s*[:.]?\s*$", re.I)
# "NNNN" ends a transmission; the State Department's archive copies of 1970s telegrams end "NNN".
END_MARK = re.compile(r"^\s*(?:NNNN?|BT|#+|>|@@@OASYS@@@)\s*$")
# The stamp the State Department's systematic review put on the telegrams it released, after
# the signature or the banner, on one line or wrapped onto a second: "Declassified/Released US
# Department of State EO Systematic Review 30 JUN 2005".
ARCHIVE_STAMP = re.compile(
    r"^\s*(?:Declassified/Released\s+US\s+Department\s+of\s+State\b.*"
    r"|(?:EO\s+)?Systematic\s+Review\s+\d{1,2}\s+[A-Z]{3}\s+\d{4})\s*$",
    re.I,
)
# The declassification schedule older telegrams print on a line of its own above the signature:
# "GP-3" (General Declassification Schedule group 3), "XGDS-2", "GDS", "EXEMPT".
DECLASS_MARK = re.compile(r"^\s*(?:GP-[1-4]|X?GDS(?:-[1-4])?|EXEMPT)\s*$")
# Lines that end a cable but are no signature: markings, handling words, end marks and the
# redactions of Cablegate ("XXXXXXXXXXXX").
NOT_A_NAME = re.compile(
    r"\b(?:UNCLASSIFIED|SENSITIVE|SECRET|CONFIDENTIAL|NOFORN|SIPDIS|LIMITED|OFFICIAL|END|NOTE|"
    r"COMMENT|SUMMARY|QUOTE|UNQUOTE|TEXT|BT|NNNN?|X{3,})\b",
    re.I,
)
# A signature: one to three capitalised words, no digits: "DERSE", "BRAYSHAW##", "MC CORMICK",
# after a portion marking in some: "(SECRET//REL Armenia) YOVANOVITCH", or after the signer's
# title at consulates and in a chief of mission's absence: "CG: JKENNY".
SIGNATURE = re.compile(
    r"^\s*(?:\([A-Z]{1,12}(?:\s?//?\s?[A-Za-z]+(?:\s[A-Za-z]+)*)*\)\s*)?"
    r"(?:(?:CG|DCM|CDA|AMB|PO|CONGEN)\s?:\s*)?"
    r"(?P<name>[A-Z][A-Za-z'.-]+(?:[ /][A-Z][A-Za-z'.-]+){0,2})\W{0,3}\s*$"
)
# Cables of the 2000s are often signed in mixed case ("Gnehm", "Schulte"): one or two such words
# count as a signature when the text before them ends a sentence.
_MIXED_CASE_NAME = re.compile(r"[A-Z][a-z'-]+(?: [A-Z][a-z'-]+)?")
_SENTENCE_END = frozenset(".!?\"')”’")


class Line(Token):
    """One physical line (or one part of a line that a scrape glued to another), and the token
    the grammar is given for it: the lexer sets its type. One object a line, not a line and a
    token: a cable has one per line, made in the lexer's innermost loop. Its text and offsets
    are the token's value, start_pos and end_pos; `line` is the number of the physical line in
    the text, which the parts of a glued line share."""

    __slots__ = ("blank",)

    value: str
    start_pos: int
    end_pos: int
    line: int
    blank: bool


def new_line(text: str, start: int, end: int, number: int) -> Line:
    """A Line, typed TEXT or BLANK until the lexer says otherwise (Token's constructor is
    bypassed: its keyword handling cost more than the rest of the lexer; every slot is set)."""
    ln = str.__new__(Line, text)
    ln.value = text
    ln.start_pos = start
    ln.end_pos = end
    ln.line = ln.end_line = number
    ln.column = ln.end_column = None
    ln.blank = not text or text.isspace()
    ln.type = "BLANK" if ln.blank else "TEXT"
    return ln


def split_lines(text: str) -> list[Line]:
    """Lines with their offsets. A backslash ending a line is the escape of the newline that a
    tab-separated dump (or a Markdown hard break) wrote, not text: it is left out of the line."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return _split_on_any_break(text)
    # Lines end with "\n", or all with CRLF (DOS): str.split, which is many times faster than
    # splitting on a pattern. A CR before the "\n" is the line break, not the line's.
    crlf = "\r" in text
    escapes = "\\" in text
    lines: list[Line] = []
    pos = 0
    for number, raw in enumerate(text.split("\n"), 1):
        content = raw[:-1] if crlf and raw.endswith("\r") else raw
        if escapes:
            content = _unescape_break(content)
        lines.append(new_line(content, pos, pos + len(content), number))
        pos += len(raw) + 1
    return lines


def _split_on_any_break(text: str) -> list[Line]:
    """split_lines for text with lone CRs (old Macintosh files), which end lines too."""
    escapes = "\\" in text
    lines: list[Line] = []
    pos = 0
    parts = _LINE_BREAK.split(text)
    for number, (raw, brk) in enumerate(zip(parts[0::2], [*parts[1::2], ""], strict=True), 1):
        content = _unescape_break(raw) if escapes else raw
        lines.append(new_line(content, pos, pos + len(content), number))
        pos += len(raw) + len(brk)
    return lines


def _cut(line: Line, at: int) -> tuple[Line, Line]:
    """A line in two at character `at`: both parts keep their offsets in the text and the
    line's number."""
    s = line.value
    return (
        new_line(s[:at], line.start_pos, line.start_pos + at, line.line),
        new_line(s[at:], line.start_pos + at, line.end_pos, line.line),
    )


def _unescape_break(content: str) -> str:
    trimmed = content.rstrip()
    if trimmed.endswith("\\") and not trimmed.endswith("\\\\"):
        return trimmed[:-1]
    return content


_LINE_BREAK = re.compile(r"(\r\n?|\n)")


def _is_upper(text: str) -> bool:
    return text == text.upper()


def _banner_probe(line: str) -> str | None:
    """The line as the banner pattern reads it (banners in lower or mixed case count), or None
    when it cannot hold a banner."""
    if len(line) > MAX_STRUCTURAL_LINE or not line.rstrip()[-1:].isdigit():
        return None
    if _is_upper(line):
        return line
    # In mixed case a banner starts the line (see _cased_banner): most prose is spared here.
    if line != line.lower() and line.lstrip()[:3].upper() not in _CLASS_HEADS:
        return None
    return line.upper()


# The first character of a line glued_front can take: a classification's, or a blank.
_GLUED_FRONT_STARTS = frozenset("TCSULtcsul \t")
# How a classification word begins, upper-cased: "UNCLAS", "S E C R E T", "Top Secret", ...
_CLASS_HEADS = frozenset({"UNC", "CON", "SEC", "TOP", "LIM", "U N", "C O", "S E", "T O", "L I"})


def class_line(line: str) -> re.Match[str] | None:
    """A classification line ("CONFIDENTIAL//NOFORN", "  UNCLASSIFIED  PTO6557"), told from
    its first letters before the pattern is tried: most lines asked about are office lines."""
    head = line.lstrip()[:3]
    return CLASSLINE.match(line) if head in _CLASS_HEADS or head in _SPACED_HEADS else None


# How CLASSIFICATION lets a classification begin besides _CLASS_HEADS: spaced after the second
# letter ("SE CRET", "CO NFIDENTIAL").
_SPACED_HEADS = frozenset({"TO ", "CO ", "UN ", "SE ", "LI "})


def _cased_banner(line: str, m: re.Match[str]) -> re.Match[str] | None:
    """A banner match on the upper-cased line, kept when the line's case allows it. In
    capitals or all in lower case any banner counts; in mixed case ("Confidential Section 01
    of 02 Baku 000020") only one that starts the line and has a serial padded with zeros or a
    SECTION part: prose in mixed case ends in a number ("Secret talks in Baku 2009") often
    enough to be taken for one otherwise."""
    if _is_upper(line) or line == line.lower():
        return m
    at_start = m.start() == len(line) - len(line.lstrip())
    return m if at_start and (m["serial"].startswith("0") or m["section"]) else None


def find_banner(line: str) -> re.Match[str] | None:
    """A banner line, or a banner glued to the end of the line."""
    probe = _banner_probe(line)
    m = BANNER.search(probe) if probe is not None else None
    return _cased_banner(line, m) if m is not None else None


def glued_front(line: str) -> re.Match[str] | None:
    """A banner at the start of the line with handling or a front-matter field run onto it."""
    s = line.lstrip()
    if len(line) > MAX_STRUCTURAL_LINE or s[:3].upper() not in _CLASS_HEADS:
        return None
    m = BANNER_GLUED_FRONT.match(line.upper(), len(line) - len(s))
    return _cased_banner(line, m) if m is not None else None


def split_glued_fields(line: Line, above_fields: bool) -> list[Line]:
    """A front-matter line cut where another field was run onto it (see _GLUED_EO). An E.O.
    is cut off only above the first field line, where handling lines stand: below, it is the
    text of a field ("SUBJECT: E.O. 13382: DESIGNATION ...", "Classified By: ..., per E.O.
    12958: ..."). The caller looks only at lines with a colon, which every glued field has."""
    s = line.value
    # A look for the words past a line's own first word spares the patterns most lines.
    u = s.lstrip().upper()
    if u.find("TAGS", 4) < 0 and u.find("SUBJ", 4) < 0 and u.find("E.O.", 2) < 0:
        return [line]
    cuts = [_GLUED_EO] if above_fields and "." in s and not FIELD_LINE.match(s) else []
    if EO.match(s):
        cuts += [_GLUED_TAGS, _GLUED_SUBJECT]
    elif TAGS.match(s):
        cuts.append(_GLUED_SUBJECT)
    for rx in cuts:
        m = rx.search(s)
        if m:
            head, tail = _cut(line, m.end())
            return [*split_glued_fields(head, above_fields), *split_glued_fields(tail, False)]
    return [line]


_RULE_STARTS = frozenset("-=_*/")


def _maybe_rule(s: str) -> bool:
    """Whether a line starts like a rule (or a "--- header ends ---" line): a test of one
    character that spares the pattern on lines of prose."""
    return s.lstrip()[:1] in _RULE_STARTS


def is_rule(s: str) -> bool:
    return _maybe_rule(s) and RULE.match(s) is not None


def is_heading(lines: list[Line], i: int, all_caps: bool = False) -> bool:
    """A section heading: a short line standing alone, or one underlined/overlined by a rule.

    In a cable written all in capitals a short line standing alone may as well be a list item
    or a name, so there it counts only when a numbered paragraph follows it."""
    # Most lines are prose with more prose right below: neither standing alone nor underlined.
    next_blank = i + 1 >= len(lines) or lines[i + 1].blank
    if not next_blank and not is_rule(lines[i + 1].value):
        return False
    text = lines[i].value.strip()
    if not text or len(text) > 70 or PARA.match(text) or is_rule(text):
        return False
    if text[-1] in ".,;:" or text.startswith(("(", "-", "--")):
        return False
    nxt = _next_nonblank(lines, i)
    # On its rule, or above one past a blank line when it stands apart from the text above: a
    # paragraph's last line is followed by the blank and the rule of the next heading.
    prev_blank = i == 0 or lines[i - 1].blank or is_rule(lines[i - 1].value)
    on_rule = nxt is not None and nxt - i <= 2 and is_rule(lines[nxt].value)
    if on_rule and (nxt == i + 1 or prev_blank):
        return True
    if not (prev_blank and next_blank):
        return False
    if all_caps and (nxt is None or not PARA.match(lines[nxt].value)):
        return False
    letters = [c for c in text if c.isalpha()]
    # Table header rows and totals ("MAY JUN JUL", "TOTAL 1,968,477 22.1") are no headings.
    if len(letters) < 0.7 * len(text.replace(" ", "")) or (
        len(set(text.split())) < 2 and len(text) < 4
    ):
        return False
    return bool(letters) and _is_upper(text) and len(text.split()) <= 8


def _next_nonblank(lines: list[Line], i: int) -> int | None:
    for j in range(i + 1, min(len(lines), i + 4)):
        if not lines[j].blank:
            return j
    return None


_T = TypeVar("_T", bound=Token)


def _fill(tok: _T, kind: str, text: str, start: int, end: int, line: int) -> _T:
    tok.type = kind
    tok.value = text
    tok.start_pos = start
    tok.end_pos = end
    tok.line = tok.end_line = line
    tok.column = tok.end_column = None
    return tok


def make_token(kind: str, text: str, start: int, end: int, line: int) -> Token:
    """A lark Token, built without Token.__init__'s keyword handling: a cable has a token per
    line, and the constructor was most of the lexer's time. Every slot is set, as the
    constructor would."""
    return _fill(str.__new__(Token, text), kind, text, start, end, line)


def _tok(kind: str, line: Line) -> Line:
    line.type = kind
    return line


FIELDS = frozenset({"EO", "TAGS", "SUBJECT", "REF", "CLASSBY"})
GAPS = frozenset({"RULE", "PAGE", "CLASSLINE", "TRAILER"})


def match_banner_line(s: str) -> re.Match[str] | None:
    """A whole line that is a banner (after any glued prefix has been split off)."""
    probe = _banner_probe(s)
    if probe is None:
        return None
    # A match from the first non-blank character, not a search along the line: a banner
    # starts with a letter, so a search would find the same match there or none.
    m = BANNER.match(probe, len(probe) - len(probe.lstrip()))
    return _cased_banner(s, m) if m is not None else None


class LineRun(Token):
    """The lines that continue a paragraph or follow a heading, as one token: the grammar
    does not need them one by one, and handing them over as one keeps parsing fast."""

    lines: list[Token]


_NOTHING: frozenset[str] = frozenset()
_CONTINUES = {
    "PARA": frozenset({"TEXT", "BLANK", "PAGE", "CLASSLINE", "RULE", "TRAILER", "REPEAT"}),
    "TEXT": frozenset({"TEXT", "BLANK", "PAGE", "CLASSLINE", "RULE", "TRAILER", "REPEAT"}),
    "HEADING": frozenset({"BLANK", "PAGE", "CLASSLINE", "RULE", "TRAILER", "REPEAT"}),
    "SIGNATURE": frozenset({"TRAILER"}),
}


def tokenize(text: str) -> list[Token]:
    """The grammar's tokens: one per line, but a block's continuation lines as one LINES run."""
    out: list[Token] = []
    run: list[Token] = []
    continues: frozenset[str] = _NOTHING
    for tok in classify(text):
        if tok.type in continues:
            run.append(tok)
            continue
        if run:
            out.append(_run(run))
            run = []
        continues = _CONTINUES.get(tok.type, _NOTHING)
        out.append(tok)
    if run:
        out.append(_run(run))
    return out


def _run(lines: list[Token]) -> LineRun:
    start, end, line = lines[0].start_pos or 0, lines[-1].end_pos or 0, lines[0].line or 0
    tok = _fill(str.__new__(LineRun, ""), "LINES", "", start, end, line)
    tok.lines = lines
    return tok


def classify(text: str) -> list[Line]:
    """Classify every line of a cable. Raises nothing: unknown lines become TEXT or STRAY."""
    out: list[Line] = []
    lines = _unglue(split_lines(text))
    # Index rows and previews are rare: one search of the whole text tells whether to look.
    lines, index_rows = _index_rows(lines) if _ANY_INDEX_DATE.search(text) else (lines, set())
    preview_end = _preview_end(lines) if _ANY_HEADER_ENDS.search(text) else 0
    signature = _signature_index(lines)
    if signature is None:
        lines, signature = _glued_signature(lines)
        if signature is not None:
            # The cut put a new line at `signature`: the lines counted from there move down one.
            index_rows = {r + (r >= signature) for r in index_rows}
            preview_end += preview_end >= signature
    reheaders: set[int] = set()
    all_caps = _mostly_capitals(text)
    front_until = -1  # lines before this one, after the banner, are front matter

    state = "pre"  # pre -> header -> front -> body -> trailer
    addressed = False  # the header has had its TO or INFO line
    repeating = False  # the header started again: a dump glued a second copy in
    last_field: str | None = None  # the front-matter field a continuation line belongs to
    seen_field = False
    for i, line in enumerate(lines):
        s = line.value
        if i < preview_end:
            out.append(_tok("STRAY", line))
            continue
        if state in ("pre", "header"):
            if line.blank:
                continue
            if i in index_rows:
                out.append(_tok("META", line))
                continue
            if NOTICE.match(s):
                out.append(_tok("NOTICE", line))
                continue
            if len(s) <= MAX_STRUCTURAL_LINE:
                if match_banner_line(s):
                    state = "front"
                    front_until = _last_field_line(lines, i)
                    out.append(_tok("BANNER", line))
                    continue
                kind = _header_kind(s)
                if kind in ("TID", "ROUTING", "DTG", "FM") and addressed:
                    repeating = True
                if kind is not None:
                    if kind in ("TID", "ROUTING", "DTG", "FM", "TO", "INFO", "XMT"):
                        state = "header"
                        addressed = addressed or kind in ("TO", "INFO")
                        kind = "REPEAT" if repeating else kind
                    out.append(_tok(kind, line))
                    continue
            # The front matter starts without a banner (a copy that lost it) at a field, or
            # after the routing header at a handling line ("SIPDIS") when a field follows
            # before any banner.
            first = s[:1] if s[:1] not in " \t" else s.lstrip()[:1]
            handling_words = (
                state == "header"
                and first in _HANDLING_STARTS
                and HANDLING_WORDS.match(s) is not None
            )
            if handling_words and not _front_follows(lines, i):
                out.append(_tok("NOISE", line))  # "SIPDIS" above the banner is no addressee
                continue
            if not (handling_words or (first in _OPENING_STARTS and OPENING_FIELD.match(s))):
                # An addressee, or text before any header or banner; a document with no banner
                # at all is told apart by the cable reader, which then finds no station and
                # serial.
                kind = ("REPEAT" if repeating else "ADDR") if state == "header" else "STRAY"
                out.append(_tok(kind, line))
                continue
            state = "front"
            front_until = _last_field_line(lines, i)
        if state == "front":
            if line.blank:
                if not (last_field == "REF" and _ref_goes_on(lines, i)):
                    last_field = None
                continue
            kind = _front_kind(lines, i, last_field, seen_field, front_until)
            if kind == "BODY" and _body_kind(lines, i) in GAPS:
                kind = _body_kind(lines, i)
            if kind != "BODY":
                if kind in FIELDS:
                    last_field, seen_field = kind, True
                elif kind != "CONT":
                    last_field = None
                out.append(_tok(kind, line))
                continue
            state = "body"
        if i in reheaders:
            out.append(_tok("REPEAT", line))
        elif state == "body" and i != signature and _plain(line, lines, i):
            out.append(line)  # split_lines typed it TEXT or BLANK already
        elif state == "body" and s.rstrip()[-1:] in _OFFICE_ENDS and OFFICE.match(s):
            reheaders |= _telegram_header_run(lines, i)
            out.append(_tok("REPEAT", line))
        elif i == signature:
            state = "trailer"
            out.append(_tok("SIGNATURE", line))
        elif state == "trailer":
            if not line.blank:
                out.append(_tok("TRAILER", line))
        else:
            out.append(_tok(_body_kind(lines, i, all_caps), line))
    return out


# The last character of an office line ("EB-00", "/015W", "D62914  231037Z /38"): a cheap test
# that spares the pattern on every line of prose.
_OFFICE_ENDS = frozenset("0123456789W")


def _header_kind(s: str) -> str | None:
    """The routing header's lines; page, class and office lines there are NOISE."""
    if TID.match(s):
        return "TID"
    if ROUTING.match(s):
        return "ROUTING"
    if DTG_LINE.match(s):
        return "DTG"
    if FM.match(s):
        return "FM"
    if TO.match(s):
        return "TO"
    if OFFICE.match(s):
        return "NOISE"
    if INFO.match(s):
        return "INFO"
    if XMT.match(s):
        return "XMT"
    if BT.match(s):
        return "NOISE"
    if META.match(s):
        return "META"
    if STAMP.match(s) or INDEXLINE.match(s):
        return "STAMP"
    if CLASSLINE.match(s) or PAGE.match(s):
        return "NOISE"
    return None


def _front_kind(
    lines: list[Line], i: int, last_field: str | None, seen_field: bool, front_until: int = -1
) -> str:
    line = lines[i]
    s = line.value
    if line.blank:
        return "BLANK"
    if EO.match(s):
        return "EO"
    if TAGS.match(s):
        return "TAGS"
    if SUBJECT.match(s):
        return "SUBJECT"
    if REF.match(s):
        return "REF"
    if CLASSBY.match(s):
        return "CLASSBY"
    if PAGE.match(s):
        return "PAGE"
    if CLASSLINE.match(s):
        return "CLASSLINE" if seen_field else "HANDLING"
    if s.lstrip()[:1] in _STAMP_STARTS and ARCHIVE_STAMP.match(s):
        return "TRAILER"  # the archive's release stamp: no handling instruction of the cable's
    if len(s) <= MAX_STRUCTURAL_LINE and match_banner_line(s):
        return "PAGE"  # the banner again, as section breaks repeat it
    if PARA.match(s):
        return "BODY"
    if last_field is not None and not lines[i - 1].blank:
        return "CONT"
    if last_field in ("REF", "CLASSBY") and _looks_like_ref_item(s):
        return "CONT"
    if i < front_until or (not seen_field and _looks_like_handling(s)):
        return "HANDLING"
    return "BODY"


def _front_follows(lines: list[Line], i: int) -> bool:
    """Whether an E.O., TAGS or SUBJECT line follows line i before a banner, a numbered
    paragraph or 20 lines."""
    for j in range(i + 1, min(len(lines), i + 20)):
        s = lines[j].value
        if match_banner_line(s) or PARA.match(s):
            return False
        if OPENING_FIELD.match(s):
            return True
    return False


def _ref_goes_on(lines: list[Line], i: int) -> bool:
    """After a blank line, does a REF list continue (lettered items separated by blanks)?"""
    nxt = _next_nonblank(lines, i)
    return nxt is not None and _looks_like_ref_item(lines[nxt].value)


_REF_ITEM = re.compile(r"^\s*¶?\(?[A-Z]\s?[.)]\s+\S")


def _looks_like_ref_item(s: str) -> bool:
    return bool(_REF_ITEM.match(s)) and not PARA.match(s)


def _looks_like_handling(s: str) -> bool:
    """Handling and routing instructions above TAGS: short, mostly capitals, no sentence."""
    t = s.strip()
    if len(t) > 90:
        return False
    letters = [c for c in t if c.isalpha()]
    if not letters:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper / len(letters) > 0.8


# First letters of what a short alphabetic line can be besides text: a classification line
# (TOP SECRET, CONFIDENTIAL, SECRET, UNCLASSIFIED, LIMITED OFFICIAL USE), an end mark (NNNN, BT),
# a scrape's metadata line (id:, date:, refid:, origin:, classification:, destination:,
# header:) or a declassification schedule (GP-3, GDS, XGDS-2, EXEMPT). tests/test_lexer.py
# checks that this agrees with the patterns.
_CLASS_STARTS = frozenset("TCSUL")
_SHORT_STARTS = frozenset("NBIDROCHGEXidroch")
# First letters of the archive's release stamp, on its first line or its second.
_STAMP_STARTS = frozenset("DSEdse")


def _plain(line: Line, lines: list[Line], i: int) -> bool:
    """Whether a body line is certainly blank or running text, told from its first and last
    characters, its length and the next line: most lines of a cable are, and this spares them
    the patterns of _body_kind, which gives them the same kind."""
    if line.blank:
        return True
    s = line.value
    first = s.lstrip()[0]
    if not first.isalpha():
        return False
    last = s.rstrip()[-1]
    if len(s) <= MAX_STRUCTURAL_LINE:
        # What could make it a page break, a banner, an office line, a classification line
        # or a trailer (see _body_kind).
        if last.isdigit() or last in "ZW":
            return False
        if len(s) < 90 and first in _CLASS_STARTS and s.isupper():
            return False
        if len(s) < 40 and first in _SHORT_STARTS:
            return False
        # The release stamp's first line when it wraps ("Declassified/Released US Department
        # of State EO"); its other forms end in a digit.
        if first in "Dd" and ARCHIVE_STAMP.match(s):
            return False
    # Not a heading (see is_heading): a heading stands alone or sits on a rule, and never
    # ends like a sentence or a clause.
    if i + 1 >= len(lines):
        return False
    nxt = lines[i + 1]
    if nxt.blank:
        return last in ".,;:"
    return nxt.value.lstrip()[:1] not in _RULE_STARTS


def _body_kind(lines: list[Line], i: int, all_caps: bool = False) -> str:
    line = lines[i]
    if line.blank:
        return "BLANK"
    s = line.value
    # Most body lines are prose: look at the first and last characters before any pattern.
    first = s.lstrip()[0]
    if first.isdigit() or first == "¶":
        return "PARA" if PARA.match(s) else "TEXT"
    if len(s) <= MAX_STRUCTURAL_LINE:
        if not first.isalnum():
            if RULE.match(s):
                return "RULE"
            if END_MARK.match(s) or META.match(s):
                return "TRAILER"
        else:
            last = s.rstrip()[-1]
            if (last.isdigit() or last == "Z") and PAGE.match(s):
                return "PAGE"
            if last.isdigit() and match_banner_line(s):
                return "PAGE"  # a banner repeated at a section break
            if len(s) < 90 and s.isupper() and CLASSLINE.match(s):
                return "CLASSLINE"
            if len(s) < 40 and (END_MARK.match(s) or META.match(s) or DECLASS_MARK.match(s)):
                return "TRAILER"
            if first in _STAMP_STARTS and ARCHIVE_STAMP.match(s):
                return "TRAILER"
    if is_heading(lines, i, all_caps):
        return "HEADING"
    return "TEXT"


# Bytes to delete to count lower- and upper-case ASCII letters: bytes.translate counts a sample
# of a cable in microseconds, where a regex substitution took a good part of the parse.
_NOT_LOWER = bytes(c for c in range(256) if not 0x61 <= c <= 0x7A)
_NOT_UPPER = bytes(c for c in range(256) if not 0x41 <= c <= 0x5A)


# Any of the front-matter field lines, as one pattern: one match a line instead of five.
FIELD_LINE = re.compile(
    "|".join(f"(?:{rx.pattern})" for rx in (EO, TAGS, SUBJECT, REF, CLASSBY)), re.I
)


def _last_field_line(lines: list[Line], start: int) -> int:
    """Front matter runs to its last E.O./TAGS/SUBJECT/REF/Classified-By line before the first
    numbered paragraph: what stands between (archive notes, 'Original Telegram was
    Confidential...', routing instructions) is handling, not body."""
    last = -1
    for j in range(start, min(len(lines), start + 80)):
        s = lines[j].value
        if PARA.match(s):
            break
        if FIELD_LINE.match(s):
            last = j
    return last


def _mostly_capitals(text: str) -> bool:
    """Older telegrams are written all in capitals; that changes what a heading looks like."""
    sample = text[:20000].encode("ascii", "ignore")
    lower = len(sample.translate(None, _NOT_LOWER))
    upper = len(sample.translate(None, _NOT_UPPER))
    return lower < 0.05 * (upper + lower)


def _telegram_header_run(lines: list[Line], i: int) -> set[int]:
    """Old telegrams repeat their whole header at every section: office lines, FM/TO/INFO,
    the banner, then handling, E.O., TAGS and SUBJECT again. From an office line at `i`, the
    lines of that repeat (none when no repeated banner follows soon)."""
    end = next(
        (j for j in range(i + 1, min(len(lines), i + 80)) if match_banner_line(lines[j].value)),
        None,
    )
    if end is None:
        return set()
    run = set(range(i, end + 1))
    seen = False
    last: str | None = None
    for j in range(end + 1, min(len(lines), end + 60)):
        if lines[j].blank:
            last = None if last != "REF" else last
            run.add(j)
            continue
        kind = _front_kind(lines, j, last, seen)
        if kind == "BODY":
            break
        if kind in FIELDS:
            last, seen = kind, True
        elif kind != "CONT":
            last = None
        run.add(j)
    return run


def _preview_end(lines: list[Line]) -> int:
    """Scrapes that print a truncated preview, then 'id: ... header ends', then the cable:
    the index of the metadata block's first line (0 when there is no such block)."""
    ends = next(
        (k for k, ln in enumerate(lines) if _maybe_rule(ln.value) and HEADER_ENDS.match(ln.value)),
        None,
    )
    if ends is None:
        return 0
    start = next((k for k in range(ends, -1, -1) if META_ID.match(lines[k].value)), None)
    if start is None:
        return 0
    # Keep the partial-extract notice and a header that precede the preview: only what lies
    # between the last banner-less text and the metadata block is a preview.
    return start


def _after_the_text(s: str) -> bool:
    """Lines that may follow the signature: end marks, a scrape's metadata, the classification
    again, the archive's release stamp."""
    return bool(END_MARK.match(s) or META.match(s) or CLASSLINE.match(s) or ARCHIVE_STAMP.match(s))


def _last_text_lines(lines: list[Line]) -> Iterator[int]:
    """Where a signature is looked for, last first: those of the last eleven non-blank lines
    that are not what may follow the signature. Blank lines do not count (old telegrams leave
    a page's worth above the final classification line), but no more than 200 lines are looked
    at, whatever the text."""
    found = 0
    for k in range(len(lines) - 1, max(-1, len(lines) - 201), -1):
        if not lines[k].blank:
            if not _after_the_text(lines[k].value):
                yield k
            found += 1
            if found == 11:
                return


def _signature_index(lines: list[Line]) -> int | None:
    """The last non-blank line, when it is a name: the signature. A name printed twice
    ("SWAN", "SWAN") is one signature, the first."""
    for k in _last_text_lines(lines):
        s = lines[k].value
        m = SIGNATURE.match(s)
        if NOT_A_NAME.search(m["name"] if m else s):
            continue
        if m is None or PARA.match(s) or PAGE.match(s):
            return None
        name = m["name"]
        if _is_upper(name) or (_MIXED_CASE_NAME.fullmatch(name) and _ends_sentence(lines, k)):
            before = _previous_nonblank(lines, k)
            return before if before is not None and lines[before].value.strip() == s.strip() else k
        return None
    return None


# A signature on the last line of the text, after the last sentence and two or more spaces, as
# telegrams of the 1980s and 1990s print it: "IN THE NEW STATES.  MILES".
_GLUED_SIGNATURE = re.compile(r"(?<=[.!?\"')])\s{2,}(?P<name>[A-Z][A-Z'-]+(?: [A-Z][A-Z'-]+)?)\s*$")


def _glued_signature(lines: list[Line]) -> tuple[list[Line], int | None]:
    """The lines with a signature glued to the end of the last line of text cut off into a line
    of its own, and its index (the lines as they were and None when there is none)."""
    for k in _last_text_lines(lines):
        s = lines[k].value
        m = _GLUED_SIGNATURE.search(s) if len(s) <= MAX_STRUCTURAL_LINE else None
        if m is None or NOT_A_NAME.search(m["name"]):
            return lines, None
        head, tail = _cut(lines[k], m.start("name"))
        return [*lines[:k], head, tail, *lines[k + 1 :]], k + 1
    return lines, None


def _previous_nonblank(lines: list[Line], k: int) -> int | None:
    for j in range(k - 1, max(-1, k - 4), -1):
        if not lines[j].blank:
            return j
    return None


def _ends_sentence(lines: list[Line], k: int) -> bool:
    """Whether the last non-blank line before line k ends a sentence."""
    j = _previous_nonblank(lines, k)
    return j is not None and lines[j].value.rstrip()[-1:] in _SENTENCE_END


def _index_rows(lines: list[Line]) -> tuple[list[Line], set[int]]:
    """The lines of index rows printed into the text (see INDEX_DATE), with a row number that
    was glued to the line before split off into a line of its own."""
    n = len(lines)
    starts = {
        k
        for k, ln in enumerate(lines)
        if ln.value[:1].isdigit()
        and k + 3 < n
        and INDEX_DATE.match(ln.value)
        and INDEX_REFID.match(lines[k + 1].value)
        and INDEX_CLASS.match(lines[k + 3].value)
    }
    if not starts:
        return lines, set()
    out: list[Line] = []
    rows: set[int] = set()
    for k, line in enumerate(lines):
        glued = _GLUED_ROW.search(line.value) if k + 1 in starts else None
        if glued:
            head, tail = _cut(line, glued.start())
            out.append(head)
            rows.add(len(out))
            out.append(tail)
            continue
        if k in starts:
            rows.update(range(len(out), len(out) + 4))
        out.append(line)
    return out, rows


def _unglue(lines: list[Line]) -> list[Line]:
    """Split lines where a scrape glued a banner or the partial-extract notice onto another
    line: '...WASHDC PRIORITYS E C R E T SECTION 01 OF 02 BAKU 000020'."""
    out: list[Line] = []
    seen_banner = False
    for k, line in enumerate(lines):
        if seen_banner:
            # After the banner only front-matter fields are run together; from the first
            # numbered paragraph on, the lines stay as they are.
            _unglue_front(lines, k, out)
            break
        s = line.value
        row = DUMP_ROW.search(s) if "\t" in s else None
        if row and row.start() > 0:
            head, line = _cut(line, row.start())
            out.append(head)
            s = line.value
        row = DUMP_ROW.match(s) if row else None
        if row:
            head, line = _cut(line, row.end())
            out.append(head)
            s = line.value
        glued = GLUED_META_ID.search(s) if "id:" in s else None
        if glued:
            head, line = _cut(line, glued.start())
            out.append(head)
            s = line.value
        notice = NOTICE_TEXT.search(s)
        if notice and notice.end() < len(s.rstrip()):
            head, line = _cut(line, notice.end())
            out.append(head)
            s = line.value
        m = find_banner(s)
        if m and m.start() > 0 and s[: m.start()].strip():
            out.extend(_cut(line, m.start()))
            seen_banner = True
            continue
        glued = None if m or s[:1] not in _GLUED_FRONT_STARTS else glued_front(s)
        if glued:
            head, line = _cut(line, glued.end())
            out.append(head)
            seen_banner = True
            out.extend(split_glued_fields(line, True))
            continue
        if m:
            seen_banner = True
        out.append(line)
    return out


def _unglue_front(lines: list[Line], start: int, out: list[Line]) -> None:
    """Add to `out` the lines from `start` on, with the front-matter fields that a copy ran
    together on one line (see _GLUED_EO) cut apart. Those stand above the SUBJECT line: the
    search ends there, or at the first numbered paragraph."""
    above_fields = True
    stop = min(len(lines), start + 40)
    for k in range(start, stop):
        line = lines[k]
        s = line.value
        if ":" not in s:  # every field run onto another is followed by a colon
            out.append(line)
            continue
        lead = s.lstrip()[:4].upper()
        numbered = lead[:1].isdigit() or lead[:1] == "¶"
        if lead == "SUBJ" or (numbered and (PARA.match(s) or SUBJECT.match(s))):
            stop = k
            break
        opens_field = lead.startswith(("E.O", "EO ", "E. O", "TAGS"))
        parts = split_glued_fields(line, above_fields and not opens_field)
        above_fields = above_fields and not opens_field and len(parts) == 1
        out.extend(parts)
    out.extend(lines[stop:])
