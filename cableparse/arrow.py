"""The Parquet dataset: one Arrow schema for the records, their paragraphs and their sources.

A dataset is a folder with three tables, each a folder of part files that DuckDB, pandas,
polars, Spark and Dask read as they are:

- `documents/`: one row a record, its columns the record's keys (docs/record.md), nested
  values typed as lists, structs and maps;
- `paragraphs/`: one row a paragraph, flat, with its document's `id` and `sha256`;
- `sources/`: one row a record, its source: the original bytes, where they were read, and the
  text the record's spans index, so that an archive loaded from the dataset stays lossless.

The part files of one name in `documents/` and `sources/` hold the same documents in the same
order (the nth source row is the nth record's source): a dataset is read back part by part, in
bounded memory, without a join over the whole of it.

This module needs pyarrow: `pip install 'cableparse[parquet]'`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cableparse.inputs import Source, is_dataset
from cableparse.model import SCHEMA
from cableparse.render import REFERENCE_FIELDS

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "Parquet needs pyarrow, an extra of cableparse: pip install 'cableparse[parquet]'"
    ) from exc

__all__ = [
    "SCHEMAS",
    "TABLES",
    "DatasetError",
    "is_dataset",
    "parts",
    "read_dataset",
    "read_part",
    "table_batches",
    "tables",
    "write_dataset",
    "write_references",
]

TABLES = ("documents", "paragraphs", "sources")
# Documents a part file holds before the next one is begun: a part file is one unit of work
# for a reader that splits the dataset (Dask, Spark), and rows are written a batch at a time.
ROWS_PER_FILE = 100_000
# Documents in one row group as table_batches makes them, and rows read from a part file at a
# time: a few megabytes of cables.
BATCH = 500

_str = pa.string()
_int = pa.int64()
_strings = pa.list_(_str)
_span = pa.list_(_int)

# Every field inside a struct or list may be null as Arrow sees it (which fields the record
# requires is the JSON Schema's business): a cable's `origin` is null where the whole `cable` is,
# and a reader that casts another writer's file to this schema (Spark marks every field
# nullable) would otherwise refuse the articles' rows.
_PARAGRAPH = pa.struct(
    [
        ("number", _int),
        ("label", _str),
        ("marking", _str),
        ("heading", _str),
        ("text", _str),
        ("span", _span),
    ]
)
_RECIPIENT = pa.struct([("route", _str), ("name", _str), ("precedence", _str), ("mcn", _str)])
_CABLE = pa.struct(
    [
        ("reference_id", _str),
        ("origin", _str),
        ("serial", _int),
        ("from", _str),
        ("to", pa.list_(_RECIPIENT)),
        ("info", pa.list_(_RECIPIENT)),
        ("transmission_id", _str),
        ("precedence", _str),
        ("dtg", _str),
        ("section", pa.struct([("number", _int), ("of", _int)])),
        ("handling", _strings),
        ("eo", _str),
        ("declassify_on", _str),
        ("tags", _strings),
        ("subject", _str),
        (
            "references",
            pa.list_(
                pa.struct(
                    [
                        ("label", _str),
                        ("text", _str),
                        ("kind", _str),
                        ("id", _str),
                    ]
                )
            ),
        ),
        ("classified_by", pa.struct([("text", _str), ("name", _str), ("title", _str)])),
        ("reasons", _strings),
        ("signed_by", _strings),
        ("summary", _str),
    ]
)
_ARTICLE = pa.struct(
    [
        ("headline", _str),
        ("deck", _str),
        ("dateline", pa.struct([("place", _str), ("agency", _str), ("text", _str)])),
        ("byline", _str),
        ("published", _str),
        ("captions", _strings),
    ]
)
# The provenance's maps: their keys vary from record to record (a CSV's columns, the fields
# read), so they are maps, not structs, which keeps "absent" apart from "null".
_MAPS = ("external", "field_sources", "spans")
_PROVENANCE = pa.struct(
    [
        ("source", _str),
        ("sha256", _str),
        ("encoding", _str),
        ("format", _str),
        ("parser", _str),
        ("parser_version", _str),
        ("warnings", _strings),
        ("row", _int),
        ("offset", _int),
        ("length", _int),
        ("external", pa.map_(_str, _str)),
        ("field_sources", pa.map_(_str, _str)),
        ("spans", pa.map_(_str, _span)),
    ]
)


def _schema(table: str, fields: list[pa.Field]) -> pa.Schema:
    # The record schema's version goes with every part file, so that a reader can tell a
    # dataset of another version (or no dataset of ours) before it reads a row.
    return pa.schema(fields, metadata={"cableparse.schema": SCHEMA, "cableparse.table": table})


SCHEMAS: dict[str, pa.Schema] = {
    # The record's keys, in the record's order: a row read back is the record.
    "documents": _schema(
        "documents",
        [
            pa.field("schema", _str, nullable=False),
            pa.field("id", _str, nullable=False),
            pa.field("kind", _str, nullable=False),
            pa.field("title", _str),
            pa.field("date", _str),
            pa.field("classification", _str),
            pa.field("aliases", _strings),
            pa.field("paragraphs", pa.list_(_PARAGRAPH)),
            pa.field("cable", _CABLE),
            pa.field("article", _ARTICLE),
            pa.field("provenance", _PROVENANCE, nullable=False),
        ],
    ),
    "paragraphs": _schema(
        "paragraphs",
        [
            pa.field("id", _str, nullable=False),
            pa.field("sha256", _str, nullable=False),
            pa.field("seq", _int, nullable=False),
            pa.field("number", _int),
            pa.field("label", _str),
            pa.field("marking", _str),
            pa.field("heading", _str),
            pa.field("text", _str, nullable=False),
            pa.field("span", _span, nullable=False),
        ],
    ),
    "sources": _schema(
        "sources",
        [
            pa.field("sha256", _str, nullable=False),
            # Large types: one HTML page or dump row may be up to 256 MB, and a batch of them
            # would overflow a plain binary column's 2 GB of offsets.
            pa.field("data", pa.large_binary(), nullable=False),
            pa.field("path", _str, nullable=False),
            pa.field("row", _int),
            pa.field("offset", _int),
            pa.field("format", _str, nullable=False),
            pa.field("encoding", _str, nullable=False),
            pa.field("text", pa.large_string(), nullable=False),
        ],
    ),
}


class DatasetError(Exception):
    """A folder or part file is not a readable cableparse dataset: `path` names it and
    `message` says why."""

    def __init__(self, path: str | Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.message = message


def tables(pairs: Iterable[tuple[Source, dict[str, Any]]]) -> dict[str, pa.Table]:
    """The three tables of some records, each with its Source. The Source's text must be the
    text the record's spans index (pipeline.pairs gives such pairs; for an HTML article that
    is the extracted text, not the page)."""
    documents: list[dict[str, Any]] = []
    paragraphs: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    for src, record in pairs:
        documents.append(record)
        sha = record["provenance"]["sha256"]
        for seq, p in enumerate(record["paragraphs"]):
            paragraphs.append({"id": record["id"], "sha256": sha, "seq": seq, **p})
        sources.append(
            {
                "sha256": sha,
                "data": src.data,
                "path": src.name,
                "row": src.row,
                "offset": src.offset,
                "format": src.format,
                "encoding": src.encoding,
                "text": src.text,
            }
        )
    rows = {"documents": documents, "paragraphs": paragraphs, "sources": sources}
    return {name: pa.Table.from_pylist(rows[name], schema=SCHEMAS[name]) for name in TABLES}


def table_batches(
    pairs: Iterable[tuple[Source, dict[str, Any]]], size: int = BATCH
) -> Iterator[dict[str, pa.Table]]:
    """The tables of a stream of pairs, `size` pairs at a time, for write_dataset."""
    it = iter(pairs)
    while batch := list(itertools.islice(it, size)):
        yield tables(batch)


def write_dataset(
    tables_iter: Iterable[dict[str, pa.Table]],
    out_dir: str | Path,
    *,
    prefix: str = "part",
) -> int:
    """Write batches of tables (as `tables` makes them) as a dataset under `out_dir`, one
    row group a batch, so that memory holds one batch whatever the dataset's size; returns the
    number of documents. Part files are named `{prefix}-NNNNN.parquet`: writers that share
    `out_dir` (one a cluster worker) each take a prefix of their own. Part files of that prefix
    already there are an error, not overwritten: a dataset would mix two runs."""
    out = Path(out_dir)
    for name in TABLES:
        old = sorted((out / name).glob(f"{prefix}-*.parquet"))
        if old:
            raise DatasetError(old[0], "already there; write the dataset to a new folder")
        (out / name).mkdir(parents=True, exist_ok=True)
    written = 0
    part = 0
    writers: dict[str, pq.ParquetWriter] = {}
    try:
        for batch in tables_iter:
            if not writers or written >= (part + 1) * ROWS_PER_FILE:
                for writer in writers.values():
                    writer.close()
                if writers:
                    part += 1
                writers = _open_part(out, prefix, part)
            for name in TABLES:
                writers[name].write_table(batch[name])
            written += batch["documents"].num_rows
        if not writers:
            # An empty dataset still has its tables, so that readers see the columns.
            writers = _open_part(out, prefix, part)
    finally:
        for writer in writers.values():
            writer.close()
    return written


# The archive's references table as `export --format parquet` writes it beside the dataset
# (render.REFERENCE_FIELDS, resolved when exported): one row a REF item of a cable.
REFERENCES = _schema(
    "references",
    [
        pa.field(name, _int if name in ("span_start", "span_end") else _str)
        for name in REFERENCE_FIELDS
    ],
)


def write_references(rows: Iterable[dict[str, Any]], out_dir: str | Path) -> int:
    """Write the references table's rows as `out_dir/references/part-00000.parquet`, a batch
    at a time; returns the rows written. A references table already there is an error."""
    folder = Path(out_dir) / "references"
    if folder.exists() and any(folder.iterdir()):
        raise DatasetError(folder, "already there; write the dataset to a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    it = iter(rows)
    with pq.ParquetWriter(folder / "part-00000.parquet", REFERENCES, compression="zstd") as w:
        while batch := list(itertools.islice(it, BATCH)):
            w.write_table(pa.Table.from_pylist(batch, schema=REFERENCES))
            written += len(batch)
    return written


def _open_part(out: Path, prefix: str, part: int) -> dict[str, pq.ParquetWriter]:
    return {
        name: pq.ParquetWriter(
            out / name / f"{prefix}-{part:05d}.parquet", SCHEMAS[name], compression="zstd"
        )
        for name in TABLES
    }


def parts(path: str | Path) -> list[tuple[Path, Path]]:
    """A dataset's part files, each documents/ file with its sources/ file, in order."""
    root = Path(path)
    if not is_dataset(root):
        raise DatasetError(root, "not a cableparse dataset (no documents/ and sources/ in it)")
    documents = sorted((root / "documents").glob("*.parquet"))
    sources = sorted((root / "sources").glob("*.parquet"))
    if len(documents) != len(sources):
        raise DatasetError(
            root, f"{len(documents)} part files in documents/ but {len(sources)} in sources/"
        )
    return list(zip(documents, sources, strict=True))


