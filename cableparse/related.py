"""What makes two documents "about the same events", apart from how the archive finds them.

A document's distinctive terms are its words weighted by how rare they are in the archive's
full-text index (tf-idf): names, places and rare words, not the words of every text. The
archive (Archive.related) asks its FTS5 index for the paragraphs that best match those terms
(bm25), adds them up by document and weights each document by how close its date is.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import date

from stop_words import get_stop_words

# How many of a document's terms make the query: enough for a cable's names and places, few
# enough that each one counts in bm25's score.
QUERY_TERMS = 10
# A year apart halves a document's score; ten years apart leave a tenth of it.
DAYS_HALVING = 365
# A document with no date, or compared with one that has none, is weighted as a year apart.
UNDATED_WEIGHT = 0.5

# FTS5's unicode61 tokenizer: runs of letters and digits, lower case, accents removed.
_TOKEN = re.compile(r"[^\W_]+")


@functools.cache
def stop_words() -> frozenset[str]:
    """English stop words: the stop-words package's list (the common published lists merged).
    A list, not idf alone, since in a small archive "would" is as rare as "Karabakh"."""
    return frozenset(get_stop_words("en"))


def tokens(text: str) -> list[str]:
    """The terms FTS5 indexes for `text`, in order."""
    text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return _TOKEN.findall(text)


def candidate_terms(texts: Iterable[str]) -> Counter[str]:
    """The words of a document that could be distinctive, with their counts: no stop words,
    no numbers (serials, years and paragraph numbers match documents on nothing), nothing
    shorter than three letters, and no redaction ("XXXXXXXXXXXX", one letter repeated),
    which would match every redacted cable."""
    stop = stop_words()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(
            t
            for t in tokens(text)
            if len(t) >= 3 and not t.isdigit() and t not in stop and t.strip(t[0])
        )
    return counts


def weight(tf: int, df: int, rows: int) -> float:
    """tf-idf of a term found `tf` times in the document and in `df` of `rows` indexed rows."""
    return (1 + math.log(tf)) * math.log((rows + 1) / (df + 0.5))


def days_apart(one: str | None, other: str | None) -> int | None:
    if not one or not other:
        return None
    try:
        return abs((date.fromisoformat(one[:10]) - date.fromisoformat(other[:10])).days)
    except ValueError:
        return None


def closeness(days: int | None) -> float:
    """The factor a document's score is weighted by for its distance in time."""
    if days is None:
        return UNDATED_WEIGHT
    return 1 / (1 + days / DAYS_HALVING)


def fts_query(terms: Iterable[str]) -> str:
    """Any of the terms, each quoted so that no FTS5 syntax gets through."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
