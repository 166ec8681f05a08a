"""The errors the library documents; nothing else escapes a parser."""


class ParseError(Exception):
    """A document could not be read. The message names what is wrong, in a user's words."""


class NotACable(ParseError):
    """The text is not in the cable format; the article parser may take it."""
