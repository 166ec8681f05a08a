"""Encodings and line endings: every case decodes to the right text, the cable still parses, and
the decoded text with provenance.encoding gives back the exact original bytes."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pytest

from cableparse import parse_path
from cableparse.decoding import decode, encode_back
from cableparse.sources import Failure, iter_sources

from .conftest import SEED_CABLE, check_record

SEED = SEED_CABLE.read_text(encoding="utf-8")
WESTERN = "Señor Pérez, the minister’s café in Bogotá — “quoted” — façade.\n"


def record_from(tmp_path: Path, data: bytes, name: str = "cable.txt") -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(data)
    [doc] = list(parse_path(path))
    return check_record(doc.to_record(), doc.text)


def assert_reversible(data: bytes) -> tuple[str, str, list[str]]:
    text, encoding, warnings = decode(data)
    assert encode_back(text, encoding) == data
    return text, encoding, warnings


@pytest.mark.parametrize(
    ("bom", "codec", "name"),
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le-sig"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be-sig"),
    ],
)
def test_byte_order_marks(tmp_path: Path, bom: bytes, codec: str, name: str) -> None:
    data = bom + SEED.encode(codec)
    text, encoding, _ = assert_reversible(data)
    assert (text, encoding) == (SEED, name)
    rec = record_from(tmp_path, data)
    assert rec["id"] == "BAKU-000433"
    assert rec["provenance"]["encoding"] == name


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_told_by_its_nul_bytes(codec: str) -> None:
    text, encoding, warnings = assert_reversible(SEED.encode(codec))
    assert (text, encoding) == (SEED, codec)
    assert "byte order mark" in warnings[0]


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_windows_1252_and_latin_1_are_detected_and_the_decision_recorded(codec: str) -> None:
    sample = (
        WESTERN
        if codec == "cp1252"
        else WESTERN.replace("’", "'").translate({ord("“"): '"', ord("”"): '"', ord("—"): "-"})
    )
    data = (SEED.replace("’", "'") + sample * 3).encode(codec)
    text, encoding, warnings = assert_reversible(data)
    assert text.endswith(sample)
    assert encoding in ("cp1252", "iso8859-1", "latin-1")
    assert warnings == [w for w in warnings if w.startswith("not UTF-8: decoded as")]
    assert len(warnings) == 1


def test_mojibake_is_repaired_when_certain_and_reversible(tmp_path: Path) -> None:
    # What an editor makes of UTF-8 read as Windows-1252: the five bytes that code page leaves
    # undefined (here 0x9D, the end of "”") become the control characters of the same number.
    broken = "".join(
        chr(b) if b in b"\x81\x8d\x8f\x90\x9d" else bytes([b]).decode("cp1252")
        for b in (SEED + WESTERN).encode("utf-8")
    )
    assert "â€™" in broken
    data = broken.encode("utf-8")
    text, encoding, warnings = assert_reversible(data)
    assert encoding == "utf-8+mojibake"
    assert "minister’s café" in text and "“quoted”" not in broken
    assert "mojibake repaired" in warnings[0]
    assert record_from(tmp_path, data)["id"] == "BAKU-000433"


def test_mojibake_that_is_not_certain_is_left_and_warned() -> None:
    # A Greek letter cannot come from Windows-1252 bytes: undoing the mojibake is not safe.
    data = ("Omega Ω and the minister’s views. " + WESTERN).encode("utf-8")
    data = data.replace("’".encode(), "’".encode().decode("cp1252").encode())
    text, encoding, warnings = assert_reversible(data)
    assert encoding == "utf-8"
    assert "â€™" in text
    assert "left as it is" in warnings[0]


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_crlf_and_cr_line_endings_parse_like_lf(tmp_path: Path, ending: str) -> None:
    data = SEED.replace("\n", ending).encode("utf-8")
    text, encoding, _ = assert_reversible(data)
    assert encoding == "utf-8" and "\r" in text
    want = record_from(tmp_path, SEED.encode("utf-8"), "lf.txt")
    got = record_from(tmp_path, data)
    assert got["id"] == want["id"] == "BAKU-000433"
    assert got["cable"]["tags"] == want["cable"]["tags"]
    assert [p["text"] for p in got["paragraphs"]] == [p["text"] for p in want["paragraphs"]]
    p10 = next(p for p in got["paragraphs"] if p["number"] == 10)
    start, end = p10["span"]
    assert text[start:end].replace("\r", " ").split()[:3] == ["¶10.", "(C)", "Abiyev"]


def test_a_few_nul_bytes_are_kept_and_warned(tmp_path: Path) -> None:
    data = SEED.encode("utf-8").replace(b"\n\n", b"\n\x00\n", 2)
    _, _, warnings = assert_reversible(data)
    assert warnings == ["2 NUL byte(s) in the text, kept as they are"]
    assert record_from(tmp_path, data)["id"] == "BAKU-000433"


def test_binary_data_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(bytes(range(256)) * 64)
    [item] = list(iter_sources(path))
    assert isinstance(item, Failure)
    assert str(item).startswith(f"{path}: ")
