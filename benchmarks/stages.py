"""Where a cable's parse time goes: each stage of `cableparse parse` timed on its own, in one
process, against the regex yardstick on the same texts.

    python benchmarks/stages.py [--count 2000] [--corpus DIR] [--repeat 5]

Stages, in µs a cable (the fastest of --repeat passes over the corpus): reading and decoding
the files; the lexer; lark's parser fed the lexer's tokens; the whole cable parse, whose rest
after those two is the reader; the record and its JSON; and the yardstick's `read` and JSON of
the same texts already in memory. Each pass makes and drops one cable's objects at a time,
as the parse does: keeping a whole corpus's tokens alive makes the garbage collector walk them
all, and doubled the lexer's time when measured that way. The corpus is made by generate.py
unless --corpus names a folder; only what the cable parser reads as a cable is timed.
"""

from __future__ import annotations

import argparse
import json
import runpy
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lark.exceptions import UnexpectedToken

from cableparse import NotACable, cable, lexer
from cableparse.model import record_json
from cableparse.pipeline import parse_step
from cableparse.sources import Failure, Source, iter_sources

HERE = Path(__file__).resolve().parent
YARDSTICK = HERE.parents[1] / "shared" / "bench" / "regex_yardstick.py"


def fastest(run: Callable[[], float | None], repeat: int) -> float:
    """The fastest of `repeat` passes: what `run` returns (a time it measured itself), or else
    its own wall time."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        measured = run()
        best = min(best, measured if measured is not None else time.perf_counter() - start)
    return best


def _is_cable(src: Source) -> bool:
    try:
        cable.parse_cable(src)
    except NotACable:
        return False
    return True


def stages(folder: Path, repeat: int) -> dict[str, float]:
    # The stages of the cable parser, so only what it reads as a cable: a mixed folder's
    # articles and pages are left out of every stage but the reading, which reads the folder.
    sources = [s for s in iter_sources(folder) if isinstance(s, Source) and _is_cable(s)]
    texts = [s.text for s in sources]
    grammar = cable.parser()

    def read() -> None:
        for _ in iter_sources(folder):
            pass

    def lex() -> None:
        for text in texts:
            lexer.tokenize(text)

    def feed() -> float:
        spent = 0.0
        for text in texts:
            tokens = lexer.tokenize(text)
            start = time.perf_counter()
            state = grammar.parse_interactive()
            for tok in tokens:
                try:
                    state.feed_token(tok)
                except UnexpectedToken:
                    continue  # passed over, as parse_cable does
            state.feed_eof()
            spent += time.perf_counter() - start
        return spent

    def parse() -> None:
        for src in sources:
            cable.parse_cable(src)

    def record() -> float:
        spent = 0.0
        for src in sources:
            doc = parse_step(src)
            if isinstance(doc, Failure):
                continue
            start = time.perf_counter()
            record_json(doc.to_record())
            spent += time.perf_counter() - start
        return spent

    read_fields = runpy.run_path(str(YARDSTICK))["read"]

    def yardstick() -> None:
        for text in texts:
            json.dumps(read_fields(text))

    times = {
        "read_and_decode": fastest(read, repeat),
        "lexer": fastest(lex, repeat),
        "lark": fastest(feed, repeat),
        "parse_cable": fastest(parse, repeat),
        "record_and_json": fastest(record, repeat),
        "yardstick_in_memory": fastest(yardstick, repeat),
    }
    out = {name: seconds / len(sources) * 1e6 for name, seconds in times.items()}
    out["reader"] = out["parse_cable"] - out["lexer"] - out["lark"]
    out["cables"] = len(sources)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=2000, help="cables to generate")
    ap.add_argument("--corpus", type=Path, help="a folder of .txt cables (default: generated)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "corpus"
            generate = [sys.executable, str(HERE / "generate.py"), str(corpus)]
            subprocess.run([*generate, "--count", str(args.count)], check=True, capture_output=True)
        result = stages(corpus, args.repeat)
    print(f"{result.pop('cables'):.0f} cables, µs a cable (fastest of {args.repeat}):")
    for name, value in result.items():
        print(f"  {name:20s} {value:7.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
