"""The Spark engine on a real local[2] session: the records of a parse spread over executors are
those of the local parse, in its order, and a failed input is reported, never dropped."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cableparse import pipeline
from cableparse.cli import main
from cableparse.model import record_json

from .conftest import FIXTURES, SEEDS

pytest.importorskip("pyspark", reason="the Spark engine is the extra cableparse[spark]")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (17 on these machines); none on PATH", allow_module_level=True)

from pyspark.sql import SparkSession

from cableparse import arrow
from cableparse import spark as cp_spark

# Small enough that the fixtures and the generated dump make several partitions each.
TARGET = 200_000


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = (
        SparkSession.builder.master("local[2]")
        .appName("cableparse-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "512m")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def local(paths: list[Path]) -> list[str]:
    return [
        str(r) if isinstance(r, pipeline.Failure) else record_json(r)
        for r in pipeline.records(pipeline.read_inputs(paths))
    ]


@pytest.fixture(scope="module")
def inputs(generated_csv: Path) -> list[Path]:
    return [
        SEEDS,
        FIXTURES / "cablegate-dev",
        FIXTURES / "cablegate-html",
        FIXTURES / "news-dev",
        FIXTURES / "cables-csv",
        generated_csv,
    ]


def test_a_dataset_written_by_the_executors_holds_the_local_records(
    spark: SparkSession, inputs: list[Path], tmp_path: Path
) -> None:
    expected = local(inputs)
    report = cp_spark.write_dataset(spark, inputs, tmp_path / "ds", target_bytes=TARGET)
    assert report.partitions > 4, "the dump was not cut"
    assert report.failures == []
    assert report.documents == len(expected) > 300
    assert [record_json(r) for _, r in arrow.read_dataset(tmp_path / "ds")] == expected


def test_read_gives_the_local_records_and_failures_as_rows(
    spark: SparkSession, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "empty.txt").write_bytes(b"")
    paths = [SEEDS, broken, FIXTURES / "cables-csv"]
    expected = local(paths)
    assert f"{broken / 'empty.txt'}: empty file" in expected
    rows = cp_spark.read(spark, paths, target_bytes=TARGET).toArrow().to_pylist()
    assert len(rows) == len(expected)
    failed = [f"{r['failure']['source']}: {r['failure']['message']}" for r in rows if r["failure"]]
    assert failed == [f"{broken / 'empty.txt'}: empty file"]
    assert [r["id"] for r in rows if not r["failure"]] == [
        json.loads(e)["id"] for e in expected if e.startswith("{")
    ]


def test_the_command_line_gives_the_local_output(spark: SparkSession, tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_bytes(b"  ")
    paths = [str(SEEDS), str(tmp_path / "blank.txt"), str(FIXTURES / "cablegate-html")]
    here = CliRunner().invoke(main, ["parse", *paths])
    there = CliRunner().invoke(main, ["parse", *paths, "--engine", "spark"])
    assert here.exit_code == there.exit_code == 1
    assert there.stdout == here.stdout and there.stdout.count("\n") == 15
    assert there.stderr == here.stderr == f"{tmp_path / 'blank.txt'}: no text, only white space\n"


def test_a_failure_on_an_executor_is_in_the_report(spark: SparkSession, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEEDS / "002_304b85bcb573f93c.txt", folder)
    (folder / "blank.txt").write_bytes(b" \n \n")
    report = cp_spark.write_dataset(spark, [folder], tmp_path / "ds")
    assert report.documents == 1
    assert [str(f) for f in report.failures] == [
        f"{folder / 'blank.txt'}: no text, only white space"
    ]


def test_a_dataset_is_not_written_over(spark: SparkSession, tmp_path: Path) -> None:
    cp_spark.write_dataset(spark, [SEEDS], tmp_path / "ds")
    with pytest.raises(arrow.DatasetError, match="already there"):
        cp_spark.write_dataset(spark, [SEEDS], tmp_path / "ds")
