"""The news-article parser: documents the cable grammar does not take, and HTML article pages.

A copy of a news page is read as a sequence of units (a paragraph, or one row of a table), each
with its span in the source text. Rules about how news pages are laid out, never about one file,
sort the units: boilerplate that a copy drags along (share counters, newsletter prompts,
copyright lines, ...) leaves the body with a warning naming it and where it was; photo captions
go to `captions`; the first unit left is the headline; what stands between the headline and the
body (deck, byline, date line) and the dateline that opens the body go to their own fields.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
import urllib.parse
from collections.abc import Callable
from typing import Any

import attrs

from cableparse.errors import ParseError
from cableparse.ids import slug
from cableparse.inputs import Source
from cableparse.model import Article, Dateline, Document, Paragraph, Provenance, Span
from cableparse.normalize import join_lines, squash, unmark
from cableparse.version import PARSER_VERSION

__all__ = ["parse_article", "parse_html_article"]

# ---- dates --------------------------------------------------------------------------------------

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?![a-z])\.?"
)
# French pages write the day first: "12 mars 2020", "1er août 2015".
_MOIS = (
    r"(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre"
    r"|d[ée]cembre)(?![a-zé])"
)
_MONTH_NUMBER = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_MOIS_NUMBER = {
    m: i
    for i, m in enumerate(
        ["janv", "fevr", "mars", "avri", "mai", "juin", "juil", "aout", "sept", "octo", "nove"],
        1,
    )
} | {"dece": 12}


def _month_number(name: str) -> int:
    folded = name.lower().replace("é", "e").replace("û", "u")
    return _MOIS_NUMBER.get(folded[:4]) or _MONTH_NUMBER[folded[:3]]


_YEAR = r"(?:19|20)\d\d"
_WEEKDAY = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?"
# "January 22, 2016", "Jan. 21, 2016", "March 3" (no year), "26 December 2022", "28Nov2011",
# "2016-01-22".
_DATE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>{_YEAR})\b)?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th|er)?\s*(?P<m2>{_MONTH}|(?i:{_MOIS}))(?:,?\s*(?P<y2>{_YEAR})\b)?"
    rf"|(?P<y3>{_YEAR})-(?P<m3>[01]\d)-(?P<d3>[0-3]\d)\b)"
)
# What may stand beside a date on a line that only dates the story; time zones in capitals.
# French pages: "Publié le 12 mars 2020 à 10h30, mis à jour à 11h02"; a page's relative time:
# "October 10, 2020 / 6:12 AM / Updated 2 hours ago".
_DATE_NOISE = re.compile(
    rf"\b(?:published|updated|posted|last|modified|on|at|{_WEEKDAY}|publié|mis\s+à\s+jour"
    r"|le|à|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)(?!\w)"
    r"|\b\d{1,2}\s+(?:min(?:ute)?|hour|hr|day)s?\s+ago\b"
    r"|\d{1,2}[:.h]\d\d\s*(?:[ap]\.?m\.?)?|(?-i:\b[A-Z]{2,4}\b)|[|,:·•–—/-]",
    re.I,
)


def _iso(m: re.Match[str]) -> str | None:
    """The match as YYYY-MM-DD, or None when it has no year or is no calendar date."""
    if m["y3"]:
        year, month, day = int(m["y3"]), int(m["m3"]), int(m["d3"])
    else:
        year_text = m["y1"] or m["y2"]
        if not year_text:
            return None
        month = _month_number(m["m1"] or m["m2"])
        year, day = int(year_text), int(m["d1"] or m["d2"])
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def _date_line(flat: str) -> str | None:
    """The date of a line that does nothing but date the story ("Published March 3, 2016")."""
    m = _DATE.search(flat)
    if not m or not (iso := _iso(m)):
        return None
    rest = _DATE_NOISE.sub(" ", _DATE.sub(" ", flat))
    return iso if not rest.strip() else None


def _when_only(flat: str) -> bool:
    """Whether a line does nothing but give a day or a time, with or without the year
    ("January 27 at 11:15 PM", "Updated 3:45 p.m. ET")."""
    if not (_DATE.search(flat) or re.search(r"\d[:.h]\d\d", flat)):
        return False
    return not _DATE_NOISE.sub(" ", _DATE.sub(" ", flat)).strip()


# ---- datelines ----------------------------------------------------------------------------------

# A lone hyphen needs a space (or the agency's parenthesis) on one side: "LONDON (Reuters) -The"
# is a dateline, "A HIGH-powered team" is not.
_DASH = r"(?:--|[–—―]|(?<=[\s)])-|-(?=\s|$))"
# Capitals and small letters with the accents of place names ("SÃO PAULO", "BOGOTÁ").
_UP = "A-ZÀ-ÖØ-Þ"
_LOW = "a-zß-öø-ÿ"
# Two places share one dateline with a slash: "BAKU/YEREVAN", "DALLAS/FORT WORTH".
_CAPS_PLACE = rf"[{_UP}][{_UP}.'’-]+(?:(?:\s+|\s*/\s*)[{_UP}][{_UP}.'’-]*){{0,4}}"
_TITLE_PLACE = (
    rf"[{_UP}][{_LOW}][\w.'’-]*(?:(?:\s+|\s*/\s*)[{_UP}][\w.'’-]*"
    r"|\s+(?:de|da|do|del|di|la|le|of|on|upon|sur|en|am)){0,3}"
)
_REGION = rf"(?:,\s*[{_UP}][\w.'’-]*(?:\s+[{_UP}][\w.'’-]*){{0,3}})"
_AGENCY = r"\((?P<agency>[A-Z][\w/&.' -]{0,40})\)"
# The wire services a dateline names outside parentheses, or after its dash.
_WIRE = (
    r"(?:Reuters?|REUTERS?|AP|AFP|UPI|CNN|dpa|DPA|Xinhua|XINHUA|ANSA|EFE|Kyodo|KYODO|TASS"
    r"|ITAR-TASS|Interfax|IANS|PTI|RFE/RL|Bloomberg|Yonhap|AAP|BBC)"
)
# "TAUPO, New Zealand, April 3 - (Reuter) -", "WASHINGTON — AP —": the agency after the dash.
_AFTER_DASH = (
    rf"(?:\((?P<agency_after>{_WIRE})\)\s*(?:{_DASH}\s*)?"
    rf"|(?P<wire_after>{_WIRE})\s*{_DASH}\s*)?"
)
# "March 3", "MARCH 3, 1987", "3 March": wire copy writes the month in capitals too.
_DAY = rf"(?:(?i:{_MONTH})\s+\d{{1,2}}|\d{{1,2}}\s+(?i:{_MONTH}))(?:,?\s+{_YEAR})?"
_DATE_ANY_CASE = re.compile(_DATE.pattern, re.I)
# Each pattern, and whether it is a dateline only with a day or an agency in it.
_DATELINES = (
    # "BAKU (Reuters)–", "MOGADISHU, Somalia (AP) —", "VERDUN, FRANCE—", "MANILA, March 3 -"
    (
        re.compile(
            rf"(?P<place>{_CAPS_PLACE}{_REGION}{{0,2}})(?:\s*,\s*(?P<day>{_DAY}))?\s*"
            rf"(?:{_AGENCY})?\s*{_DASH}\s*{_AFTER_DASH}"
        ),
        False,
    ),
    # "New York, March 3 -", "Scarborough, Ontario, Feb 26 -", "Baku, Azerbaijan (AP) —": a
    # place in title case is a dateline only with the day or the agency after it.
    (
        re.compile(
            rf"(?P<place>{_TITLE_PLACE}{_REGION}{{0,2}})(?:\s*,\s*(?P<day>{_DAY}))?\s*"
            rf"(?:{_AGENCY})?\s*{_DASH}\s*{_AFTER_DASH}"
        ),
        True,
    ),
    # "(CNN) --", and "(CNN)The ..." as CNN writes it since the 2010s, with no dash.
    (re.compile(rf"{_AGENCY}\s*{_DASH}\s*|\((?P<wire>{_WIRE})\)\s*(?=[{_UP}\"“‘])"), False),
)


def _dateline(raw: str) -> tuple[re.Match[str], Dateline] | None:
    for pattern, needs_day_or_agency in _DATELINES:
        m = pattern.match(raw)
        if not m:
            continue
        groups = m.groupdict()
        agency = next(
            (groups[k] for k in ("agency", "agency_after", "wire_after", "wire") if groups.get(k)),
            None,
        )
        # "Apple (AAPL) - shares rose" is no dateline: without the day, only a wire service.
        if needs_day_or_agency and not (
            groups.get("day") or (agency and re.fullmatch(_WIRE, agency))
        ):
            continue
        place = groups.get("place")
        text = squash(m.group(0))
        return m, Dateline(text=text, place=squash(place) if place else None, agency=agency)
    return None


# ---- bylines ------------------------------------------------------------------------------------

_PARTICLE = r"(?:de|da|del|della|di|do|dos|du|des|van|von|der|den|ter|al|el|bin|ibn|la|le)"
_NAME = rf"[{_UP}][\w'’.-]*(?:\s+(?:[{_UP}][\w'’.-]*|{_PARTICLE}))*"
# "A and B", "A, B and C", "A, B, and C", "A & B", "A; B", "A et B" (French pages).
_NAMES = rf"{_NAME}(?:(?:\s*[,;]\s*(?:(?:and|et)\s+|&\s*)?|\s+(?:and|et|&)\s+){_NAME})*"
# A wire service or outlet alone on a line before the body is its byline.
_AGENCY_NAME = re.compile(
    r"(?:The\s+)?Associated\s+Press|AP|Reuters|AFP|Agence\s+France[- ]Presse|VOA(?:\s+News)?|"
    r"BBC(?:\s+News)?|USA\s+TODAY|NPR|CNN|dpa|Xinhua|RFE/RL"
)
_BYLINES = (
    # "By Jane Doe", "by Patrick Rizzo, Reuters", "By JOHN SMITH and JANE DOE | AP",
    # "Par Sébastien Farcis"
    re.compile(rf"(?:[Bb][Yy]|[Pp]ar|PAR):?\s+{_NAMES}(?:\s*[,|/]\s*[^.]{{1,60}})?"),
    # "Jim Suhr and Amy Shafer | AP"
    re.compile(rf"{_NAMES}\s*\|\s*[A-Z][\w .&-]{{0,40}}"),
    # "Associated Press", "Jane Doe, Reuters", "Reuters Staff"
    re.compile(rf"(?:{_NAMES}\s*,\s*)?(?:{_AGENCY_NAME.pattern})(?:\s+[Ss]taff)?"),
    # "Jane Doe; John Roe": a list of names the way a page's metadata joins them.
    re.compile(rf"{_NAME}(?:\s*;\s*{_NAME})+"),
)
# Where the date and time printed after a byline begin: "By Jane Doe January 27 at 11:15 PM",
# "AP 12:58 a.m. EST January 22, 2016", "John Bacon, USA TODAY Published 7:01 a.m. ET ...".
_WHEN = re.compile(
    rf"(?:\b(?:published|updated|posted|last\s+updated|publié|mis\s+à\s+jour)\b"
    rf"|\b{_WEEKDAY}(?=[\s,])|\b\d{{1,2}}[:.h]\d\d\b|{_DATE.pattern})",
    re.I,
)


@attrs.frozen
class _Byline:
    # The byline as printed, without what the page prints apart from it.
    text: str
    # The date and time printed after it, and that date when it has its year.
    when: str | None = None
    published: str | None = None
    # What follows a bar ("| AP"): the story's agency or the writer's role, a separate element.
    apart: str | None = None
    # The same names printed again, in another case ("By Laurie Oakes LAURIE OAKES").
    repeated: str | None = None


def _is_byline(flat: str) -> bool:
    return (
        len(flat.split()) <= 14
        and not flat.endswith(".")
        and any(pattern.fullmatch(flat) for pattern in _BYLINES)
    )


def _read_byline(flat: str, names_alone: bool = False) -> _Byline | None:
    """The byline of a line, with the date and time after it cut off; with names_alone, a list
    of names without "By" reads as one too (the text of an element marked as the byline)."""
    if len(flat.split()) > 30:
        return None
    who, when, published = flat, None, None
    m = _WHEN.search(flat)
    if m and m.start() > 0:
        tail = flat[m.start() :]
        if not _DATE_NOISE.sub(" ", _DATE.sub(" ", tail)).strip():
            # "John Bacon , USA TODAY": the page's markup leaves a space before the comma.
            who = re.sub(r"\s+,", ",", flat[: m.start()]).strip(" ,|·•–—-")
            when, published = tail, _date_line(tail)
    if not (_is_byline(who) or (names_alone and _looks_like_author(who))):
        return None
    apart = None
    bar = re.fullmatch(r"(.+?)\s*\|\s*(.+)", who)
    if bar:
        who, apart = bar[1], bar[2]
    who, repeated = _printed_once(who)
    return _Byline(who, when, published, apart, repeated)


def _printed_once(byline: str) -> tuple[str, str | None]:
    """The byline with names printed twice kept once, and what was dropped: a page's author
    tag and its visible byline copied together ("By Laurie Oakes LAURIE OAKES", "Laurie
    Oakes; LAURIE OAKES")."""
    names, dropped = _once(byline)
    if dropped:
        return names, "; ".join(dropped)
    prefix = re.match(r"(?:[Bb][Yy]|[Pp]ar|PAR):?\s+", byline)
    head = prefix.group(0) if prefix else ""
    words = byline[len(head) :].split()
    half = len(words) // 2
    first, second = " ".join(words[:half]), " ".join(words[half:])
    if half >= 2 and len(words) == 2 * half and _fold_name(first) == _fold_name(second):
        return head + first, second
    return byline, None


def _looks_like_author(name: str) -> bool:
    """A page's author metadata is a name list ("Laurie Oakes", "Jane Doe; John Roe") or an
    agency ("AP", "Reuters"), not a widget label ("Username", "Follow")."""
    words = name.split()
    if len(words) == 1:
        return bool(re.fullmatch(r"[A-Z]{2,6}", name) or _AGENCY_NAME.fullmatch(name))
    name = re.sub(r"^(?:[Bb][Yy]|[Pp]ar|PAR):?\s+", "", name)
    return bool(re.fullmatch(_NAMES, name)) and len(words) <= 12


def _fold_name(name: str) -> str:
    """A name for comparison: no case, accents, punctuation, "By", a leading "The" or a
    domain's ending ("Libération.fr", "The Washington Post", "HeraldSun")."""
    name = unicodedata.normalize("NFKD", name.casefold())
    name = re.sub(r"^(?:by|par):?\s+|^the\s+|\.(?:com|fr|net|org|co\.uk|com\.au)$", "", name)
    return re.sub(r"[\W_]+", "", name)


def _once(names: str) -> tuple[str, list[str]]:
    """A list of names joined by ";" with each name once, whatever its case, and the repeats
    dropped ("Laurie Oakes; LAURIE OAKES" gives "Laurie Oakes")."""
    kept: dict[str, str] = {}
    dropped = []
    for name in re.split(r"\s*;\s*", names):
        if _fold_name(name) in kept:
            dropped.append(name)
        else:
            kept[_fold_name(name)] = name
    return "; ".join(kept.values()), dropped


# ---- captions -----------------------------------------------------------------------------------

# "... (AP photo)", "... (Nasser Nasser/AP)", "...(Photo: Said Yusuf Warsame, epa)",
# "... Source: Supplied"
# A credit names a source: an agency, "Name/Agency", or "photo" with who took it. A bare
# "(photos)" or "(video)" is a headline's, not a caption's.
_CREDIT_TAIL = re.compile(
    r"(?:\((?:[^()]*\b(?:AP|AFP|EPA|Reuters|Getty|pool|courtesy|handout|istock)\b[^()]*"
    r"|(?=[^()]*\w\s+\w)[^()]*\b(?:photo(?:graph)?|image|picture)s?\b[^()]*"
    r"|[^()/]{1,40}/[^()]{1,60})\)"
    r"|\b(?:Photo(?:graph)?|Picture|Image|Credit|Source)s?:\s*[^.:]{1,60})\.?$",
    re.I,
)
# AP's archive photos ("FILE - A man walks ..."), BBC's "Image caption ...".
_CAPTION_START = re.compile(r"(?:FILE(?: PHOTO)?\s*[-–—:]|Image caption\b)")
# RFE/RL's captions: "Nagorno-Karabakh - Azerbaijani protesters block ..., December 26, 2022."
_PLACE_CAPTION = re.compile(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}\s+-{1,2}\s+[A-Z\"“‘]")
# A photo of a person captioned with the name alone ("Yuri Kim").
_NAME_CAPTION = re.compile(r"[A-Z][a-z'’-]+(?:\s+(?:[A-Z]\.|[A-Z][a-z'’-]+)){1,3}")
# Captions are a sentence or two; the limit also keeps the tail patterns' cost linear.
_CAPTION_MAX = 600
# Button text glued to the end of a caption: NPR's "hide caption", USA Today's "Buy Photo".
_CAPTION_WIDGET = re.compile(r"\s*\b(?:(?:hide|toggle)\s+caption|buy\s+photo)$", re.I)


def _ends_with_date(flat: str) -> bool:
    dates = list(_DATE.finditer(flat))
    return bool(dates) and _iso(dates[-1]) is not None and len(flat) - dates[-1].end() <= 1


def _strong_caption(flat: str) -> bool:
    """Captions that say what they are, wherever they stand."""
    if len(flat) > _CAPTION_MAX:
        return False
    return (
        bool(_CREDIT_TAIL.search(flat))
        or bool(_CAPTION_START.match(flat))
        or bool(_CAPTION_WIDGET.search(flat))
        or (bool(_PLACE_CAPTION.match(flat)) and _ends_with_date(flat))
    )


# ---- boilerplate --------------------------------------------------------------------------------


@attrs.frozen
class _Rule:
    pattern: re.Pattern[str]
    what: str
    max_words: int
    # False for rules a headline could match ("Apple/Google Deal Stalls"): the first unit is
    # taken for the headline rather than for such boilerplate.
    above_headline: bool


def _rule(
    pattern: str, what: str, max_words: int = 40, flags: int = re.I, above_headline: bool = True
) -> _Rule:
    return _Rule(re.compile(pattern, flags), what, max_words, above_headline)


# Whole units that a copy from a web page drags along; each matches the unit's whole text.
_BOILERPLATE = (
    _rule(r"\d[\d,.]*[KM]?(?:\s+(?:shares?|comments?|views?))?", "share counter"),
    _rule(r"\d{1,3}\s+min(?:ute)?s?\s+read", "reading time"),
    _rule(r"listen\s*[·•|-]?\s*\d{1,2}:\d\d(?::\d\d)?", "audio player text"),
    _rule(
        r"(?:hide|toggle|show)\s+caption\b.*|enlarge\s+this\s+image|buy\s+photo",
        "caption widget text",
    ),
    # A year after the mark: a story may well begin "Copyright lawyers say ...".
    _rule(
        r"(?:copyright|©|\(c\))\s*©?\s*\d{4}\b.*|.*\ball rights reserved\b.*", "copyright line", 60
    ),
    _rule(r"(?:read\s+or\s+)?share\s+this\s+(?:story|article)\b.*", "share prompt"),
    _rule(
        r"(?:(?:share|tweet|e-?mail|print|facebook|twitter|linkedin|whatsapp|pinterest|reddit"
        r"|connect|comments?|more|embed|download|\d+)(?:\s+(?:this|on|via)\b.*)?\s*)+",
        "share button",
        12,
    ),
    _rule(
        # a prompt to the reader, one line at most, not a story's sentence about newsletters
        r"(?=.*\b(?:get|sign\s+up|subscribe|receive|join|our|your)\b)"
        r"[^.]*\b(?:newsletters?|inbox)\b[^.]*\.?|(?:sign\s+up|subscribe)\b[^.]*",
        "newsletter prompt",
        15,
    ),
    _rule(
        r"advertisement(?:\s*[-–—:]?\s*(?:continue|story|scroll)\b.*)?"
        r"|(?:story\s+)?continues\s+below.*|continue\s+reading\b.*",
        "advertisement",
        8,
    ),
    _rule(r"\[[^\[\]]{3,300}\]", "link to another story", above_headline=False),
    # "Dirk Waem/AFP/Getty Images": capitalised names, not all capitals ("U.S./JAPAN TRADE")
    _rule(
        r"(?=.*/)(?=.*[a-z])[A-Z][\w.'’-]*(?:(?:\s+|\s*/\s*)[A-Z][\w.'’-]*)*",
        "photo credit",
        8,
        flags=0,
        above_headline=False,
    ),
    _rule(r"image\s+copyright\b.*", "photo credit", 12),
)
# The words of a site's section labels ("World", "Middle East & Africa", "U.S. Politics",
# "International", "Planète"), printed above or below the headline: a unit made of nothing else
# is the page's navigation, not the headline or its deck.
_SECTIONS = """
    world news business politics economy markets finance money technology tech science
    health sport sports opinion opinions analysis commentary entertainment culture arts
    lifestyle life style travel environment climate education media local national
    international nation breaking top latest home video videos photos features investigations
    europe asia africa americas america pacific middle east west north south latin central
    us u.s. uk u.k. britain region regions energy weather crime law justice security defence
    defense military religion food books music film movies tv television obituaries editorials
    letters jobs society diplomacy elections election government policy global domestic
    monde politique économie société santé planète idées sciences afrique amériques asie
    moyen-orient proche-orient actualité actualités actu faits divers médias éducation
    livres cinéma musique environnement
"""
_SECTION_WORDS = frozenset(_SECTIONS.split())
_SECTION_JOINERS = frozenset({"&", "and", "et", "/", "|", ">", "›", "»", "-", "–", "·", ","})


def _site_section(flat: str) -> bool:
    words = re.findall(r"[\w.'’-]+|[&/|>›»–·,]", flat.casefold())
    labels = [w for w in words if w not in _SECTION_JOINERS]
    return 0 < len(labels) <= 5 and all(w in _SECTION_WORDS for w in labels)


# Headings of lists that are not the story: links to other stories, whose items are
# headlines, and a summary's bullet points (USA Today's "Story Highlights").
_LISTS = (
    (
        re.compile(
            r"(?:related(?:\s+(?:coverage|content|stories|articles|links|news|topics))?|"
            r"read\s+more|more\s+from\s+.{1,40}|see\s+also|recommended(?:\s+for\s+you)?|"
            r"most\s+(?:read|popular)|trending|you\s+may\s+also\s+like|also\s+read)\s*:?",
            re.I,
        ),
        "list of links to other stories",
        "link to another story",
    ),
    (
        re.compile(r"(?:story\s+)?highlights|key\s+points|what\s+you\s+need\s+to\s+know", re.I),
        "story highlights",
        "story highlight",
    ),
)
# A heading after which the page holds readers' comments, not the article.
_COMMENTS = re.compile(
    r"(?:discussion|comments?)\s+policy|comments?|leave\s+a\s+(?:comment|reply)|"
    r"join\s+the\s+(?:discussion|conversation)",
    re.I,
)
_SIGN_OFF = re.compile(r"REUTERS?|\(?(?:AP|AFP)\)?", re.I)


def _boilerplate(flat: str, above_headline: bool = False) -> str | None:
    words = len(flat.split())
    for rule in _BOILERPLATE:
        if above_headline and not rule.above_headline:
            continue
        if words <= rule.max_words and rule.pattern.fullmatch(flat):
            return rule.what
    return None


def _sentence_end(flat: str) -> bool:
    return flat.rstrip("\"'”’)»").endswith((".", "!", "?", ":"))


def _headline_like(flat: str) -> bool:
    return 0 < len(flat.split()) <= 20 and not _sentence_end(flat)


# ---- units --------------------------------------------------------------------------------------


@attrs.frozen
class _Unit:
    start: int
    end: int
    raw: str

    @property
    def flat(self) -> str:
        return squash(self.raw)

    def at(self, text: str) -> str:
        line = text.count("\n", 0, self.start) + 1
        return f"line {line}, characters {self.start}–{self.end}"


_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _units(text: str) -> list[_Unit]:
    """Paragraphs separated by blank lines; inside one block, a line starts a new unit unless
    it continues a hard-wrapped line (so the rows of a results table stay apart)."""
    units: list[_Unit] = []
    block: list[tuple[int, int]] = []

    def flush() -> None:
        width = max((e - s for s, e in block), default=0)
        group = block[:1]
        for s, e in block[1:]:
            ps, pe = group[-1]
            prev = text[ps:pe]
            wrapped = (
                (prev.endswith("-") and prev[-2:-1].isalpha())
                or text[s].islower()
                or (50 <= width <= 100 and pe - ps >= 0.8 * width)
            )
            if not wrapped:
                units.append(_Unit(group[0][0], pe, text[group[0][0] : pe]))
                group = []
            group.append((s, e))
        if group:
            units.append(_Unit(group[0][0], group[-1][1], text[group[0][0] : group[-1][1]]))
        block.clear()

    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip(_LINE_BREAKS)
        stripped = body.strip()
        if stripped:
            start = pos + len(body) - len(body.lstrip())
            block.append((start, start + len(stripped)))
        elif block:
            flush()
        pos += len(line)
    if block:
        flush()
    return units


def _paragraph_text(raw: str) -> str:
    lines = [ln for ln in raw.splitlines() if ln.strip()]
    return unmark(join_lines(lines))


# ---- the reader ---------------------------------------------------------------------------------


@attrs.frozen
class _Parts:
    article: Article
    paragraphs: tuple[Paragraph, ...]
    warnings: tuple[str, ...]
    spans: tuple[tuple[str, Span], ...]


class _Reader:
    """One pass over the units of one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.units = _units(text)
        self.flat_text = squash(text)
        self.warnings: list[str] = []
        self.spans: dict[str, Span] = {}
        self.captions: list[str] = []
        self.byline: str | None = None
        self.published: str | None = None
        # The item kind of the list being read ("link to another story"), if any.
        self.listing: str | None = None

    def remove(self, unit: _Unit, what: str) -> None:
        self.warnings.append(f"removed {what} “{_shorten(unit.flat)}” ({unit.at(self.text)})")

    def caption(self, unit: _Unit) -> None:
        flat = unit.flat
        widget = _CAPTION_WIDGET.search(flat)
        if widget:
            flat = flat[: widget.start()]
            self.warnings.append(
                f"removed caption widget text “{widget.group(0).strip()}” from the caption at "
                f"{unit.at(self.text)}"
            )
        self.spans[f"captions.{len(self.captions)}"] = (unit.start, unit.end)
        self.captions.append(unmark(flat))

    def is_caption(self, unit: _Unit) -> bool:
        flat = unit.flat
        if _strong_caption(flat):
            return True
        if any(flat == c or (len(flat) >= 20 and c.startswith(flat)) for c in self.captions):
            return True  # the page repeats a caption (a gallery's second rendering)
        return bool(_NAME_CAPTION.fullmatch(flat)) and self.flat_text.count(flat) >= 2

    def front(self, unit: _Unit) -> bool:
        """Take a unit that sits between the headline and the body: a byline, a date line,
        a caption. False when the unit is none of these."""
        flat = unit.flat
        if _dateline(unit.raw):
            return False  # "ROME, March 3 -" alone on its line opens the body
        # The byline first: a date line's noise would take "AP" of "AP 12:58 a.m. EST ...".
        byline = _read_byline(flat)
        if self.byline and _fold_name(byline.text if byline else flat) == _fold_name(self.byline):
            self.remove(unit, "repeated byline")  # "By Laurie Oakes", then "LAURIE OAKES"
            return True
        if byline and not self.byline:
            self.set_byline(byline, unit)
            return True
        if byline and byline.published:
            self.date(byline.published, unit)  # a second writer's line that dates the story
            return True
        return self.date_line(unit) or self.strong_caption(unit)

    def set_byline(self, byline: _Byline, unit: _Unit) -> None:
        self.byline = byline.text
        self.spans["byline"] = (unit.start, unit.end)
        if byline.repeated:
            self.warnings.append(
                f"the byline prints “{byline.repeated}” twice: kept once ({unit.at(self.text)})"
            )
        if byline.apart:
            self.warnings.append(
                f"the byline “{byline.text}” stops at the bar: “| {byline.apart}” is printed "
                f"apart from the names ({unit.at(self.text)})"
            )
        if byline.published:
            self.date(byline.published, unit)
        elif byline.when and _DATE.search(byline.when):
            self.warnings.append(
                f"the date “{byline.when}” after the byline gives no year: no publication date "
                "taken from it"
            )

    def date(self, iso: str, unit: _Unit) -> None:
        if self.published is None:
            self.published = iso
            self.spans["published"] = (unit.start, unit.end)

    def read(self) -> _Parts:
        units = self.units
        i = self.skip(0, self.above_headline)
        headline = ""
        deck: str | None = None
        if i < len(units):
            headline = units[i].flat
            self.spans["headline"] = (units[i].start, units[i].end)
            i += 1
            if i < len(units) and units[i].flat == headline:
                self.remove(units[i], "repeated headline")
                i += 1
        if i + 1 < len(units) and self.is_deck(units[i]):
            deck = unmark(units[i].flat)
            self.spans["deck"] = (units[i].start, units[i].end)
            i += 1
        i = self.skip(i, self.front)
        dateline, i, first_start = self.find_dateline(i)
        paragraphs = self.body(i, first_start)
        if self.published is None:
            self.date_from_dateline(dateline, paragraphs)
        article = Article(
            headline=headline,
            deck=deck,
            dateline=dateline,
            byline=self.byline,
            published=self.published,
            captions=tuple(self.captions),
        )
        return _Parts(
            article=article,
            paragraphs=paragraphs,
            warnings=tuple(self.warnings),
            spans=tuple(sorted(self.spans.items())),
        )

    def is_deck(self, unit: _Unit) -> bool:
        """The deck continues the headline: title-like, right after it, and nothing else."""
        flat = unit.flat
        return (
            len(flat.split()) >= 3
            and _headline_like(flat)
            and not self.is_caption(unit)
            and not _boilerplate(flat)
            and not _site_section(flat)
            and _dateline(unit.raw) is None
            and _read_byline(flat) is None
            and not _when_only(flat)
        )

    def list_item(self, flat: str) -> str | None:
        """What a unit is when it heads or continues a list that is not the story."""
        for heading, what, item in _LISTS:
            if heading.fullmatch(flat):
                self.listing = item
                return what
        if self.listing and _headline_like(flat) and not _strong_caption(flat):
            return self.listing
        self.listing = None
        return None

    def skip(self, i: int, take: Callable[[_Unit], bool]) -> int:
        """The index of the first unit from i on that is neither boilerplate nor taken."""
        while i < len(self.units):
            unit = self.units[i]
            # Above the headline a list heading is page furniture and the headline no item.
            above = "headline" not in self.spans
            listed = None if above else self.list_item(unit.flat)
            what = listed or _boilerplate(unit.flat, above_headline=above)
            if not what and self.is_section(i):
                what = "site section"
            if what:
                self.remove(unit, what)
            elif not take(unit):
                break
            i += 1
        return i

    def above_headline(self, unit: _Unit) -> bool:
        """Take a unit above the headline: a caption, or the page's date line, which some
        pages print over the headline; it dates the story as it does below the headline."""
        return self.strong_caption(unit) or self.date_line(unit)

    def date_line(self, unit: _Unit) -> bool:
        flat = unit.flat
        if (day := _date_line(flat)) is not None:
            self.date(day, unit)
            return True
        if _when_only(flat):
            self.warnings.append(
                f"the date line “{flat}” gives no year: no publication date taken from it "
                f"({unit.at(self.text)})"
            )
            return True
        return False

    def is_section(self, i: int) -> bool:
        """A site section label; above the headline only with a headline after it (a
        two-word headline such as "US economy" over the story's first sentence stays)."""
        if not _site_section(self.units[i].flat) or i + 1 >= len(self.units):
            return False
        return "headline" in self.spans or _headline_like(self.units[i + 1].flat)

    def strong_caption(self, unit: _Unit) -> bool:
        if _strong_caption(unit.flat):
            self.caption(unit)
            return True
        return False

    def find_dateline(self, i: int) -> tuple[Dateline | None, int, int | None]:
        """The dateline opens the body; a page may put a caption or two between the headline
        and it, which are then captions. Returns the dateline, the index of the first body unit
        and where that unit's text starts after the dateline."""
        for k in range(i, min(i + 4, len(self.units))):
            unit = self.units[k]
            found = _dateline(unit.raw)
            if not found:
                continue
            if k > i and not found[1].place:
                break  # an agency alone, further down, is too weak a sign
            for skipped in self.units[i:k]:
                what = _boilerplate(skipped.flat)
                if what:
                    self.remove(skipped, what)
                else:
                    self.caption(skipped)
            m, dateline = found
            self.spans["dateline"] = (unit.start, unit.start + len(m.group(0).rstrip()))
            if m.end() >= len(unit.raw):
                return dateline, k + 1, None  # "VERDUN, FRANCE—" on its own line
            return dateline, k, unit.start + m.end()
        return None, i, None

    def body(self, i: int, first_start: int | None) -> tuple[Paragraph, ...]:
        paragraphs: list[Paragraph] = []
        units = self.units
        while i < len(units):
            unit = units[i]
            if first_start is not None:
                unit = _Unit(first_start, unit.end, self.text[first_start : unit.end])
                first_start = None
            flat = unit.flat
            if _COMMENTS.fullmatch(flat) and (i > len(units) // 2 or " " in flat):
                rest = _Unit(unit.start, units[-1].end, self.text[unit.start : units[-1].end])
                self.remove(rest, "comment section")
                break
            what = self.list_item(flat) or _boilerplate(flat)
            if i == len(units) - 1 and _SIGN_OFF.fullmatch(flat):
                what = "sign-off"
            if what:
                self.remove(unit, what)
            elif self.is_caption(unit):
                self.caption(unit)
            else:
                paragraphs.append(
                    Paragraph(text=_paragraph_text(unit.raw), span=(unit.start, unit.end))
                )
            i += 1
        return tuple(paragraphs)

    def date_from_dateline(
        self, dateline: Dateline | None, paragraphs: tuple[Paragraph, ...]
    ) -> None:
        """No date line above the body: the dateline's day, when it has its year, dates the
        story; a day without its year is no publication date, and a warning says so rather
        than guess a year."""
        if dateline:
            m = _DATE_ANY_CASE.search(dateline.text)
            if m and (iso := _iso(m)):
                self.published = iso
                self.spans["published"] = self.spans["dateline"]
                self.warnings.append(
                    f"the publication date {iso} is inferred from the dateline “{dateline.text}”"
                )
                return
            if m:
                self.warnings.append(
                    f"the dateline “{dateline.text}” gives the day without a year: "
                    "no publication date taken from it"
                )
                return
        if paragraphs:
            lead = paragraphs[0].text
            m = re.search(rf"(?:{_WEEKDAY},?\s+)?{_DATE.pattern}", lead)
            if m and _iso(m) is None:
                self.warnings.append(
                    f"the first paragraph dates the story “{m.group(0)}” without a year: "
                    "no publication date taken from it"
                )


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- documents ----------------------------------------------------------------------------------


def article_id(headline: str, src: Source) -> str:
    """A readable slug of the headline and a short hash of the source text (whitespace
    folded): the same copy always gets the same id, two stories with one headline do not."""
    digest = hashlib.sha256(squash(src.text).encode("utf-8")).hexdigest()[:8]
    return f"{slug(headline, limit=60)}-{digest}"


def _document(
    src: Source,
    text: str,
    parts: _Parts,
    fmt: str,
    notes: list[str],
    external: tuple[tuple[str, str], ...] = (),
) -> Document:
    article = parts.article
    return Document(
        id=article_id(article.headline, src),
        kind="article",
        text=text,
        title=article.headline or None,
        date=article.published,
        paragraphs=parts.paragraphs,
        article=article,
        provenance=Provenance(
            source=src.name,
            sha256=src.sha256,
            encoding=src.encoding,
            format=fmt,
            parser="article",
            parser_version=PARSER_VERSION,
            warnings=(*src.warnings, *notes, *parts.warnings),
            row=src.row,
            offset=src.offset,
            length=len(src.data) if src.row is not None else None,
            # What the container said stays; the extractor's metadata adds what it lacks.
            external=tuple({**dict(external), **dict(src.external)}.items()),
            spans=parts.spans,
        ),
    )


def parse_article(src: Source, why_not_cable: str | None = None) -> Document:
    """A news article copied as text: headline, deck, captions, dateline, byline, date, body."""
    parts = _Reader(src.text).read()
    notes = [f"not a cable: {why_not_cable}"] if why_not_cable else []
    if not parts.article.headline:
        notes.append("no text: the record has no headline and no body")
    fmt = "article-text" if src.format == "text" else src.format
    return _document(src, src.text, parts, fmt, notes)


# What a page marks as its byline, for when trafilatura's author is no name; then what it
# marks as an author's name ("author-name", a link to the writer's page).
_BYLINE_ELEMENTS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), 'byline') or @rel='author'"
    " or contains(@itemprop, 'author')]",
    "//*[contains(@class, 'author')] | //a[contains(@href, '/author/')]",
)


