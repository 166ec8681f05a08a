"""The command line: thin click commands over the library."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from cableparse import __version__, render
from cableparse.archive import (
    DB_NAME,
    Archive,
    ArchiveError,
    LookupFailed,
    damage_message,
    default_location,
    is_damage,
)
from cableparse.inputs import DEFAULT_MAX_MB, MAX_SIZE_ENV, Failure, Source
from cableparse.model import record_json


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


def _set_max_size(ctx: click.Context, param: click.Parameter, value: float | None) -> None:
    # Through the environment, so that --jobs worker processes apply the same limit.
    if value is not None:
        os.environ[MAX_SIZE_ENV] = repr(value)


MAX_SIZE_OPTION = click.option(
    "--max-size",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="MB",
    expose_value=False,
    callback=_set_max_size,
    help=f"A document larger than this fails. [default: ${MAX_SIZE_ENV}, else {DEFAULT_MAX_MB:g}]",
)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@MAX_SIZE_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "json", "parquet"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one record per line; json: one pretty-printed array; parquet: a dataset "
    "in the folder -o names (docs/record.md).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    metavar="DIR",
    help="The dataset's folder, for --format parquet.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes that parse in parallel (output order is kept); local engine.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask", "spark"]),
    default="local",
    show_default=True,
    help="local: this machine's processes (--jobs); dask: a Dask cluster (pip install "
    "'cableparse[dask]'), a LocalCluster of one worker a core unless --scheduler is given; "
    "spark: a Spark cluster (pip install 'cableparse[spark]'; Java), local[N] unless "
    "--scheduler is given.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="The Dask scheduler (tcp://host:8786) or the Spark master (spark://host:7077, yarn) "
    "to run on; with --engine dask or spark.",
)
def parse(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    jobs: int,
    engine: str,
    scheduler: str | None,
) -> None:
    """Parse files, folders or `-` (standard input) and print one record per document.

    PATHS may be files or folders (read recursively); a Parquet dataset's folder gives its
    records as they are. Problems go to stderr as `PATH: message`; the other inputs are still
    parsed; the exit status is 1 if any failed. With --engine dask or spark the inputs are read
    in parts on the cluster's workers (a cables.csv in byte ranges) and the output is the same;
    the workers write the dataset of --format parquet, so -o must be a folder they all reach.
    With dask, PATHS may be fsspec URLs (s3://...).

    \b
    Examples:
      cableparse parse seeds/002_304b85bcb573f93c.txt
      cableparse parse ../corpus --format jsonl > records.jsonl
      cableparse parse ../corpus --format parquet -o corpus.parquet
      cat cable.txt | cableparse parse -
      cableparse parse cables.csv --engine dask --scheduler tcp://10.0.0.5:8786
      cableparse parse cables.csv --engine spark --format parquet -o cables.parquet
    """
    # Loaded by the commands that read inputs only (see cableparse/__init__.py).
    from cableparse import pipeline

    if scheduler is not None and engine == "local":
        raise click.UsageError("--scheduler is for --engine dask or spark")
    if (fmt == "parquet") != (output is not None):
        raise click.UsageError("-o DIR goes with --format parquet, and only with it")
    if engine == "dask":
        _parse_on_dask(paths, fmt, output, scheduler)
    elif engine == "spark":
        _parse_on_spark(paths, fmt, output, scheduler)
    elif output is not None:
        runner = pipeline.LocalPool(jobs)
        failed = _write_dataset(pipeline.pairs(pipeline.read_inputs(paths), runner), output)
        sys.exit(1 if failed else 0)
    else:
        _print_records(pipeline.records(pipeline.read_inputs(paths), pipeline.LocalPool(jobs)), fmt)


def _parse_on_dask(
    paths: tuple[str, ...], fmt: str, output: str | None, scheduler: str | None
) -> None:
    try:
        from cableparse import dask as dask_engine
    except ImportError as exc:
        raise click.ClickException(str(exc)) from exc
    with dask_engine.connect(scheduler) as client:
        if output is None:
            _print_records(dask_engine.records(paths, client), fmt)
            return
        arrow = _arrow()
        try:
            written = dask_engine.to_parquet(
                paths, output, client, on_error=lambda f: click.echo(str(f), err=True)
            )
        except (arrow.DatasetError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
    sys.exit(1 if written.failures else 0)


def _parse_on_spark(
    paths: tuple[str, ...], fmt: str, output: str | None, master: str | None
) -> None:
    try:
        from cableparse import spark as spark_engine
    except ImportError as exc:
        raise click.ClickException(str(exc)) from exc
    with spark_engine.running(master) as session:
        if output is None:
            _print_records(spark_engine.records(session, paths), fmt)
            return
        arrow = _arrow()
        try:
            report = spark_engine.write_dataset(session, paths, output)
        except (arrow.DatasetError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
    for failure in report.failures:
        click.echo(str(failure), err=True)
    sys.exit(1 if report.failures else 0)


def _print_records(items: Iterable[dict[str, Any] | Failure], fmt: str) -> None:
    failed = 0
    records: list[dict[str, object]] = []
    for item in items:
        if isinstance(item, Failure):
            failed += 1
            click.echo(str(item), err=True)
        elif fmt == "jsonl":
            sys.stdout.write(record_json(item) + "\n")
        else:
            records.append(item)
    if fmt == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    if failed:
        sys.exit(1)


def _write_dataset(items: Iterable[tuple[Source, dict[str, Any]] | Failure], out: str) -> int:
    """Write a Parquet dataset of the pairs, each Failure on stderr; returns the failures."""
    arrow = _arrow()
    failed = 0

    def ok() -> Iterator[tuple[Source, dict[str, Any]]]:
        nonlocal failed
        for item in items:
            if isinstance(item, Failure):
                failed += 1
                click.echo(str(item), err=True)
            else:
                yield item

    try:
        arrow.write_dataset(arrow.table_batches(ok()), out)
    except (arrow.DatasetError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    return failed


def _write_references(rows: Iterable[dict[str, Any]], out: str) -> None:
    """The references table as `references/` of a dataset's folder (arrow.write_references)."""
    arrow = _arrow()
    try:
        arrow.write_references(rows, out)
    except (arrow.DatasetError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc


def _arrow() -> ModuleType:
    try:
        from cableparse import arrow
    except ImportError as exc:
        raise click.ClickException(str(exc)) from exc
    return arrow


# ---- the archive -------------------------------------------------------------------------------

ARCHIVE_OPTION = click.option(
    "--archive",
    "archive_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="The archive folder. [default: $CABLEPARSE_ARCHIVE, else ./archive]",
)


@contextmanager
def open_archive(archive_dir: str | None, create: bool = False) -> Iterator[Archive]:
    """The archive, closed after; its errors, and damage that a read meets on the way (a page
    that SQLite finds malformed), as one line: `PATH: damaged archive: ...`."""
    try:
        archive = Archive(archive_dir, create, on_wait=lambda note: click.echo(note, err=True))
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    with archive:
        try:
            yield archive
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            raise click.ClickException(damage_message(archive.path, str(exc))) from exc


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@ARCHIVE_OPTION
@MAX_SIZE_OPTION
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="the number of cores",
    help="Worker processes that parse in parallel; one process writes.",
)
def ingest(paths: tuple[str, ...], archive_dir: str | None, jobs: int) -> None:
    """Parse files, folders or `-` (standard input) into the archive.

    Idempotent: the same bytes again are reported as unchanged; a changed file is stored as a
    new version (the old one and its bytes are kept). Each failure goes to stderr as
    `PATH: reason`, the rest is still ingested, and the exit status is 1 if anything failed.
    A Parquet dataset's folder (parse or export --format parquet) is stored as its records
    are, with their sources' bytes, without parsing again.

    \b
    Examples:
      cableparse ingest seeds/
      cableparse ingest cables.csv --archive ~/cablegate
      cableparse ingest corpus.parquet
      cat cable.txt | cableparse ingest -
    """
    from cableparse import pipeline  # see parse

    with open_archive(archive_dir, create=True) as archive:
        try:
            with progress("Ingesting") as bar:
                report = pipeline.ingest(
                    pipeline.read_inputs(paths),
                    archive,
                    pipeline.LocalPool(jobs),
                    asked=" ".join(paths),
                    progress=bar,
                )
        except KeyboardInterrupt:
            click.echo("interrupted: the batch being written was rolled back", err=True)
            sys.exit(130)
    for failure in report.failures:
        click.echo(str(failure), err=True)
    click.echo(f"{report.summary()} ({archive.folder}/)")
    if report.failed:
        sys.exit(1)


class _Quiet:
    """Stands in for a progress bar when stderr is not a terminal."""

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def progress(label: str) -> Any:
    """A progress bar on a terminal; nothing at all when stderr is a pipe or a file."""
    if not sys.stderr.isatty():
        return _Quiet()
    return click.progressbar(
        length=0, label=label, file=sys.stderr, show_pos=True, show_percent=False, show_eta=False
    )


def parse_para_spec(spec: str) -> list[int]:
    """'10' -> [10]; '3-5' -> [3, 4, 5]; '2,7' -> [2, 7]."""
    out: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        try:
            if "-" in part:
                first, last = (int(x) for x in part.split("-", 1))
                out.extend(range(first, last + 1))
            else:
                out.append(int(part))
        except ValueError as exc:
            raise click.BadParameter(f"{spec!r}: give N, N-M or N,M", param_hint="--para") from exc
    return out


def resolve_or_exit(archive: Archive, doc_id: str) -> dict[str, Any]:
    """The record an id names, or exit status 2 with the candidates or the closest ids."""
    try:
        return archive.resolve(doc_id)
    except LookupFailed as exc:
        click.echo(f"cableparse: {exc}", err=True)
        if exc.candidates:
            label = "candidates" if "ambiguous" in str(exc) else "closest ids"
            click.echo(f"{label}: " + ", ".join(exc.candidates), err=True)
        sys.exit(2)


@main.command()
@click.argument("doc_id", metavar="ID")
@ARCHIVE_OPTION
@click.option("--para", "para", default=None, metavar="N", help="Paragraph N only (N-M, N,M).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored record as JSON.")
@click.option(
    "--raw", is_flag=True, help="Print the original source text (or the paragraph's span)."
)
@click.option("--versions", is_flag=True, help="List the stored versions and their sources.")
@click.option(
    "--refs", is_flag=True, help="List the cable's references and what the archive holds of them."
)
@click.option("--cited-by", is_flag=True, help="List the cables whose REF lines name this one.")
def show(
    doc_id: str,
    archive_dir: str | None,
    para: str | None,
    as_json: bool,
    raw: bool,
    versions: bool,
    refs: bool,
    cited_by: bool,
) -> None:
    """Show a document by its id, in any form: BAKU-000433, 09BAKU433, 09baku000433, BAKU 433.

    \b
    Examples:
      cableparse show BAKU-000433 --para 10      # cite paragraph 10
      cableparse show 09baku433                  # the whole cable
      cableparse show 09BAKU433 --para 3-5 --raw # the exact source text of 3 to 5
      cableparse show 09BAKU433 --json           # the stored record
      cableparse show 09BAKU139 --refs           # the cables it answers, with their titles
      cableparse show 09BAKU139 --cited-by       # the later cables that cite it, by date
    """
    with open_archive(archive_dir) as archive:
        record = resolve_or_exit(archive, doc_id)
        if refs or cited_by:
            if refs:
                click.echo(render.links(record, archive.refs(record), cited_by=False), nl=False)
            if cited_by:
                click.echo(render.links(record, archive.cited_by(record), cited_by=True), nl=False)
            return
        if versions:
            for v in archive.versions(record):
                mark = "current" if v["current"] else "older"
                click.echo(
                    f"{mark:8} {v['ingested'] or '?':20} {v['sha256'][:12]}  "
                    + ", ".join(v["paths"])
                )
            return
        paragraphs = record["paragraphs"]
        if para is not None:
            wanted = parse_para_spec(para)
            paragraphs = [p for p in paragraphs if p["number"] in wanted]
            if not paragraphs:
                numbers = [p["number"] for p in record["paragraphs"] if p["number"] is not None]
                have = f"{min(numbers)}-{max(numbers)}" if numbers else "none"
                click.echo(
                    f"cableparse: {record['id']} has no paragraph {para} "
                    f"(numbered paragraphs: {have})",
                    err=True,
                )
                sys.exit(2)
        if as_json:
            if para is None:
                click.echo(json.dumps(record, ensure_ascii=False, indent=2))
            else:
                click.echo(json.dumps(paragraphs, ensure_ascii=False, indent=2))
            return
        if raw:
            text = archive.text_of(record)
            if para is None:
                click.echo(text)
            else:
                for p in paragraphs:
                    click.echo(text[p["span"][0] : p["span"][1]])
            return
        click.echo(render.document(record, paragraphs, whole=para is None))


@main.command()
@click.argument("query")
@ARCHIVE_OPTION
@click.option("--limit", default=20, show_default=True, help="At most this many hits.")
def search(query: str, archive_dir: str | None, limit: int) -> None:
    """Full-text search of titles and paragraphs, with citations (ID ¶N).

    All the words must occur; the hits are ranked best first (bm25). Words found in more than
    20,000 paragraphs are ranked among the 20,000 most recently stored of them.

    \b
    Examples:
      cableparse search "Lachin corridor"
      cableparse search Abiyev --limit 5
    """
    with open_archive(archive_dir) as archive:
        hits = archive.search(query, limit=limit)
    shown: dict[str, list[str]] = {}
    for hit in hits:
        # One entry per document, its matching paragraphs under it, best document first.
        where = f"¶{hit.number}" if hit.number is not None else "·"
        shown.setdefault(hit.id, []).append(f"    {where} {hit.snippet}")
    for doc_id, lines in shown.items():
        first = next(h for h in hits if h.id == doc_id)
        cite = f"{doc_id} ({first.reference_id})" if first.reference_id else doc_id
        click.echo(f"{cite}  {first.title or ''}")
        click.echo("\n".join(lines))
    if not hits:
        click.echo(f"no hits for {query!r}", err=True)


@main.command()
@click.argument("doc_id", metavar="ID")
@ARCHIVE_OPTION
@click.option(
    "--kind", type=click.Choice(["cable", "article"]), default=None, help="Only this kind."
)
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Only documents dated within N days of this one.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=10, show_default=True, help="At most this many."
)
def related(
    doc_id: str, archive_dir: str | None, kind: str | None, days: int | None, limit: int
) -> None:
    """The documents most about the same events as ID: a cable's articles, an article's
    cables, cables near a cable.

    Ranked by the full-text index (bm25) over ID's most distinctive terms (names, places,
    rare words; not stop words), weighted by closeness in date: a year apart halves a
    score. Each comes with why: the terms it shares with ID and the days between them.

    \b
    Examples:
      cableparse related BAKU-000433                    # what else is about these events
      cableparse related 09BAKU433 --kind article       # the press on this cable's events
      cableparse related 09BAKU433 --kind cable --days 90
    """
    with open_archive(archive_dir) as archive:
        record = resolve_or_exit(archive, doc_id)
        found = archive.related(record, kind=kind, days=days, limit=limit)
    click.echo(render.related(record, found), nl=False)


