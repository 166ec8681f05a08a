"""The engines on one dump, in one run: the local pool into an archive, Dask and Spark to Parquet.

    python benchmarks/make_csv.py 251287 big.csv            # a Cablegate-sized dump
    python benchmarks/cluster.py big.csv [--engines local,dask,spark] [--work DIR]

Each engine runs as the user runs it, a command in a process of its own:
- local: `cableparse ingest DUMP --jobs 2` into a fresh archive;
- local-parquet: `cableparse parse DUMP --jobs 2 --format parquet -o DIR`;
- dask: `cableparse parse DUMP --engine dask --format parquet -o DIR` (a LocalCluster, one
  worker a core);
- spark: `cableparse parse DUMP --engine spark --format parquet -o DIR` (local[2]).
Wall and CPU time come from os.wait4; the peak RSS of every process of the command's tree is
sampled twice a second (psutil) and reported by role: the command's own process, its Python
workers, and Spark's JVM. Prints a table and writes the numbers to benchmarks/out/cluster.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
ENGINES = ("local", "local-parquet", "dask", "spark")


def command(engine: str, dump: Path, out: Path) -> list[str]:
    if engine == "local":
        return ["cableparse", "ingest", str(dump), "--jobs", "2", "--archive", str(out)]
    parse = ["cableparse", "parse", str(dump), "--format", "parquet", "-o", str(out)]
    if engine == "local-parquet":
        return [*parse, "--jobs", "2"]
    return [*parse, "--engine", engine]


def role(proc: psutil.Process, top: int) -> str:
    if proc.pid == top:
        return "command"
    try:
        name = proc.name()
    except psutil.Error:
        return "other"
    return "jvm" if name == "java" else "worker" if name.startswith("python") else "other"


class Sampler(threading.Thread):
    """The largest RSS seen of each process of a tree, by role."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peaks: dict[int, tuple[str, int]] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                top = psutil.Process(self.pid)
                tree = [top, *top.children(recursive=True)]
            except psutil.Error:
                return
            for proc in tree:
                try:
                    rss = proc.memory_info().rss
                except psutil.Error:
                    continue
                kind, peak = self.peaks.get(proc.pid, (role(proc, self.pid), 0))
                self.peaks[proc.pid] = (kind, max(peak, rss))
            self.done.wait(0.5)

    def by_role(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for kind, peak in self.peaks.values():
            entry = out.setdefault(kind, {"processes": 0, "peak_rss_mb": 0.0})
            entry["processes"] += 1
            entry["peak_rss_mb"] = max(entry["peak_rss_mb"], peak / 2**20)
        return out


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(engine: str, dump: Path, work: Path) -> dict[str, Any]:
    out = work / engine
    shutil.rmtree(out, ignore_errors=True)
    cmd = command(engine, dump, out)
    start = time.perf_counter()
    with open(work / f"{engine}.err", "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        sampler = Sampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    return {
        "command": " ".join(cmd),
        "exit": code,
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "memory": sampler.by_role(),
        "output_mb": round(size_of(out) / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path, help="a cables.csv (benchmarks/make_csv.py makes one)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument("--work", type=Path, help="where the outputs go [default: a temp dir]")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "cluster.json")
    args = parser.parse_args(argv)
    if not args.dump.is_file():
        parser.error(f"{args.dump}: no such file")
    engines = [e for e in args.engines.split(",") if e]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engines {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="cluster-", dir="/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    results = {"dump": str(args.dump), "dump_mb": round(args.dump.stat().st_size / 1e6, 1)}
    for engine in engines:
        results[engine] = run(engine, args.dump, work)
        r = results[engine]
        mem = ", ".join(
            f"{k} {v['peak_rss_mb']:.0f} MB ({v['processes']:.0f})" for k, v in r["memory"].items()
        )
        print(
            f"{engine:14} exit {r['exit']}  {r['wall_s']:7.1f} s wall  {r['cpu_s']:7.1f} s CPU  "
            f"out {r['output_mb']:7.1f} MB  peak RSS: {mem}",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
