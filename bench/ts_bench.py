"""A cold TypeScript analysis against tree-sitter alone parsing the same files in one process.

Issue 12's target: a 3,000-file TypeScript repository analyses cold (empty
cache) within 3x the time tree-sitter alone needs to parse its TypeScript
files in one process. Both are measured here on the same checkout:

* **parse alone**: every ``.ts``/``.tsx`` file at HEAD, read into memory first,
  then parsed one after the other with the grammar archreview uses (no query,
  no facts): the floor any tree-sitter tool pays;
* **archreview cold**: ``archreview analyze PATH --json OUT`` in a child
  process with a fresh cache folder: listing, reading, parsing, facts,
  graph, everything, on the machine's cores; then the same again, warm.

Wall and CPU (user + system, the workers included) are both printed: on a
shared machine the CPU ratio is the steadier one.

    .venv/bin/python bench/ts_bench.py PATH [--runs N]

PATH is a git repository already on disk (e.g. ``git clone --shared
/work/.mirror/typeorm+typeorm/repo /tmp/typeorm``); nothing is fetched.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archreview.facts import treesitter
from archreview.sources.files import language_of, list_sources, read_sources


def parse_alone(root: Path) -> tuple[int, float, float]:
    """(files, wall seconds, CPU seconds) of parsing every TypeScript file, contents already in memory."""
    listing = list_sources(root, None)
    sources = [f for f in listing.files if language_of(f.path) == "typescript"]
    contents = [(s.path, data) for s, data in read_sources(root, None, sources) if isinstance(data, bytes)]
    start, cpu = time.perf_counter(), time.process_time()
    for path, data in contents:
        treesitter.parse(treesitter.grammar_of("typescript", path), data)
    return len(contents), time.perf_counter() - start, time.process_time() - cpu


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def archreview_runs(root: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """((wall, CPU) cold, (wall, CPU) warm): ``archreview analyze`` twice on one fresh cache folder."""
    out = []
    with tempfile.TemporaryDirectory() as cache, tempfile.NamedTemporaryFile(suffix=".json") as doc:
        env = dict(os.environ, ARCHREVIEW_CACHE_DIR=cache)
        for _ in ("cold", "warm"):
            start, cpu = time.perf_counter(), children_cpu()
            subprocess.run([sys.executable, "-m", "archreview.cli", "analyze", str(root), "--json", doc.name],
                           check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out.append((time.perf_counter() - start, children_cpu() - cpu))
    return out[0], out[1]


def compile_archreview() -> None:
    """Bytecode for archreview's own modules, as an installed package has it. Where PYTHONDONTWRITEBYTECODE is
    set (this project's shared machine sets it) nothing is ever written, so each timed run compiled all of
    archreview again before analysing anything: 0.15-0.3 s of CPU, all of it in the serial part. Compiled
    once here (into the checkout's ``__pycache__`` folders, which git ignores), every run reads them."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # found the way the timed runs find it (``-m`` puts the working folder first), not as this script does
    subprocess.run([sys.executable, "-c", "import compileall, os, archreview; "
                    "compileall.compile_dir(os.path.dirname(archreview.__file__), quiet=1)"],
                   check=True, env=env, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    # In turns (parse alone, then a cold and a warm run), each ratio taken within its turn: on a shared
    # machine the speed drifts between turns, and a bound measured apart from its run moves the ratio by a third.
    compile_archreview()
    turns = []
    for _ in range(args.runs):
        files, parse_s, parse_cpu = parse_alone(args.path)
        (cold, cold_cpu), (warm, warm_cpu) = archreview_runs(args.path)
        turns.append((parse_s, parse_cpu, cold, cold_cpu, warm, warm_cpu))

    def median(i: int) -> float:
        return statistics.median(t[i] for t in turns)

    def ratio(i: int, j: int) -> str:
        values = sorted(t[i] / t[j] for t in turns)
        spread = f" ({values[0]:.2f}-{values[-1]:.2f})" if len(values) > 1 else ""
        return f"{statistics.median(values):.2f}x{spread}"

    print(f"{files} TypeScript files; tree-sitter alone (one process): {median(0):.2f} s wall, {median(1):.2f} s CPU; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; {args.runs} turns, ratios per turn")
    print(f"archreview analyze, cold cache: {median(2):.2f} s wall, {median(3):.2f} s CPU; "
          f"ratio {ratio(2, 0)} wall, {ratio(3, 1)} CPU (target <= 3x)")
    print(f"archreview analyze, warm cache: {median(4):.2f} s wall, {median(5):.2f} s CPU; "
          f"ratio {ratio(4, 0)} wall, {ratio(5, 1)} CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
