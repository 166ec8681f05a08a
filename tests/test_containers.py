"""Containers: members are read like files and named `archive!/path`; path tricks and
decompression bombs are refused with a Failure, and the other members still go on."""

from __future__ import annotations

import gzip
import io
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from cableparse import containers, parse_path
from cableparse.sources import Failure, Source, iter_sources

from .conftest import FIXTURES, SEED_CABLE, check_record

CSV = FIXTURES / "cables-csv" / "cables_sample.csv"
PAGE = FIXTURES / "cablegate-html" / "72TEHRAN1164.html"


def names_and_ids(path: Path) -> list[tuple[str, str]]:
    out = []
    for doc in parse_path(path):
        rec = check_record(doc.to_record(), doc.text)
        out.append((rec["provenance"]["source"], rec["id"]))
    return out


def test_a_gzipped_cable(tmp_path: Path) -> None:
    path = tmp_path / "09BAKU433.txt.gz"
    path.write_bytes(gzip.compress(SEED_CABLE.read_bytes()))
    assert names_and_ids(path) == [(f"{path}!/09BAKU433.txt", "BAKU-000433")]


def test_a_gzipped_cables_csv_is_streamed_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "cables.csv.gz"
    path.write_bytes(gzip.compress(CSV.read_bytes()))
    items = list(iter_sources(path))
    assert [(i.name, i.row, i.format) for i in items if isinstance(i, Source)] == [
        (f"{path}!/cables.csv", 1, "cables-csv"),
        (f"{path}!/cables.csv", 2, "cables-csv"),
    ]


def test_zip_members_are_named_inside_the_archive(tmp_path: Path) -> None:
    path = tmp_path / "corpus.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(SEED_CABLE, "seeds/cable.txt")
        z.write(PAGE, "pages/72TEHRAN1164.html")
        z.writestr("empty-dir/", "")
    assert names_and_ids(path) == [
        (f"{path}!/pages/72TEHRAN1164.html", "TEHRAN-001164"),
        (f"{path}!/seeds/cable.txt", "BAKU-000433"),
    ]


def test_a_zip_inside_a_gzip_is_read(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.write(SEED_CABLE, "cable.txt")
    path = tmp_path / "corpus.zip.gz"
    path.write_bytes(gzip.compress(buffer.getvalue()))
    assert names_and_ids(path) == [(f"{path}!/corpus.zip!/cable.txt", "BAKU-000433")]


def test_members_whose_path_leaves_the_archive_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("../../etc/cron.d/x.txt", "UNCLAS BAKU 1")
        z.writestr("/abs.txt", "UNCLAS BAKU 2")
        z.writestr("ok/cable.txt", SEED_CABLE.read_bytes())
    items = list(iter_sources(path))
    failures = sorted(str(i) for i in items if isinstance(i, Failure))
    assert failures == [
        f"{path}!/../../etc/cron.d/x.txt: the member's path leaves the archive",
        f"{path}!//abs.txt: the member's path leaves the archive",
    ]
    assert [i.name for i in items if isinstance(i, Source)] == [f"{path}!/ok/cable.txt"]


def test_a_zip_bomb_member_is_a_failure_and_the_rest_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(containers, "RATIO_FLOOR", 64 * 1024)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a-bomb.txt", b"\0" * (4 * 1024 * 1024))
        z.writestr("b-cable.txt", SEED_CABLE.read_bytes())
    items = list(iter_sources(path))
    assert isinstance(items[0], Failure)
    assert items[0].name == f"{path}!/a-bomb.txt"
    assert "decompression bomb" in items[0].message
    assert isinstance(items[1], Source) and items[1].name == f"{path}!/b-cable.txt"


def test_a_gzip_bomb_is_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(containers, "RATIO_FLOOR", 64 * 1024)
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip.compress(b"A" * (8 * 1024 * 1024)))
    [item] = list(iter_sources(path))
    assert isinstance(item, Failure) and "decompression bomb" in item.message


def test_a_corrupt_zip_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    [item] = list(iter_sources(path))
    assert isinstance(item, Failure) and "zip" in item.message


def test_7z_without_the_extra_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "py7zr", None)
    path = tmp_path / "cables.7z"
    path.write_bytes(containers.SEVENZIP_MAGIC + b"\x00" * 32)
    [item] = list(iter_sources(path))
    assert isinstance(item, Failure)
    assert "pip install 'cableparse[7z]'" in item.message


def test_7z_members_are_read(tmp_path: Path) -> None:
    py7zr = pytest.importorskip("py7zr")
    path = tmp_path / "cables.7z"
    with py7zr.SevenZipFile(path, "w") as z:
        z.write(SEED_CABLE, "cables/cable.txt")
        z.write(PAGE, "cables/72TEHRAN1164.html")
    assert names_and_ids(path) == [
        (f"{path}!/cables/72TEHRAN1164.html", "TEHRAN-001164"),
        (f"{path}!/cables/cable.txt", "BAKU-000433"),
    ]


def test_sidecars_and_hidden_members_are_skipped_like_in_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "dev.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.write(SEED_CABLE, "dev/09BAKU433.txt")
        z.writestr("dev/09BAKU433.json", '{"reference_id": "09BAKU433"}')
        z.writestr("dev/README.md", "# notes")
        z.writestr("__MACOSX/dev/._09BAKU433.txt", b"\x00\x05\x16\x07")
        z.writestr("dev/.DS_Store", b"\x00\x00\x00\x01Bud1")
    assert names_and_ids(path) == [(f"{path}!/dev/09BAKU433.txt", "BAKU-000433")]


def test_a_tar_archive_says_it_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "cables.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(SEED_CABLE, "cable.txt")
    [item] = list(iter_sources(path))
    assert isinstance(item, Failure)
    assert item.name == f"{path}!/cables.tar"
    assert "tar archive" in item.message
