"""The command line: thin click commands over the library."""

from __future__ import annotations

import csv
import json
import os
import sys
from typing import Any

import click

from cableparse import __version__, render
from cableparse.archive import Archive, ArchiveError, LookupFailed
from cableparse.inputs import DEFAULT_MAX_MB, MAX_SIZE_ENV, Failure
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
    """Parse files, folders or `-` (standard input) and print one record per document.

    PATHS may be files or folders (read recursively). Problems go to stderr as
    `PATH: message`; the other inputs are still parsed; the exit status is 1 if any failed.

    \b
    Examples:
      cableparse parse seeds/002_304b85bcb573f93c.txt
      cableparse parse ../corpus --format jsonl > records.jsonl
      cat cable.txt | cableparse parse -
    """
    # Loaded by the commands that read inputs only (see cableparse/__init__.py).
    from cableparse import pipeline

    failed = 0
    records: list[dict[str, object]] = []
    for item in pipeline.records(pipeline.read_inputs(paths), pipeline.LocalPool(jobs)):
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


# ---- the archive -------------------------------------------------------------------------------

ARCHIVE_OPTION = click.option(
    "--archive",
    "archive_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="The archive folder. [default: $CABLEPARSE_ARCHIVE, else ./archive]",
)


def open_archive(archive_dir: str | None, create: bool = False) -> Archive:
    try:
        return Archive(archive_dir, create=create, on_wait=lambda note: click.echo(note, err=True))
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc


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

    \b
    Examples:
      cableparse ingest seeds/
      cableparse ingest cables.csv --archive ~/cablegate
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
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc
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
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--references",
    is_flag=True,
    help="Export the references table instead: one row per REF item, resolved.",
)
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="The file to write. [default: standard output]",
)
def export(
    archive_dir: str | None,
    tag: str | None,
    since: str | None,
    until: str | None,
    kind: str | None,
    fmt: str,
    references: bool,
    output: Any,
) -> None:
    """Export the records: jsonl (the record of docs/record.md, one per line) or csv (one row
    per paragraph, for spreadsheets, pandas and R).

    With --references, the references table instead: one row (or JSON object) per REF item
    of the cables kept, with the canonical id it cites and the archived document that id
    names (empty where the archive does not hold it).

    \b
    Examples:
      cableparse export --format jsonl -o all.jsonl
      cableparse export --format csv --tag PREL -o prel.csv
      cableparse export --references --format csv -o references.csv
    """
    with open_archive(archive_dir) as archive:
        if references:
            rows = (render.reference_row(link) for link in archive.links(tag, since, until, kind))
            if fmt == "jsonl":
                for row in rows:
                    output.write(record_json(row) + "\n")
            else:
                writer = csv.DictWriter(output, fieldnames=render.REFERENCE_FIELDS)
                writer.writeheader()
                writer.writerows(rows)
            return
        records = archive.records(tag, since, until, kind)
        if fmt == "jsonl":
            for record in records:
                output.write(record_json(record) + "\n")
        else:
            writer = csv.DictWriter(output, fieldnames=render.PARAGRAPH_FIELDS)
            writer.writeheader()
            for record in records:
                writer.writerows(render.paragraph_rows(record))


@main.command()
@ARCHIVE_OPTION
def verify(archive_dir: str | None) -> None:
    """Check the whole archive: every source's bytes still have their sha256, every document
    has its source and its paragraphs. Exit status 1 names what is wrong.
    """
    with open_archive(archive_dir) as archive:
        problems = archive.verify()
        counts = archive.counts()
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(
        f"{counts['documents']} documents, {counts['versions']} versions, "
        f"{counts['sources']} sources: " + ("ok" if not problems else f"{len(problems)} problems")
    )
    if problems:
        sys.exit(1)
