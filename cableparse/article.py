"""The news-article parser (fallback for documents the cable grammar does not take)."""

from __future__ import annotations

from cableparse.ids import slug
from cableparse.model import Article, Document, Paragraph, Provenance
from cableparse.sources import Source
from cableparse.version import PARSER_VERSION


def parse_article(src: Source, why_not_cable: str | None = None) -> Document:
    """Placeholder: headline is the first non-blank line, the rest are paragraphs."""
    lines = [ln for ln in src.text.splitlines() if ln.strip()]
    headline = lines[0].strip() if lines else ""
    return Document(
        id=slug(headline),
        kind="article",
        text=src.text,
        title=headline or None,
        paragraphs=tuple(Paragraph(text=ln.strip(), span=(0, 0)) for ln in lines[1:]),
        article=Article(headline=headline),
        provenance=Provenance(
            source=src.name,
            sha256=src.sha256,
            encoding=src.encoding,
            format="article-text",
            parser="article",
            parser_version=PARSER_VERSION,
            warnings=(f"not a cable: {why_not_cable}",) if why_not_cable else (),
        ),
    )
