"""Measure `archreview batch`: repositories per minute, overhead per repository, cache reuse.

Usage: python bench/batch_bench.py [--repos N] [--jobs 1,2] [--keep DIR]

Why this exists: issue 6 asks for figures, not hopes. The bench builds the bundled
sample, makes N bare clones of it (``git clone --local --bare``: same history, so the
per-file analysis cache is shared between them, as it is across the services of one
client that share code), and alternates the two feature branches across them. Then:

1. one direct ``archreview review`` with a warm cache: what a single review costs;
2. a batch with ``--jobs 1`` on an empty cache (first batch), then the same batch again
   (second batch: every file's facts come from the cache);
3. the warm batch again with each ``--jobs`` value asked for.

Each batch is timed without the portfolio page, which is timed once on its own. The
overhead per repository is the batch's wall time per repository at ``--jobs 1``
minus the direct review. Nothing is fetched; everything lives in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path


def make_clones(work: Path, count: int) -> Path:
    """The sample and ``count`` bare clones of it, with a batch file naming them all."""
    from archreview.sample import AI_BRANCH, FIT_BRANCH, build_sample

    sample = build_sample(work / "sample")
    lines = ["defaults:", "  base: main", "  client: Benchmark", "repos:"]
    for i in range(count):
        clone = work / "clones" / f"svc{i:02d}.git"
        subprocess.run(["git", "clone", "--quiet", "--local", "--bare", str(sample), str(clone)], check=True)
        lines.append(f"  - {{name: svc{i:02d}, path: {clone}, head: {AI_BRANCH if i % 2 else FIT_BRANCH}}}")
    batch = work / "batch.yaml"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return batch


def direct_review(work: Path, count: int, runs: int = 3) -> float:
    """Median seconds of `archreview review` on the first clones, cache warm (as for all but the first repository)."""
    from archreview.sample import FIT_BRANCH

    times = []
    for i in range(runs):
        clone = work / "clones" / f"svc{i % count:02d}.git"
        argv = [sys.executable, "-m", "archreview.cli", "review", str(clone), "--base", "main", "--head", FIT_BRANCH,
                "--output", str(work / "direct" / f"report{i}.html")]
        started = time.monotonic()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.monotonic() - started)
    return statistics.median(times)


PHASES = (("getting", "refs and inputs checked"), ("analysing", "analysis + analysis.json"),
          ("running the workbook", "kernel start + notebook"), ("exporting the report", "HTML export"))


def phases(output: Path) -> dict[str, float]:
    """Mean seconds per step of the reviews, from the timestamps the child writes to each log.txt."""
    totals: dict[str, list[float]] = {label: [] for _, label in PHASES}
    for log in sorted(output.glob("*/log.txt")):
        stamps = {}
        for line in log.read_text().split("=== archreview batch run")[-1].splitlines():
            for i, (marker, _) in enumerate((*PHASES, ("reviewed", "end"))):
                if f": {marker}" in line and line[:4].isdigit():
                    stamps[i] = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        for i, (_, label) in enumerate(PHASES):
            if i in stamps and i + 1 in stamps:
                totals[label].append(stamps[i + 1] - stamps[i])
    return {label: statistics.mean(v) for label, v in totals.items() if v}


def timed_batch(batch: Path, output: Path, jobs: int) -> tuple[float, object]:
    from archreview.batch.supervisor import run_batch

    started = time.monotonic()
    result = run_batch(batch, output, jobs=jobs, timeout=1800, index=False)
    seconds = time.monotonic() - started
    if result.failed:
        reasons = "; ".join(f"{r.name}: {r.reason}" for r in result.results if r.reason)
        raise SystemExit(f"batch_bench: {result.failed} repositories failed: {reasons}")
    return seconds, result


def report_line(label: str, seconds: float, count: int) -> str:
    return f"{label:<34} {seconds:7.1f} s  {count / seconds * 60:6.1f} repos/min  {seconds / count:6.1f} s/repo"


def run(count: int, jobs_list: list[int], work: Path) -> None:
    os.environ["ARCHREVIEW_CACHE_DIR"] = str(work / "cache")
    batch = make_clones(work, count)
    print(f"machine: {platform.platform()}, python {platform.python_version()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}; {count} bare clones of the sample", flush=True)
    cold, cold_result = timed_batch(batch, work / "out-cold", 1)
    print(report_line("batch --jobs 1, empty cache", cold, count), flush=True)
    first, rest = cold_result.results[0], cold_result.results[1:]
    others = sum(r.duration for r in rest) / len(rest)
    print(f"{'':<34} first repository {first.duration:.1f} s, the others {others:.1f} s "
          "on average (files shared through the cache)", flush=True)
    warm = {}
    for jobs in sorted({1, *jobs_list}):
        warm[jobs], _ = timed_batch(batch, work / f"out-warm-{jobs}", jobs)
        print(report_line(f"batch --jobs {jobs}, warm cache", warm[jobs], count), flush=True)
    steps = phases(work / "out-warm-1")
    print("where a repository's time goes (--jobs 1, warm): " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
          + f"; the rest ({warm[1] / count - sum(steps.values()):.1f} s) is the child's start-up and supervision")
    single = direct_review(work, count)
    print(f"{'direct archreview review, warm':<34} {single:7.1f} s (median of 3)", flush=True)
    print(f"{'overhead per repository (--jobs 1)':<34} {warm[1] / count - single:+7.1f} s "
          f"({(warm[1] / count - single) / single:+.0%} of a direct review)", flush=True)
    from archreview.report.results import build_index

    started = time.monotonic()
    build_index(work / "out-warm-1", title="Benchmark", client="Benchmark")
    print(f"{'portfolio page (once per batch)':<34} {time.monotonic() - started:7.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=12, help="clones of the sample in the batch (default 12)")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values for the warm batches")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)
    jobs = [int(j) for j in args.jobs.split(",") if j.strip()]
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="archreview-batch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(max(2, args.repos), jobs, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