FILTERS = [
    click.option("--tag", default=None, help="Only cables with this TAGS entry (e.g. PREL)."),
    click.option("--since", default=None, metavar="YYYY-MM-DD", help="Dated on or after."),
    click.option("--until", default=None, metavar="YYYY-MM-DD", help="Dated on or before."),
    click.option("--kind", type=click.Choice(["cable", "article"]), default=None),
]


def with_filters(f: Any) -> Any:
    for option in reversed(FILTERS):
        f = option(f)
    return f


@main.command(name="list")
@ARCHIVE_OPTION
@with_filters
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option("--limit", type=int, default=None, help="At most this many rows.")
def list_(
    archive_dir: str | None,
    tag: str | None,
    since: str | None,
    until: str | None,
    kind: str | None,
    fmt: str,
    limit: int | None,
) -> None:
    """List documents: id, date, classification, title.

    \b
    Examples:
      cableparse list --tag PREL --since 2009-01-01
      cableparse list --kind article --format csv > articles.csv
    """
    with open_archive(archive_dir) as archive:
        rows = [render.summary_row(r) for r in archive.records(tag, since, until, kind, limit)]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=render.SUMMARY_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    else:
        click.echo(render.table(rows))


@main.command()
@ARCHIVE_OPTION
@with_filters
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet"]),
    default="jsonl",
    show_default=True,
)
@click.option(
    "--references",
    is_flag=True,
    help="Export the references table instead: one row per REF item, resolved.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=str),
    default="-",
    help="The file to write; for parquet, the dataset's folder. [default: standard output]",
)
def export(
    archive_dir: str | None,
    tag: str | None,
    since: str | None,
    until: str | None,
    kind: str | None,
    fmt: str,
    references: bool,
    output: str,
) -> None:
    """Export the records: jsonl (the record of docs/record.md, one per line), csv (one row
    per paragraph, for spreadsheets, pandas and R) or parquet (a dataset of the records, their
    paragraphs and their sources' bytes, which `ingest` loads into another archive).

    With --references, the references table instead: one row (or JSON object) per REF item
    of the cables kept, with the canonical id it cites and the archived document that id
    names (empty where the archive does not hold it).

    \b
    Examples:
      cableparse export --format jsonl -o all.jsonl
      cableparse export --format csv --tag PREL -o prel.csv
      cableparse export --format parquet -o archive.parquet
      cableparse export --references --format csv -o references.csv
    """
    if fmt == "parquet" and output == "-":
        raise click.UsageError("--format parquet writes a folder: give it with -o DIR")
    with open_archive(archive_dir) as archive:
        if references:
            rows = (render.reference_row(link) for link in archive.links(tag, since, until, kind))
            if fmt == "parquet":
                _write_references(rows, output)
                return
            with click.open_file(output, "w", encoding="utf-8") as out:
                if fmt == "jsonl":
                    for row in rows:
                        out.write(record_json(row) + "\n")
                else:
                    writer = csv.DictWriter(out, fieldnames=render.REFERENCE_FIELDS)
                    writer.writeheader()
                    writer.writerows(rows)
            return
        records = archive.records(tag, since, until, kind)
        if fmt == "parquet":
            try:
                _write_dataset(((archive.source_of(r), r) for r in records), output)
            except ArchiveError as exc:
                raise click.ClickException(str(exc)) from exc
            _write_references(
                (render.reference_row(link) for link in archive.links(tag, since, until, kind)),
                output,
            )
            return
        with click.open_file(output, "w", encoding="utf-8") as out:
            if fmt == "jsonl":
                for record in records:
                    out.write(record_json(record) + "\n")
            else:
                writer = csv.DictWriter(out, fieldnames=render.PARAGRAPH_FIELDS)
                writer.writeheader()
                for record in records:
                    writer.writerows(render.paragraph_rows(record))