def parse_html_article(src: Source) -> Document:
    """An HTML article page. trafilatura finds the main text and the metadata; the text it
    extracts, as "headline, blank line, one block per paragraph", is then read like a copied
    article, and is the record's text: spans index it, and the page's bytes stay in the Source.
    """
    # Imported here: trafilatura is slow to import and only HTML pages need it.
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(src.data)
    if tree is None:
        raise ParseError("not an HTML page that can be read")
    try:
        result = trafilatura.bare_extraction(
            tree,
            with_metadata=True,
            include_images=True,  # keeps the captions of the article's photos in the text
            include_tables=True,
            # No extensive search of the page furniture; a day trafilatura still reads from the
            # address or the text is named as such in the warnings (_page_date_note).
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:
        # What lxml recovers from tag soup can break the extractor's assumptions (a page read
        # as a lone <script> element, which has no parent to drop it from), whatever error
        # that raises: the page fails with the reason and the batch goes on.
        raise ParseError(
            f"the article extractor could not read the HTML page ({type(exc).__name__})"
        ) from exc
    meta: dict[str, Any] = {}
    if isinstance(result, dict):
        meta = result
    elif result is not None:
        meta = result.as_dict()
    title = squash(meta.get("title") or "")
    notes = [
        "HTML page: the record's text is the article text trafilatura extracted (headline, "
        "blank line, one block per paragraph); spans index that text, not the HTML"
    ]
    if title and (visible := _visible_headline(tree, title)) and visible != title:
        notes.append(
            f"the headline is the page's visible heading “{visible}”, which matches the "
            f"metadata's title “{title}”"
        )
        title = visible
    body = [ln.strip() for ln in (meta.get("text") or "").splitlines() if ln.strip()]
    if not title and not body:
        raise ParseError("no article text found in the HTML page")
    text = "\n\n".join([title, *body]) if title else "\n\n".join(body)
    parts = _Reader(text).read()
    if not title:
        notes.append("the page states no title: the headline is the text's first block")
    found = parts.article
    byline = found.byline
    if byline and _is_site(byline, meta):
        notes.append(f"the byline “{byline}” is the site's name: no byline")
        byline = None
    published = found.published
    if published is None and (published := _page_date(meta.get("date"))):
        notes.append(_page_date_note(tree, published))
    article = attrs.evolve(
        found, byline=byline or _page_byline(tree, meta, notes), published=published
    )
    parts = attrs.evolve(parts, article=article)
    external = tuple(
        (key, squash(str(meta[key])))
        for key in ("title", "author", "date", "url", "sitename")
        if meta.get(key)
    )
    return _document(src, text, parts, "article-html", notes, external)


# Where a page states its headline apart from the visible page.
_TITLE_METADATA = (
    "//meta[@property='og:title' or @name='twitter:title' or @name='title']/@content"
    " | //head/title/text()"
)


def _visible_headline(tree: Any, title: str) -> str | None:
    """The page's own heading (h1, else h2) that a headline of its metadata names: the same
    words, the title with the site's name after it ("Headline - Site"), or the heading with
    more words than a shortened title. The page's heading is what a reader sees. Where no
    heading is named and the extractor took a site section ("World") for the title, the
    metadata's own headline."""
    stated = [squash(str(t)) for t in tree.xpath(_TITLE_METADATA)]
    titles = {_fold_name(t) for t in stated or [title]} - {""}
    for level in ("//h1", "//h2"):
        for element in tree.xpath(level):
            heading = squash(element.text_content())
            if len(heading.split()) <= 40 and any(_names(heading, t) for t in titles):
                return heading
    if _site_section(title):
        return next((t for t in stated if t and not _site_section(t)), None)
    return None


def _names(heading: str, title: str) -> bool:
    """Whether a folded metadata title names the heading."""
    have = _fold_name(heading)
    short, long = sorted((title, have), key=len)
    if not short:
        return False
    return short == long or (
        len(heading.split()) >= 3 and long.startswith(short) and 2 * len(short) >= len(long)
    )


def _site_names(meta: dict[str, Any]) -> set[str]:
    """The site's name and its domain's name, folded: the label before the domain's ending
    ("heraldsun" of www.heraldsun.com.au, "cnn" of edition.cnn.com, "liberation" of
    www.liberation.fr)."""
    names = {_fold_name(str(meta["sitename"]))} if meta.get("sitename") else set()
    host = urllib.parse.urlsplit(str(meta.get("url") or "")).hostname or ""
    labels = host.split(".")[:-1]
    while labels and labels[-1] in {"com", "co", "org", "net", "gov", "ac"}:
        labels.pop()
    if labels:
        names.add(_fold_name(labels[-1]))
    return names - {""}


def _is_site(name: str, meta: dict[str, Any]) -> bool:
    return _fold_name(name) in _site_names(meta)


def _page_byline(tree: Any, meta: dict[str, Any], notes: list[str]) -> str | None:
    author = meta.get("author")
    if author:
        author, repeated = _printed_once(squash(str(author)))
        if repeated:
            notes.append(
                f"the page's author metadata names {author} twice (“{repeated}”): kept once"
            )
    if author and ";" in author:
        # "Jane Doe; The Washington Post": the writers, not the publisher.
        names = [n for n in author.split("; ") if not _is_site(n, meta)]
        if names and len(names) < author.count(";") + 1:
            notes.append(f"the page's author metadata “{author}” names the site: left out")
            author = "; ".join(names)
    if author and _is_site(author, meta):
        # "BBC News" as the author of a BBC page names the publisher, not a writer.
        notes.append(f"the page's author metadata “{author}” is the site's name: not a byline")
    elif author and _looks_like_author(author):
        return author
    elif author:
        notes.append(f"the page's author metadata “{author}” is no name: not taken as byline")
    for path in _BYLINE_ELEMENTS:
        for element in tree.xpath(path):
            byline = _read_byline(squash(element.text_content()), names_alone=True)
            if byline and not _is_site(byline.text, meta):
                return byline.text
    return None


# Where a page states its date in its markup: meta tags, <time>, schema.org properties, JSON-LD.
_DATE_MARKUP = (
    "//meta[contains(@property, 'time') or contains(@property, 'date') or contains(@name, 'date')"
    " or contains(@name, 'time') or contains(@itemprop, 'date')]/@content"
    " | //time/@datetime | //*[contains(@itemprop, 'date')]/@datetime"
    " | //script[@type='application/ld+json']/text()"
)


def _page_date_note(tree: Any, iso: str) -> str:
    """Where the extractor's date came from: the page's markup when it states that day there,
    else the extractor's reading of the page (its address or its text)."""
    if any(iso in str(value) for value in tree.xpath(_DATE_MARKUP)):
        return f"the publication date {iso} is inferred from the page's metadata"
    return (
        f"the publication date {iso} is the extractor's reading of the page (its address or "
        "its text): the page's markup does not state it"
    )


def _page_date(value: str | None) -> str | None:
    """The page's date, "2016-01-22" or the day of "2016-01-22T10:03:00+00:00"."""
    m = re.match(r"(\d{4}-\d\d-\d\d)(?:$|[T ])", value or "")
    return m[1] if m else None
