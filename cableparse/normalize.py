"""Text clean-up for field values and paragraph text.

Clean-up never touches the source text: it produces a new string, and the record keeps the span
of the source it was made from, so the original can always be shown next to the clean text.
"""

from __future__ import annotations

import html
import re

# Markdown renderings of cables escape punctuation ("\$800 million") and turn TAGS into links
# ("[PGOV](#)"); web copies carry HTML entities ("&amp;").
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$>|~\"'])")
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,200})\]\([^()\s]{0,500}\)")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,10});")


def unmark(text: str) -> str:
    """Undo Markdown escapes and links, and resolve HTML entities."""
    if "[" in text:
        text = _MD_LINK.sub(r"\1", text)
    if "\\" in text:
        text = _MD_ESCAPE.sub(r"\1", text)
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    return text


def squash(text: str) -> str:
    """Whitespace runs to one space, ends trimmed."""
    return " ".join(text.split())


def join_lines(lines: list[str]) -> str:
    """Re-join hard-wrapped lines into running text.

    A break after a hyphen joins without a space ("self-" + "reliance"), keeping the hyphen:
    telegrams hyphenate at line ends, and whether the hyphen belongs to the word is not
    knowable, so it is kept rather than guessed away. An empty string in `lines` stands for a
    blank line: after a sentence end it starts a new block ("\\n\\n"), inside a sentence (a scrape
    that split a sentence with a blank line) it is joined like any wrap.
    """
    # Parts and one join, not `out +=`: CPython grows a string in place only while nothing
    # else holds it (a profiler or tracer does), and otherwise copies it at every line, which
    # made a paragraph of 100,000 lines take 24 s. `tail` is what the rules look back at.
    parts: list[str] = []
    tail = ""  # the last two characters joined so far
    pending_break = False
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            pending_break = bool(parts)
            continue
        if not parts:
            sep = ""
        elif pending_break and tail[-1] in ".:;!?\"')":
            sep = "\n\n"
        elif tail[-1] == "-" and len(tail) > 1 and tail[-2].isalpha():
            sep = ""
        else:
            sep = " "
        if sep:
            parts.append(sep)
        parts.append(line)
        tail = line[-2:] if len(line) > 1 else (tail + sep + line)[-2:]
        pending_break = False
    return "".join(parts)
