"""Shared test helpers: every record a test produces is checked against the JSON Schema."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_CABLE = SEEDS / "002_304b85bcb573f93c.txt"

_SCHEMA = json.loads(
    resources.files("cableparse").joinpath("record.schema.json").read_text(encoding="utf-8")
)
_VALIDATOR = jsonschema.Draft202012Validator(_SCHEMA)


def check_record(record: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    """A record is valid: it fits the schema, its spans lie inside the text, and no paragraph
    number appears twice. Returns the record for chaining."""
    errors = sorted(_VALIDATOR.iter_errors(record), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    numbers = [p["number"] for p in record["paragraphs"] if p["number"] is not None]
    assert len(numbers) == len(set(numbers)), f"duplicate paragraph numbers {numbers}"
    if text is not None:
        for p in record["paragraphs"]:
            start, end = p["span"]
            assert 0 <= start <= end <= len(text), (p["span"], len(text))
        for start, end in record["provenance"].get("spans", {}).values():
            assert 0 <= start <= end <= len(text)
    return record


@pytest.fixture
def valid() -> Callable[..., dict[str, Any]]:
    return check_record


@pytest.fixture(scope="session")
def generated_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cables.csv of 300 distinct rows made by benchmarks/make_csv.py from the fixtures'
    cables: enough to cut into several partitions."""
    out = tmp_path_factory.mktemp("dump") / "cables.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_csv.py"), "300", str(out), str(FIXTURES)],
        check=True,
        capture_output=True,
    )
    return out
