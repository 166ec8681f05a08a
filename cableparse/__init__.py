"""cableparse: diplomatic cables and news articles into one searchable, citable archive."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cableparse.errors import NotACable, ParseError
from cableparse.ids import canonical_id
from cableparse.model import Document

if TYPE_CHECKING:
    from cableparse.parsing import parse_path, parse_source, parse_text

__version__ = "0.1.0"

__all__ = [
    "Document",
    "NotACable",
    "ParseError",
    "__version__",
    "canonical_id",
    "parse_path",
    "parse_source",
    "parse_text",
]

_PARSING = frozenset({"parse_path", "parse_source", "parse_text"})


def __getattr__(name: str) -> Any:
    # The parsers (lark, lxml, a few hundred patterns to compile) load on first use: the
    # archive's look-ups need none of them, and loading them was two thirds of their start-up.
    if name in _PARSING:
        from cableparse import parsing

        return getattr(parsing, name)
    raise AttributeError(f"module 'cableparse' has no attribute {name!r}")
