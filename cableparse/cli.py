"""The command line: thin click commands over the library."""

from __future__ import annotations

import json
import sys

import click

from cableparse import __version__
from cableparse.parsing import parse_sources
from cableparse.sources import Failure


def dumps(record: dict[str, object]) -> str:
    """One record as one JSON line: stable key order, non-ASCII kept readable."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cableparse")
def main() -> None:
    """Turn diplomatic cables and news articles into one searchable, citable archive.

    \b
    Start with:
      cableparse parse seeds/ --format jsonl     # records on stdout
      cableparse ingest seeds/                   # into ./archive/
      cableparse show BAKU-000433 --para 10      # cite a paragraph
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "json"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one record per line; json: one pretty-printed array.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes that parse in parallel (output order is kept).",
)
def parse(paths: tuple[str, ...], fmt: str, jobs: int) -> None:
    """Parse files or folders and print one record per document on stdout.

    PATHS may be files or folders (read recursively). Problems go to stderr as
    `PATH: message`; the other inputs are still parsed; the exit status is 1 if any failed.

    \b
    Examples:
      cableparse parse seeds/002_304b85bcb573f93c.txt
      cableparse parse ../corpus --format jsonl > records.jsonl
    """
    failed = 0
    records: list[dict[str, object]] = []
    for item in parse_sources(paths, jobs=jobs):
        if isinstance(item, Failure):
            failed += 1
            click.echo(str(item), err=True)
        elif fmt == "jsonl":
            sys.stdout.write(dumps(item.to_record()) + "\n")
        else:
            records.append(item.to_record())
    if fmt == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    if failed:
        sys.exit(1)
