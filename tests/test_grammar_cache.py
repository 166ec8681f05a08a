"""The parser tables are kept between runs, and a damaged or unwritable cache costs nothing but
the time to build them again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cableparse import cable
from cableparse.parsing import parse_text
from tests.conftest import SEED_CABLE


@pytest.fixture
def fresh_parser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cable.parser.cache_clear()
    yield tmp_path / "cache" / "cableparse"
    cable.parser.cache_clear()


def _seed_record() -> dict[str, object]:
    return parse_text(SEED_CABLE.read_text(encoding="utf-8"), source="seed").to_record()


def test_tables_are_written_once_and_read_back(fresh_parser: Path) -> None:
    first = _seed_record()
    (tables,) = fresh_parser.glob("cable-grammar-*.lark")
    written = tables.stat().st_mtime_ns
    cable.parser.cache_clear()
    assert _seed_record() == first
    assert tables.stat().st_mtime_ns == written


def test_a_damaged_tables_file_is_rebuilt(fresh_parser: Path) -> None:
    expected = _seed_record()
    (tables,) = fresh_parser.glob("cable-grammar-*.lark")
    tables.write_bytes(tables.read_bytes()[:200])
    cable.parser.cache_clear()
    assert _seed_record() == expected


def test_no_cache_folder_to_write_to(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    cable.parser.cache_clear()
    try:
        record = _seed_record()
    finally:
        cable.parser.cache_clear()
    assert record["id"] == "BAKU-000433"
