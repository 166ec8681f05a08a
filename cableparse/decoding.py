"""Bytes to text, with every decision recorded so that the original bytes can be had back.

The decoded text is never cleaned here: line endings (CRLF, CR), NUL bytes and the like stay in
it, and the parsers cope with them, so that `encode_back(text, encoding)` gives the exact bytes
the text came from. The one exception is mojibake (UTF-8 read as Windows-1252 and saved again,
"â€™" for "’"): it is repaired only when the whole text undoes cleanly, and the encoding name
then says so ("utf-8+mojibake"), which encode_back also undoes.
"""

from __future__ import annotations

import codecs

from cableparse.inputs import SourceError

# Longest first: a UTF-32-LE BOM begins with the UTF-16-LE one.
BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le-sig"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be-sig"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le-sig"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be-sig"),
)
MOJIBAKE = "utf-8+mojibake"
# Windows-1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D); the programs that make
# mojibake map them to the same code points, so "”" (E2 80 9D) becomes "â€" and U+009D.
_SLOPPY = "cableparse-sloppy-cp1252"
_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _sloppy(exc: UnicodeError) -> tuple[str | bytes, int]:
    if isinstance(exc, UnicodeEncodeError):
        bad = exc.object[exc.start : exc.end]
        if all(ord(c) in _UNDEFINED for c in bad):
            return bad.encode("latin-1"), exc.end
    elif isinstance(exc, UnicodeDecodeError):
        bad_bytes = exc.object[exc.start : exc.end]
        if all(b in _UNDEFINED for b in bad_bytes):
            return bad_bytes.decode("latin-1"), exc.end
    raise exc


codecs.register_error(_SLOPPY, _sloppy)
# Sequences that UTF-8 punctuation and accented letters become when read as Windows-1252.
_MOJIBAKE_MARKS = ("â€", "Ã©", "Ã¨", "Ã¼", "Ã¶", "Ã¤", "Ã±", "Ã§", "Ã¡", "Ã³", "Ã­", "Â ")
_MOJIBAKE_FIRST_BYTES = frozenset(mark.encode("utf-8")[:1] for mark in _MOJIBAKE_MARKS)


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """Bytes to text: (text, encoding, warnings). Raises SourceError for binary data."""
    for bom, base, name in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(base), name, []
            except UnicodeDecodeError as exc:
                raise SourceError(
                    f"starts with a {base} byte order mark but is not {base}"
                ) from exc
    warnings: list[str] = []
    nuls = data.count(b"\x00")
    if nuls:
        wide = _utf16_without_bom(data)
        if wide:
            text = data.decode(wide)
            return text, wide, [f"no byte order mark: read as {wide} from the NUL-byte pattern"]
        if nuls > len(data) // 100 + 8:
            raise SourceError("binary data (NUL bytes), not text")
        warnings.append(f"{nuls} NUL byte(s) in the text, kept as they are")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _detect(data, warnings)
    if not any(first in data for first in _MOJIBAKE_FIRST_BYTES):
        # Every mark starts with one of three characters, whose UTF-8 bytes start alike: a
        # search for one byte (a memchr) instead of a dozen searches of the text.
        return text, "utf-8", warnings
    fixed = _undo_mojibake(text)
    if fixed is not None:
        warnings.append(
            "mojibake repaired: the text was UTF-8 that had been read as Windows-1252 and saved "
            "again ('â€™' for '’')"
        )
        return fixed, MOJIBAKE, warnings
    if any(mark in text for mark in _MOJIBAKE_MARKS):
        warnings.append("the text looks like it has mojibake ('â€™' for '’'); left as it is")
    return text, "utf-8", warnings


def encode_back(text: str, encoding: str) -> bytes:
    """The inverse of decode: the original bytes from the decoded text and the encoding name."""
    for bom, base, name in BOMS:
        if encoding == name:
            return bom + text.encode(base)
    if encoding == MOJIBAKE:
        return text.encode("utf-8").decode("cp1252", _SLOPPY).encode("utf-8")
    return text.encode(encoding)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of Latin letters has a NUL in every other byte: at odd positions in
    little-endian order, at even ones in big-endian."""
    if len(data) < 4 or len(data) % 2:
        return None
    for order, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
        if zeros.count(0) >= 0.9 * len(zeros):
            try:
                data.decode(order)
            except UnicodeDecodeError:
                continue
            return order
    return None


def _undo_mojibake(text: str) -> str | None:
    """The repaired text when the whole text is certain mojibake, else None. Certain: it has the
    marks, and every non-ASCII character in it goes back to Windows-1252 bytes that form valid
    UTF-8, and the repaired text gives the same text again when read wrongly once more."""
    if not any(mark in text for mark in _MOJIBAKE_MARKS):
        return None
    try:
        fixed = text.encode("cp1252", _SLOPPY).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if fixed.encode("utf-8").decode("cp1252", _SLOPPY) != text:
        return None
    return fixed


def _detect(data: bytes, warnings: list[str]) -> tuple[str, str, list[str]]:
    """Not UTF-8: charset-normalizer guesses. On short Western texts it often names a Central
    European or Baltic code page first (cp1250 reads 'Señor' as 'Seńor') with Windows-1252 tied
    with it; the corpora here are English and Western European, so Windows-1252 is taken when it
    reads the bytes the same way as the guess or is tied with it, and the warning names both."""
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    best = results.best()
    if best is None:
        raise SourceError("not text in any known encoding")
    guess = codecs.lookup(best.encoding).name
    text, encoding = str(best), guess
    tied = any(
        m.encoding == "cp1252"
        and m.chaos <= best.chaos + 0.01
        and m.coherence >= best.coherence - 0.02
        for m in results
    )
    if guess not in _WESTERN:
        try:
            western = data.decode("cp1252")
        except UnicodeDecodeError:
            western = None
        if western is not None and (tied or western == text):
            text, encoding = western, "cp1252"
    if text.encode(encoding, errors="replace") != data:
        # The detector's text must give the bytes back; when it does not, Latin-1 always does.
        encoding, text = "latin-1", data.decode("latin-1")
    why = "charset-normalizer's guess" if encoding == guess else f"charset-normalizer said {guess}"
    warnings.append(f"not UTF-8: decoded as {encoding} ({why})")
    return text, encoding, warnings


_WESTERN = frozenset({"cp1252", "iso8859-1", "iso8859-15", "latin-1"})