def read_dataset(path: str | Path) -> Iterator[tuple[Source, dict[str, Any]]]:
    """The records of a dataset, each with its Source (its original bytes, and as its text
    the text the spans index), in the order they were written. A folder that is not a
    dataset, a part file that is not ours or is damaged raises DatasetError naming it."""
    for doc_file, src_file in parts(path):
        yield from read_part(doc_file, src_file)


def read_part(doc_file: Path, src_file: Path) -> Iterator[tuple[Source, dict[str, Any]]]:
    """The records of one part file of documents/, each with its source from the part file
    of the same place in sources/."""
    docs = _rows(doc_file, "documents")
    srcs = _rows(src_file, "sources")
    for n, (record, row) in enumerate(itertools.zip_longest(docs, srcs)):
        if record is None or row is None:
            raise DatasetError(
                src_file,
                f"not as many rows as {doc_file.name} of documents/ (the part files of one "
                "place in documents/ and sources/ hold the same documents)",
            )
        if record["schema"] != SCHEMA:
            raise DatasetError(
                doc_file, f"row {n} is a {record['schema']} record; this cableparse reads {SCHEMA}"
            )
        prov = record["provenance"]
        for key in _MAPS:
            prov[key] = dict(prov[key] or ())
        if row["sha256"] != prov["sha256"]:
            raise DatasetError(
                src_file,
                f"row {n} is the source of another document than row {n} of {doc_file.name} "
                f"(sha256 {row['sha256'][:12]}, not {prov['sha256'][:12]})",
            )
        src = Source(
            name=row["path"],
            data=row["data"],
            text=row["text"],
            encoding=row["encoding"],
            format=row["format"],
            row=row["row"],
            offset=row["offset"],
        )
        if src.sha256 != row["sha256"]:
            raise DatasetError(src_file, f"row {n}: the bytes no longer have their sha256")
        yield src, record


def _rows(file: Path, table: str) -> Iterator[dict[str, Any]]:
    """The rows of one part file as the schema's values; a file that is not Parquet, or not
    this table of ours, is a DatasetError."""
    schema = SCHEMAS[table]
    try:
        reader = pq.ParquetFile(file)
        missing = [name for name in schema.names if name not in reader.schema_arrow.names]
        if missing:
            raise DatasetError(
                file, f"not a cableparse {table} table (no column {', '.join(missing)})"
            )
        # One thread: a batch is small, the process is one of a pool (or a cluster's worker)
        # that has the other cores, and Arrow's threads each kept buffers of their own.
        batches = reader.iter_batches(batch_size=BATCH, columns=schema.names, use_threads=False)
        for batch in batches:
            # Another writer (Spark) may have stored plain strings for large ones, or dropped
            # the nullability: the values are what counts.
            yield from pa.Table.from_batches([batch]).cast(schema).to_pylist()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DatasetError(file, f"not a readable Parquet file ({exc})") from exc
