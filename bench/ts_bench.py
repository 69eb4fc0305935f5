"""A cold TypeScript analysis against tree-sitter alone parsing the same files in one process.

Issue 12's target: a 3,000-file TypeScript repository analyses cold (empty
cache) within 3x the time tree-sitter alone needs to parse its TypeScript
files in one process. Both are measured here on the same checkout:

* **parse alone**: every ``.ts``/``.tsx`` file at HEAD, read into memory first,
  then parsed one after the other with the grammar archreview uses (no query,
  no facts): the floor any tree-sitter tool pays;
* **archreview cold**: ``archreview analyze PATH --json OUT`` in a child
  process with a fresh cache folder: listing, reading, parsing, facts,
  graph, everything, on the machine's cores.

    .venv/bin/python bench/ts_bench.py PATH [--runs N]

PATH is a git repository already on disk (e.g. ``git clone --shared
/work/.mirror/typeorm+typeorm/repo /tmp/typeorm``); nothing is fetched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archreview.facts import treesitter
from archreview.sources.files import language_of, list_sources, read_sources


def parse_alone(root: Path) -> tuple[int, float]:
    listing = list_sources(root, None)
    sources = [f for f in listing.files if language_of(f.path) == "typescript"]
    contents = [(s.path, data) for s, data in read_sources(root, None, sources) if isinstance(data, bytes)]
    start = time.perf_counter()
    for path, data in contents:
        treesitter.parse(treesitter.grammar_of("typescript", path), data)
    return len(contents), time.perf_counter() - start


def archreview_cold(root: Path) -> float:
    with tempfile.TemporaryDirectory() as cache, tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = dict(os.environ, ARCHREVIEW_CACHE_DIR=cache)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "archreview.cli", "analyze", str(root), "--json", out.name],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    parse = [parse_alone(args.path) for _ in range(args.runs)]
    files, parse_s = parse[0][0], statistics.median(t for _, t in parse)
    cold = statistics.median(archreview_cold(args.path) for _ in range(args.runs))
    print(f"{files} TypeScript files; tree-sitter alone (one process): {parse_s:.2f} s; "
          f"archreview analyze, cold cache, {os.cpu_count()} cores: {cold:.2f} s; ratio {cold / parse_s:.2f}x (target <= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