@main.command()
@ARCHIVE_OPTION
def verify(archive_dir: str | None) -> None:
    """Check the whole archive: SQLite's integrity check of every page, every source's bytes
    still have their sha256, every document has its source and its paragraphs. Exit status 1
    names what is wrong; for a damaged database, what can still be read and the command that
    makes a new archive of it (`cableparse recover`).
    """
    from cableparse.repair import inspect

    path = Path(archive_dir or default_location()) / DB_NAME
    try:
        archive = Archive(archive_dir)
    except ArchiveError as exc:
        # Damage that stops the opening (an empty file, a page of the schema) is a finding too.
        finding = inspect(path) if path.is_file() else None
        if finding is None:
            raise click.ClickException(str(exc)) from exc
        click.echo("\n".join(finding.lines()))
        sys.exit(1)
    with archive:
        finding = archive.damage()
        if finding is not None:
            click.echo("\n".join(finding.lines()))
            sys.exit(1)
        try:
            problems = archive.verify_contents()
            counts = archive.counts()
        except sqlite3.DatabaseError as exc:
            # Damage that appeared since the page check (another process's write reached it).
            if not is_damage(exc):
                raise
            raise click.ClickException(damage_message(archive.path, str(exc))) from exc
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(
        f"{counts['documents']} documents, {counts['versions']} versions, "
        f"{counts['sources']} sources: " + ("ok" if not problems else f"{len(problems)} problems")
    )
    if problems:
        sys.exit(1)


