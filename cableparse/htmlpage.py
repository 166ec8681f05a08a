"""HTML pages: WikiLeaks "Cable Viewer" pages, and any other page (passed on as an article).

A cable page has a metadata table (`<table class='cable'>`: Reference ID, Created, Released,
Classification, Origin) and two `<pre>` blocks, the routing header and the body, whose line breaks
are `&#x000A;` entities, TAGS are `<a>` links and paragraph marks are `<a>¶</a>` anchors. lxml
parses the page; the text the parsers read is the header block's text content, a line break, then
the body block's text content (entities resolved, tags dropped, their text kept): character `i`
of the body block is character `len(header) + 1 + i` of the text. The same function,
`cable_text`, gives the same text from the page's bytes, which the archive keeps.

The archive's pages have glitches of their own: a body that is cut short ("F...") and runs into
another cable, either through a dump row (`50133  2006-01-19  06THEHAGUE131  Embassy The Hague
...`) or through a bare reference id followed by that cable's banner. The text given to the
parsers stops where the other cable starts, and a warning names it; the page's bytes keep it.
"""

from __future__ import annotations

import re

import attrs
import lxml.html

from cableparse import lexer
from cableparse.csvdump import iso_date
from cableparse.inputs import Source

_HTML_START = re.compile(r"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I)
# The table's column names -> external keys.
TABLE_KEYS = {
    "reference id": "reference_id",
    "created": "date",
    "released": "released",
    "classification": "classification",
    "origin": "origin",
}
_TABLE = "//table[contains(concat(' ', normalize-space(@class), ' '), ' cable ')]"
_DUMP_ROW = re.compile(
    r"^\s*\d{1,6}\s+\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d)?)?\s+(\d\d[A-Z]+\d+)\s"
)
_BARE_ID = re.compile(r"^\s*(\d\d[A-Z]+\d+)\s*$")


def looks_like(head: str) -> bool:
    """Whether a document's first characters are HTML."""
    return _HTML_START.search(head[:4096]) is not None


@attrs.frozen
class CablePage:
    header: str
    body: str
    table: dict[str, str]
    title: str | None


def cable_page(html: str) -> CablePage | None:
    """The parts of a Cable Viewer page, or None when the page is not one."""
    # lxml refuses text with an XML encoding declaration; the text is already decoded.
    root = lxml.html.document_fromstring(html.encode("utf-8"), parser=_parser())
    tables = root.xpath(_TABLE)
    pres = [p.text_content() for p in root.xpath("//pre")]
    if not tables or not pres:
        return None
    heads = [th.text_content().strip().lower() for th in tables[0].xpath(".//th")]
    cells = [td.text_content().strip() for td in tables[0].xpath(".//td")]
    table = {TABLE_KEYS[h]: c for h, c in zip(heads, cells, strict=False) if h in TABLE_KEYS and c}
    if "reference_id" not in table:
        return None
    title = None
    for h3 in root.xpath("//h3"):
        m = re.match(r"Viewing cable \S+?,\s*(.+)$", " ".join(h3.text_content().split()))
        if m:
            title = m.group(1)
    header, body = (pres[0], pres[1]) if len(pres) > 1 else ("", pres[0])
    return CablePage(header=header, body=body, table=table, title=title)


def _parser() -> lxml.html.HTMLParser:
    return lxml.html.HTMLParser(encoding="utf-8")


def read_page(src: Source) -> Source:
    """A decoded HTML page (format "text") as a cable page's Source, or as "article-html"."""
    page = cable_page(src.text)
    if page is None:
        return attrs.evolve(src, format="article-html", hint="article")
    warnings = list(src.warnings)
    external = dict(page.table)
    for key in ("date", "released"):
        if key in external:
            iso = iso_date(external[key], "%Y-%m-%d %H:%M")
            if iso:
                external[key] = iso
    if page.title:
        external["title"] = page.title
    body, note = cut_second_cable(page.body, external["reference_id"])
    if note:
        warnings.append(note)
    return attrs.evolve(
        src,
        text=page.header + "\n" + body,
        format="cablegate-html",
        warnings=tuple(warnings),
        external=tuple(external.items()),
        hint="cable",
    )


def cut_second_cable(body: str, reference_id: str) -> tuple[str, str | None]:
    """The body up to where another cable starts, and a warning saying so (None: no glitch)."""
    lines = body.split("\n")
    pos = len(lines[0]) + 1
    for i in range(1, len(lines)):
        line = lines[i]
        found = _DUMP_ROW.match(line)
        other = found.group(1) if found else None
        if other is None:
            bare = _BARE_ID.match(line)
            following = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
            if bare and bare.group(1) != reference_id and lexer.find_banner(following):
                other = bare.group(1)
        if other is not None and other != reference_id:
            kept = body[:pos]
            note = (
                f"the page's body runs into another cable ({other}) at line {i + 1} of its "
                "body block: "
                "that part is left out of this record"
            )
            if kept.rstrip().endswith("..."):
                note += "; this cable's own text is cut short on the page (it ends in '...')"
            return kept, note
        pos += len(line) + 1
    return body, None
