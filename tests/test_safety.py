"""Safety: what a user or a document says never becomes SQL, a file path or code.

Ids, search queries and filters full of quotes, semicolons and FTS5 syntax are answered as
plain text and leave the archive as it was; no document id, title or source name makes a file
appear; the package imports nothing that unpickles, evaluates or opens a network connection.
"""

from __future__ import annotations

import ast
import contextlib
import re
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cableparse.archive import Archive, LookupFailed
from cableparse.cli import main

from .conftest import ROOT, SEED_CABLE
from .fuzzing import check_html

PACKAGE = ROOT / "cableparse"

HOSTILE_STRINGS = [
    "'",
    '"',
    "'; DROP TABLE documents; --",
    '"; DELETE FROM sources; --',
    "1 OR 1=1",
    "') OR ('1'='1",
    "NEAR(baku azerbaijan)",
    "title:baku",
    "baku*",
    "^baku",
    "{text title}: baku",
    "-baku",
    "baku AND NOT azerbaijan OR",
    "x\x00y",
    "%_%",
    "../../../../etc/passwd",
    "..\\..\\windows\\system32",
    "/dev/null",
    "$(touch pwned)",
    "`touch pwned`",
    "BAKU-000433'; --",
]


@pytest.fixture(scope="module")
def archive_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive holding the seed cable and a cable whose name and text are hostile."""
    base = tmp_path_factory.mktemp("safety")
    src = base / "in"
    src.mkdir()
    shutil.copy(SEED_CABLE, src / "seed.txt")
    nasty = "x'; DROP TABLE documents; --.txt"
    (src / nasty).write_text(
        "SECRET BAKU 000999\nTAGS: PREL\nSUBJECT: '; DROP TABLE documents; -- ../../etc/passwd\n"
        '\n1. (C) Robert\'); DROP TABLE paragraphs;-- said "NEAR(a b)" and ../../etc/shadow.\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["ingest", str(src), "--archive", str(base / "archive")])
    assert result.exit_code == 0, result.output
    return base / "archive"


def state(archive: Path) -> tuple[dict[str, int], list[str], list[str]]:
    with Archive(archive) as a:
        return a.counts(), a.verify(), sorted(p.name for p in archive.parent.rglob("*"))


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_hostile_ids_queries_and_filters_are_plain_text(archive_dir: Path, text: str) -> None:
    before = state(archive_dir)
    runner = CliRunner()
    where = ["--archive", str(archive_dir)]
    # "--": a query may start with "-", as "-baku" does.
    shown = runner.invoke(main, ["show", *where, "--", text])
    assert shown.exit_code == 2 and "no document" in shown.stderr, shown.output
    for args in (
        ["search", *where, "--", text],
        ["list", *where, f"--tag={text}"],
        ["list", *where, f"--since={text}", f"--until={text}"],
        ["export", *where, f"--tag={text}"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
    assert state(archive_dir) == before


def test_the_hostile_cable_is_stored_and_found_as_text(archive_dir: Path) -> None:
    runner = CliRunner()
    where = ["--archive", str(archive_dir)]
    shown = runner.invoke(main, ["show", "BAKU-000999", "--para", "1", *where])
    assert "Robert'); DROP TABLE paragraphs;--" in shown.output
    found = runner.invoke(main, ["search", "'); DROP TABLE paragraphs", *where])
    assert "BAKU-000999" in found.output
    versions = runner.invoke(main, ["show", "BAKU 999", "--versions", *where])
    assert "x'; DROP TABLE documents; --.txt" in versions.output
    counts, problems, _ = state(archive_dir)
    assert counts["documents"] == 2 and problems == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=60))
def test_any_query_or_id_is_answered_without_an_error(archive_dir: Path, text: str) -> None:
    with Archive(archive_dir) as a:
        a.search(text)
        with contextlib.suppress(LookupFailed):
            a.resolve(text)


def test_a_nul_in_a_search_query_separates_words(archive_dir: Path) -> None:
    # FTS5 ends a string at a NUL: this raised "unterminated string" before.
    with Archive(archive_dir) as a:
        assert a.search("x\x00y") == []
        assert a.search("DROP\x00paragraphs") == a.search("DROP paragraphs") != []


# Modules that unpickle, or open connections. Dotted names: urllib.parse only splits strings.
FORBIDDEN_MODULES = {
    "pickle",
    "cPickle",
    "dill",
    "marshal",
    "shelve",
    "socket",
    "ssl",
    "urllib.request",
    "http.client",
    "requests",
    "httpx",
    "aiohttp",
    "ftplib",
    "smtplib",
    "xmlrpc",
}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}


def _forbidden(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in FORBIDDEN_MODULES)


def test_the_package_never_unpickles_evaluates_or_opens_a_connection() -> None:
    found: list[str] = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                # "from urllib import request" imports urllib.request
                names = [f"{node.module}.{a.name}" for a in node.names]
            found += [f"{path.name}: import {n}" for n in names if _forbidden(n)]
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in FORBIDDEN_CALLS
            ):
                found.append(f"{path.name}:{node.lineno}: {node.func.id}()")
    assert found == []


SQL_WORDS = re.compile(r"\b(?:SELECT|INSERT|UPDATE|DELETE|PRAGMA|WHERE|VALUES)\b")


def _safe_in_sql(value: ast.expr) -> bool:
    """What an f-string may put into SQL: a number (int(...)), a module constant, or fixed
    clauses joined (" AND ".join(where))."""
    if isinstance(value, ast.Name):
        return value.id.isupper()
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value.func.id == "int"
    return isinstance(value, ast.Call) and getattr(value.func, "attr", "") == "join"


def test_sql_values_are_parameters_never_spliced_in() -> None:
    source = (PACKAGE / "archive.py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            literal = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
            if SQL_WORDS.search(literal):
                for part in node.values:
                    if isinstance(part, ast.FormattedValue):
                        assert _safe_in_sql(part.value), ast.unparse(node)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            left = node.left
            assert not (isinstance(left, ast.Constant) and SQL_WORDS.search(str(left.value)))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "format":
            target = getattr(node.func, "value", None)
            assert not (isinstance(target, ast.Constant) and SQL_WORDS.search(str(target.value)))


def test_an_html_page_is_read_without_fetching_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every way out to the network refuses and is recorded; the page points outside at every
    # turn (DTD, stylesheet, script, image, frame, an XInclude and an external entity).
    tried: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        tried.append(repr(args[:2]))
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    page = (
        '<?xml version="1.0"?><!DOCTYPE html SYSTEM "http://example.com/evil.dtd" '
        '[<!ENTITY ext SYSTEM "http://example.com/ext">]>'
        "<html><head><title>A headline here</title>"
        '<link rel="stylesheet" href="http://example.com/s.css">'
        '<script src="http://example.com/s.js"></script></head><body><article>'
        "<p>BAKU, June 1 - The first paragraph of the story, long enough to keep.</p>"
        '<img src="http://example.com/p.png"><iframe src="http://example.com/f"></iframe>'
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="http://example.com/x"/>'
        "<p>&ext; A second paragraph of the story that is long enough too.</p>"
        "</article></body></html>"
    )
    doc = check_html(page)
    assert doc is not None, "the page was not read"
    assert tried == []
    # The external entity stays as written: resolving it would have meant fetching it.
    assert any("&ext;" in p.text for p in doc.paragraphs)