@main.command()
@ARCHIVE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
def serve(archive_dir: str | None, host: str, port: int) -> None:
    """Read the archive in a web browser: Datasette over it, read-only, with a page for each
    document (/cable/ID, every id form) and a search page with citations (/search).

    Needs the serve extra: pip install 'cableparse[serve]'. The archive is opened immutable:
    serve it when no ingest is writing to it.

    \b
    Examples:
      cableparse serve                           # http://127.0.0.1:8001/
      cableparse serve --archive ~/cablegate --port 8080
    """
    try:
        from cableparse.web.serve import address, check_archive, listen, run
    except ModuleNotFoundError as exc:
        raise click.ClickException(
            f"cableparse serve needs Datasette ({exc.name} is not installed): "
            "pip install 'cableparse[serve]'"
        ) from exc
    try:
        folder = check_archive(archive_dir, say=lambda message: click.echo(message, err=True))
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        sock = listen(host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    # Flushed at once: a script or a test waits for this line on a pipe.
    click.echo(f"Serving {folder}/ at {address(sock)} (Ctrl-C stops)")
    sys.stdout.flush()
    run(folder, sock)


@main.command()
@click.argument("damaged", type=click.Path(exists=True, path_type=str))
@click.option(
    "--archive",
    "archive_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="The new archive folder to make (it must hold no archive yet).",
)
@click.option(
    "--sqlite3",
    "tool",
    default=None,
    metavar="PATH",
    help="SQLite's command-line tool, whose .recover saves more rows; '' for none. "
    "[default: sqlite3 on PATH]",
)
def recover(damaged: str, archive_dir: str, tool: str | None) -> None:
    """Make a new archive from a damaged one: every stored source whose bytes can still be read
    (with the paths it was seen under) is parsed again. The damaged file is only read.
    Prints what was lost, by path and sha256; exit status 1 if anything was, or nothing could
    be read.

    \b
    Examples:
      cableparse verify --archive archive          # says whether it is damaged
      cableparse recover archive --archive archive-recovered
    """
    from cableparse.repair import recover as recover_archive

    try:
        report = recover_archive(damaged, archive_dir, sqlite3_tool=tool)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    for failure in report.ingest.failures:
        click.echo(str(failure), err=True)
    for path, sha in report.lost:
        click.echo(f"lost: {path} (sha256 {sha})", err=True)
    if report.unnamed:
        click.echo(f"lost: {report.unnamed} more sources that nothing readable names", err=True)
    made = report.ingest.new + report.ingest.updated
    short = report.recorded > made
    if short:
        click.echo(
            f"lost: the damaged archive's runs count {report.recorded} documents stored, "
            f"{made} are made again",
            err=True,
        )
    how = "sqlite3 .recover and the archive's own rows" if report.used_cli else "the rows"
    click.echo(
        f"{report.saved} sources saved (read from {how}), "
        f"{max(len(report.lost) + report.unnamed, report.recorded - made)} lost; "
        f"{report.ingest.summary()} ({archive_dir}/)"
    )
    if report.lost or report.unnamed or short or report.ingest.failed or not report.saved:
        sys.exit(1)


@main.command()
@ARCHIVE_OPTION
@click.argument("dest", type=click.Path(file_okay=False, path_type=str))
def backup(archive_dir: str | None, dest: str) -> None:
    """Copy the archive into the folder DEST (a new archive) through SQLite's online backup:
    one consistent copy, taken while other processes read and ingest.

    \b
    Examples:
      cableparse backup --archive archive /mnt/backup/archive-2026-12-04
      cableparse verify --archive /mnt/backup/archive-2026-12-04
    """
    from cableparse.repair import backup as backup_archive

    try:
        target = backup_archive(archive_dir or default_location(), dest)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up to {target}/")
