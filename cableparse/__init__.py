"""cableparse: diplomatic cables and news articles into one searchable, citable archive."""

from cableparse.errors import NotACable, ParseError
from cableparse.ids import canonical_id
from cableparse.model import Document
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
