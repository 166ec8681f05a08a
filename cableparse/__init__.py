"""cableparse: diplomatic cables and news articles into one searchable, citable archive."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cableparse.errors import NotACable, ParseError
from cableparse.ids import canonical_id
from cableparse.model import Document

if TYPE_CHECKING:
    from cableparse.parsing import parse_source, parse_text
    from cableparse.pipeline import parse_path

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

_LATE = {"parse_path": "pipeline", "parse_source": "parsing", "parse_text": "parsing"}


def __getattr__(name: str) -> Any:
    # The parsers (lark, lxml, a few hundred patterns to compile) load on first use: the
    # archive's look-ups need none of them, and loading them was two thirds of their start-up.
    if name in _LATE:
        import importlib

        return getattr(importlib.import_module(f"cableparse.{_LATE[name]}"), name)
    raise AttributeError(f"module 'cableparse' has no attribute {name!r}")
