"""Instructions a cable: `cableparse parse --jobs 1` against the regex yardstick, as valgrind's
callgrind counts them. On this project's machine a run's time moves by a third from one run to
the next; the count of instructions stays the same, so a change to the parser can be judged by
it where timing cannot tell 5% from noise.

    python benchmarks/instructions.py [--count 200] [--corpus DIR] [--out FILE]

Each program runs under callgrind twice, over the first N cables of the corpus and over the
first 2N; the difference, divided by N, is what a cable costs with start-up taken out. The
corpus is made by generate.py unless --corpus names a folder of .txt cables. Python's string
hashing is seeded (PYTHONHASHSEED=0): with a random seed, dict and set layouts move the count
by about 0.5%. Needs valgrind; 200 cables take a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
YARDSTICK = HERE.parents[1] / "shared" / "bench" / "regex_yardstick.py"
_COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(cmd: list[str]) -> int:
    """Instructions the command (and nothing it starts) executes."""
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=True,
    )
    found = _COLLECTED.search(proc.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from callgrind for {cmd}:\n{proc.stderr}")
    return int(found.group(1))


def subset(files: list[Path], folder: Path) -> Path:
    """A folder holding links to `files` (the programs read every .txt under a folder)."""
    folder.mkdir()
    for k, path in enumerate(files):
        (folder / f"{k:06d}.txt").symlink_to(path.resolve())
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=200, help="N: cables in the smaller run")
    ap.add_argument("--corpus", type=Path, help="a folder of .txt cables (default: generated)")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "instructions.json")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        ap.error("valgrind is not installed (Debian: apt-get install valgrind)")
    parse = shutil.which("cableparse")
    if parse is None:
        ap.error("the cableparse command is not on PATH (pip install -e .)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = args.corpus
        if corpus is None:
            corpus = work / "corpus"
            generate = [sys.executable, str(HERE / "generate.py"), str(corpus)]
            subprocess.run(
                [*generate, "--count", str(2 * args.count)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        files = sorted(corpus.rglob("*.txt"))[: 2 * args.count]
        if len(files) < 2 * args.count:
            ap.error(f"{corpus} has {len(files)} cables; --count {args.count} needs twice that")
        small = subset(files[: args.count], work / "small")
        large = subset(files, work / "large")
        result: dict[str, float] = {"cables": args.count}
        for name, cmd in (
            ("yardstick", [sys.executable, str(YARDSTICK)]),
            ("parse", [parse, "parse", "--jobs", "1", "--format", "jsonl"]),
        ):
            few, more = instructions([*cmd, str(small)]), instructions([*cmd, str(large)])
            result[f"{name}_per_cable"] = (more - few) / args.count
            result[f"{name}_startup"] = few - (more - few)
    result["ratio"] = result["yardstick_per_cable"] / result["parse_per_cable"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name in ("yardstick", "parse"):
        print(
            f"{name:10s} {result[f'{name}_per_cable'] / 1e6:6.2f} M instructions a cable, "
            f"{result[f'{name}_startup'] / 1e6:8.1f} M at start-up"
        )
    print(f"yardstick / parse, in instructions: {result['ratio']:.2f} (the target, in time: 1.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
