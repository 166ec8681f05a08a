"""The engines on one big dump, in one run: ingest with the local pool, parse to Parquet with
the local pool, with Dask (a LocalCluster of one worker a core) and with Spark (local[2]), one
after the other.

    python benchmarks/cluster.py big.csv [--work DIR] [--out benchmarks/out/cluster.json]
    python benchmarks/make_csv.py 251287 big.csv        # a Cablegate-sized dump first

For each: wall time, CPU time (of the command and every process it started, from os.wait4),
peak RSS of the command's own process and of each process below it (its workers; sampled every
0.2 s with psutil, which distributed brings), and the size of what it wrote. The Dask and
Spark runs' overhead is their wall and CPU time over the local pool's for the same Parquet
output (Spark's CPU includes its JVM's).
Also timed apart: planning the dump's partitions with the rows counted in this process, the one
step of the Dask run that reads the whole dump before any parsing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from cableparse import partitions

HERE = Path(__file__).resolve().parent


def measured(cmd: list[str]) -> dict[str, Any]:
    """Run a command; its wall time, CPU time, and the peak RSS of it and of each process
    below it (MB, the largest first)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for p in tree:
                try:
                    rss = p.memory_info().rss / 1024**2
                except psutil.NoSuchProcess:
                    continue
                peaks[p.pid] = max(peaks.get(p.pid, 0.0), rss)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stderr is not None
    errors = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise SystemExit(f"{' '.join(cmd)}: exit status {code}\n{errors[-2000:]}")
    main = peaks.pop(proc.pid, 0.0)
    return {
        "wall_s": round(wall, 1),
        "cpu_user_s": round(usage.ru_utime, 1),
        "cpu_system_s": round(usage.ru_stime, 1),
        "peak_rss_main_mb": round(main),
        "peak_rss_below_mb": sorted((round(v) for v in peaks.values()), reverse=True),
    }


def _cpu(step: dict[str, Any]) -> float:
    return float(step["cpu_user_s"] + step["cpu_system_s"])


def size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return round(sum(p.stat().st_size for p in files) / 1e6, 1)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump", type=Path, help="a cables.csv (benchmarks/make_csv.py makes one)")
    ap.add_argument("--work", type=Path, default=None, help="where the outputs go (a temp dir)")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "cluster.json")
    ap.add_argument(
        "--engines",
        default="ingest,-j 2,dask,spark",
        help="which runs, by a part of their names, comma-separated [default: all]",
    )
    args = ap.parse_args(argv)
    if not args.dump.is_file():
        ap.error(f"{args.dump}: no such file")
    work = args.work or Path(os.environ.get("TMPDIR", "/tmp")) / "cableparse-cluster"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    exe = [sys.executable, "-c", "from cableparse.cli import main; main()"]
    dump = str(args.dump)
    results: dict[str, Any] = {"dump_mb": size_mb(args.dump), "cores": os.cpu_count()}

    start = time.process_time()
    parts = partitions.plan(dump)
    results["plan"] = {"partitions": len(parts), "cpu_s": round(time.process_time() - start, 1)}
    print("plan", results["plan"], flush=True)

    runs = {
        "ingest --jobs 2": (
            [*exe, "ingest", dump, "--jobs", "2", "--archive", str(work / "archive")],
            work / "archive",
        ),
        "parse -j 2 to Parquet": (
            [*exe, "parse", dump, "-j", "2", "--format", "parquet", "-o", str(work / "local")],
            work / "local",
        ),
        "parse --engine dask to Parquet": (
            [*exe, "parse", dump, "--engine", "dask", "--format", "parquet", "-o", f"{work}/dask"],
            work / "dask",
        ),
        "parse --engine spark to Parquet": (
            [
                *exe,
                "parse",
                dump,
                "--engine",
                "spark",
                "--scheduler",
                "local[2]",
                "--format",
                "parquet",
                "-o",
                f"{work}/spark",
            ],
            work / "spark",
        ),
    }
    wanted = [name for name in runs if any(e in name for e in args.engines.split(","))]
    for name in wanted:
        cmd, output = runs[name]
        step = measured(cmd)
        step["output_mb"] = size_mb(output)
        results[name] = step
        print(name, step, flush=True)
    local = results.get("parse -j 2 to Parquet")
    for engine in ("dask", "spark"):
        other = results.get(f"parse --engine {engine} to Parquet")
        if local and other:
            results[f"{engine}_overhead"] = {
                "wall_s": round(other["wall_s"] - local["wall_s"], 1),
                "cpu_s": round(_cpu(other) - _cpu(local), 1),
            }
            print(f"{engine} overhead", results[f"{engine}_overhead"], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
