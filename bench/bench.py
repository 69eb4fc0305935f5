"""Measure `archreview analyze` next to the peer tools on one real repository.

Usage: python bench/bench.py PATH[@COLD_TARGET] ... [--runs N] [--runs-slow N] [--skip-peers] [--skip-review]

Why this exists: issue 2 sets targets ("Measured, not hoped") that only mean something
when archreview and the tools doing parts of the same work run on the same files, on the
same machine, in the same run. Every measurement is its own child process (in its own
session, so worker processes are counted and cleaned up); wall time is exact (we block
in wait4), peak memory is the larger of the polled RSS sum of the whole process tree
and the largest single process's maxrss reported by the kernel.

Issue 9's targets are ratios within one run: cold analysis against the single-process
read+parse bound of the same files (2x by default, ``PATH@2.5`` for another), the warm
re-run at most 0.1x that bound, peak memory under 1 GiB in all and 150 MiB per worker;
and ``archreview review`` of the sample, warm, at most 2x a bare papermill run of a
one-cell notebook, measured in turns with it.

The bench fetches nothing: PATH is a repository already on disk (see bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
GIB = 1024 * MIB
TIMEOUT_SECONDS = 900.0
BENCH_DIR = Path(__file__).resolve().parent


# ---------------------------------------------------------------- file selection
def python_files(root: Path) -> Iterator[Path]:
    """Every `*.py` file under root, radon's rule: hidden folders and files skipped,
    symlinks to folders not followed. The lower bound and the size figures use it."""
    for top, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.endswith(".py") and not name.startswith("."):
                yield Path(top, name)


def child_parse(root: str) -> int:
    """The lower bound, run as a child: read and `ast.parse` each file, one at a time."""
    import ast

    files = failed = 0
    for path in python_files(Path(root)):
        files += 1
        try:
            ast.parse(path.read_bytes())
        except (SyntaxError, ValueError, RecursionError, MemoryError, OSError):
            failed += 1
    print(f"bench: {files} files parsed, {failed} failed", file=sys.stderr)
    return 0


def child_grimp(base: str, *packages: str) -> int:
    """grimp building the import graph of the top-level packages, without its cache."""
    sys.path.insert(0, base)
    import grimp

    graph = grimp.build_graph(*packages, cache_dir=None)
    print(f"bench: {len(graph.modules)} modules, {graph.count_imports()} imports", file=sys.stderr)
    return 0


def top_packages(root: Path) -> tuple[Path, tuple[str, ...]]:
    """Folders with an `__init__.py` directly under `src/` or the root (grimp needs names)."""
    for base in (root / "src", root):
        if base.is_dir():
            names = sorted(
                p.name for p in base.iterdir()
                if p.name.isidentifier() and (p / "__init__.py").is_file()
            )
            if names:
                return base, tuple(names)
    return root, ()


# ---------------------------------------------------------------- measuring
@dataclass(frozen=True, slots=True)
class Sample:
    """One child process run: wall and CPU seconds, peak bytes, exit code, last stderr line."""

    wall: float
    cpu: float
    peak: int
    returncode: int
    note: str
    worker_peak: int = 0  # the largest RSS of any one process under the measured one


@dataclass(frozen=True, slots=True)
class Row:
    """Every sample of one measurement; the figures are over the successful ones."""

    name: str
    samples: tuple[Sample, ...]

    @property
    def good(self) -> tuple[Sample, ...]:
        return tuple(s for s in self.samples if s.returncode == 0)

    @property
    def wall(self) -> float | None:
        good = self.good
        return statistics.median(s.wall for s in good) if good else None

    @property
    def cpu(self) -> float | None:
        """Median user + system seconds, children (workers) included."""
        good = self.good
        return statistics.median(s.cpu for s in good) if good else None

    @property
    def peak(self) -> int | None:
        good = self.good
        return max(s.peak for s in good) if good else None

    @property
    def worker_peak(self) -> int | None:
        good = self.good
        return max(s.worker_peak for s in good) if good else None


def tree_rss(proc: "psutil.Process") -> tuple[int, int]:  # noqa: F821 - psutil is imported lazily
    """Resident bytes of a process and all its descendants right now, and of its largest descendant."""
    import psutil

    total = largest = 0
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for member in family:
        try:
            rss = member.memory_info().rss
        except psutil.Error:
            continue
        total += rss
        if member is not proc:
            largest = max(largest, rss)
    return total, largest


def poll_peak(pid: int, stop: threading.Event, out: list[int]) -> None:
    """Poll the tree's RSS sum (out[0]) and its largest worker (out[1]) until stopped: fast at first
    (short runs), then every 50 ms."""
    import psutil

    try:
        proc = psutil.Process(pid)
    except psutil.Error:
        return
    interval = 0.002
    while not stop.wait(interval):
        total, largest = tree_rss(proc)
        out[0], out[1] = max(out[0], total), max(out[1], largest)
        interval = min(interval * 2, 0.05)


def kill_group(pgid: int) -> bool:
    """SIGKILL whatever is left in the child's session; True if anything was left."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def wait_watched(proc: subprocess.Popen, timeout: float) -> tuple[int, os.struct_rusage, list[int]]:
    """Block in wait4 (exact wall time) while a thread polls memory and a timer enforces
    the timeout; on Ctrl-C the child's whole session is killed before re-raising."""
    stop, peak = threading.Event(), [0, 0]
    poller = threading.Thread(target=poll_peak, args=(proc.pid, stop, peak), daemon=True)
    killer = threading.Timer(timeout, kill_group, args=(proc.pid,))
    poller.start()
    killer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        kill_group(proc.pid)
        proc.wait()
        raise
    finally:
        killer.cancel()
        stop.set()
        poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage, peak


def measure(argv: list[str], env: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> Sample:
    """Run argv once as its own session; stdout is discarded, stderr kept for the note."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, env=env, start_new_session=True)
        returncode, usage, polled = wait_watched(proc, timeout)
        wall = time.perf_counter() - start
        leftover = kill_group(proc.pid)
        err.seek(0)
        note = last_line(err.read().decode("utf-8", "replace"))
    if leftover:
        note = f"left processes running (killed); {note}"
    if wall >= timeout:
        note = f"timed out after {timeout:.0f} s"
    peak = max(polled[0], usage.ru_maxrss * 1024)
    return Sample(wall, usage.ru_utime + usage.ru_stime, peak, returncode, note, polled[1])


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1].removeprefix("bench: ")[:160] if lines else ""


# ---------------------------------------------------------------- the plan
LOWER = "lower bound: read + ast.parse, 1 process"
RADON = ("radon cc -j", "radon mi -j", "radon raw -j")
GRIMP = "grimp.build_graph"
COLD = "archreview analyze --no-cache (cold)"
FILL = "archreview analyze, empty cache (fills it)"
WARM = "archreview analyze, warm cache"
ARCHREVIEW = (COLD, FILL, WARM)
Job = Callable[[], dict[str, Sample]]


def beside_python(name: str) -> list[str] | None:
    """The venv's console script `name`, so the bench measures this project's install."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.is_file() else shutil.which(name)
    return [found] if found else None


def single(name: str, argv: list[str], env: dict[str, str], timeout: float) -> Job:
    return lambda: {name: measure(argv, env, timeout)}


def archreview_jobs(exe: list[str], root: Path, env: dict[str, str], timeout: float) -> tuple[Job, Job]:
    """Cold runs use --no-cache and a fresh cache folder anyway, so a CLI that ignored
    the flag could not turn them warm; fill and warm share one fresh folder per run."""
    argv = [*exe, "analyze", str(root), "--json", os.devnull]

    def cold() -> dict[str, Sample]:
        with tempfile.TemporaryDirectory(prefix="archreview-bench-") as cache:
            return {COLD: measure([*argv, "--no-cache"], {**env, "ARCHREVIEW_CACHE_DIR": cache}, timeout)}

    def cached() -> dict[str, Sample]:
        with tempfile.TemporaryDirectory(prefix="archreview-bench-") as cache:
            cache_env = {**env, "ARCHREVIEW_CACHE_DIR": cache}
            return {FILL: measure(argv, cache_env, timeout), WARM: measure(argv, cache_env, timeout)}

    return cold, cached


def archreview_problem(exe: list[str] | None) -> str | None:
    """Why `archreview analyze` cannot be measured (yet), or None when it can."""
    if exe is None:
        return "no `archreview` command beside this Python or on PATH"
    try:
        done = subprocess.run([*exe, "analyze", "--help"], capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`archreview analyze --help` failed: {exc}"
    if done.returncode != 0:
        return last_line(done.stderr or done.stdout) or f"`analyze --help` exit {done.returncode}"
    if "--no-cache" not in done.stdout:
        return "`archreview analyze --help` lists no --no-cache option"
    return None


def plan(args: argparse.Namespace, root: Path, slow: int, exe: list[str] | None) -> list[tuple[int, Job]]:
    """(runs, job) pairs: the lower bound, the peers unless skipped, then archreview."""
    env, timeout = dict(os.environ), args.timeout
    steps = [(args.runs, single(LOWER, [sys.executable, str(Path(__file__).resolve()),
                                        "--child-parse", str(root)], env, timeout))]
    if not args.skip_peers:
        radon = beside_python("radon") or [sys.executable, "-m", "radon"]
        for name in RADON:
            steps.append((slow, single(name, [*radon, name.split()[1], "-j", str(root)], env, timeout)))
        base, packages = top_packages(root)
        if packages:
            grimp_argv = [sys.executable, str(Path(__file__).resolve()), "--child-grimp", str(base), *packages]
            steps.append((args.runs, single(f"{GRIMP}({', '.join(packages)})", grimp_argv, env, timeout)))
    if exe is not None:
        cold, cached = archreview_jobs(exe, root, env, timeout)
        steps += [(args.runs, cold), (args.runs, cached)]
    return steps


def run_rounds(steps: list[tuple[int, Job]]) -> dict[str, Row]:
    """Round-robin over the jobs so slow drift of the machine spreads over all of them."""
    collected: dict[str, list[Sample]] = {}
    for turn in range(max(runs for runs, _ in steps)):
        for runs, job in steps:
            if turn < runs:
                for name, sample in job().items():
                    collected.setdefault(name, []).append(sample)
                    print(f"  [{turn + 1}] {name}: {sample.wall:.2f} s, exit {sample.returncode}",
                          file=sys.stderr, flush=True)
    return {name: Row(name, tuple(samples)) for name, samples in collected.items()}


# ---------------------------------------------------------------- the report
@dataclass(frozen=True, slots=True)
class RepoSize:
    files: int
    lines: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """One target of issue 2: the measured figure and OK / MISSED (None: not measured)."""

    label: str
    figure: str
    ok: bool | None


def repo_size(root: Path) -> RepoSize:
    """Counts over the lower bound's files; reading them also warms the page cache so the
    first measured tool is not the only one paying for the disk."""
    files = lines = size = 0
    for path in python_files(root):
        data = path.read_bytes()
        files, lines, size = files + 1, lines + data.count(b"\n"), size + len(data)
    return RepoSize(files, lines, size)


def machine_line() -> str:
    import psutil

    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "")
    usable = len(os.sched_getaffinity(0))
    return (f"{os.cpu_count()} cores ({usable} usable) {model}, "
            f"{psutil.virtual_memory().total / GIB:.1f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()} ({sys.executable}), "
            f"load average {os.getloadavg()[0]:.2f} (others' work skews the figures)")


def git_head(root: Path) -> str:
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--short=10", "HEAD"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return f"git {done.stdout.strip()}" if done.returncode == 0 else "not a git work tree"


def ratio_verdicts(rows: dict[str, Row], skipped: str | None, cold_target: float) -> tuple[Verdict, ...]:
    """Issue 9's targets on one repository, as ratios to the parse bound of the same run (peaks: the maximum)."""
    lower = rows[LOWER].wall if LOWER in rows else None
    cold = rows[COLD].wall if COLD in rows else None
    warm = rows[WARM].wall if WARM in rows else None
    radon = [rows[n].wall for n in RADON if n in rows]
    radon_sum = sum(radon) if len(radon) == 3 and None not in radon else None
    measured = [rows[n] for n in ARCHREVIEW if n in rows and rows[n].peak is not None]
    why = skipped or "archreview run failed"

    def ratio(label: str, value: float | None, target: float, name: str) -> Verdict:
        if not value or not lower:
            return Verdict(label, f"n/a ({why})", None)
        # CPU (workers included) next to wall: on a shared machine the wall ratio says more about the load
        cpu, cpu_lower = rows[name].cpu, rows[LOWER].cpu
        cpu_text = f"; CPU {cpu / cpu_lower:.2f}x ({cpu:.2f} s vs {cpu_lower:.2f} s)" if cpu and cpu_lower else ""
        return Verdict(label, f"{value / lower:.2f}x wall ({value:.2f} s vs {lower:.2f} s){cpu_text}", value / lower <= target)

    out = [ratio(f"cold vs the parse bound (target <= {cold_target:g}x)", cold, cold_target, COLD),
           ratio("warm re-run vs the parse bound (target <= 0.1x)", warm, 0.1, WARM)]
    if measured:
        total = max(r.peak or 0 for r in measured)
        worker = max(r.worker_peak or 0 for r in measured)
        out.append(Verdict("peak memory, all processes (target < 1 GiB)", f"{total / MIB:.0f} MiB", total < GIB))
        out.append(Verdict("peak memory, one worker (target <= 150 MiB)", f"{worker / MIB:.0f} MiB",
                           worker <= 150 * MIB))
    else:
        out.append(Verdict("peak memory (target < 1 GiB, <= 150 MiB per worker)", f"n/a ({why})", None))
    if cold and radon_sum:
        out.append(Verdict("cold vs radon cc+mi+raw (issue 2: >= 5x faster)",
                           f"{radon_sum / cold:.1f}x faster ({cold:.2f} s vs {radon_sum:.2f} s)", radon_sum / cold >= 5))
    return tuple(out)


# ---------------------------------------------------------------- review vs bare papermill
REVIEW = "archreview review of the sample, warm"
PAPERMILL = "papermill, one-cell notebook"
ONE_CELL = {"cells": [{"cell_type": "code", "execution_count": None, "id": "one", "metadata": {}, "outputs": [],
                       "source": ["1 + 1"]}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def review_steps(exe: list[str], folder: Path, runs: int, timeout: float) -> list[tuple[int, Job]]:
    """The sample built once and reviewed once (the cache warm), then the two commands in turns."""
    import json

    from archreview.sample import AI_BRANCH, build_sample

    env = {**os.environ, "ARCHREVIEW_CACHE_DIR": str(folder / "cache")}
    sample = build_sample(folder / "sample")
    review = [*exe, "review", str(sample), "--base", "main", "--head", AI_BRANCH, "--output", str(folder / "r.html")]
    warmup = measure(review, env, timeout)
    if warmup.returncode != 0:
        raise RuntimeError(f"the warm-up review failed: {warmup.note}")
    notebook = folder / "one.ipynb"
    notebook.write_text(json.dumps(ONE_CELL), encoding="utf-8")
    papermill = beside_python("papermill") or [sys.executable, "-m", "papermill"]
    bare = [*papermill, "--no-progress-bar", str(notebook), str(folder / "one.out.ipynb")]
    return [(runs, single(REVIEW, review, env, timeout)), (runs, single(PAPERMILL, bare, env, timeout))]


def review_verdict(rows: dict[str, Row]) -> Verdict:
    review = rows[REVIEW].wall if REVIEW in rows else None
    bare = rows[PAPERMILL].wall if PAPERMILL in rows else None
    if not review or not bare:
        return Verdict("review vs bare papermill (target <= 2x)", "n/a (a run failed)", None)
    return Verdict("review vs bare papermill (target <= 2x)", f"{review / bare:.2f}x ({review:.2f} s vs {bare:.2f} s)",
                   review / bare <= 2)


def row_line(name: str, runs: str, wall: str, spread: str, cpu: str, peak: str, note: str) -> str:
    return f"{name:<46} {runs:>4} {wall:>8} {spread:>15} {cpu:>8} {peak:>8}  {note}"


def format_row(row: Row) -> str:
    good = row.good
    if not good:
        worst = row.samples[-1]
        return row_line(row.name, str(len(row.samples)), "failed", "", "", "",
                        f"exit {worst.returncode}: {worst.note}")
    walls = [s.wall for s in good]
    spread = f"{min(walls):.2f}-{max(walls):.2f}" if len(walls) > 1 else ""
    cpu = statistics.median(s.cpu for s in good)
    failed = [s for s in row.samples if s.returncode != 0]
    note = f"{len(failed)} run(s) failed: {failed[0].note}" if failed else good[-1].note
    return row_line(row.name, str(len(row.samples)), f"{row.wall:.2f}", spread, f"{cpu:.2f}",
                    f"{row.peak / MIB:.0f}", note)


def format_table(rows: dict[str, Row], problem: str | None, skip_peers: bool) -> list[str]:
    lines = [row_line("measurement", "runs", "wall s", "min-max", "cpu s", "peak MiB", "note"),
             row_line("", "", "median", "", "median", "max", "")]
    for row in rows.values():
        lines.append(format_row(row))
        if row.name == RADON[-1]:
            walls = [rows[n].wall for n in RADON if n in rows]
            if None not in walls:
                lines.append(row_line("radon cc + mi + raw, one after the other", "", f"{sum(walls):.2f}",
                                      "", "", f"{max(rows[n].peak for n in RADON) / MIB:.0f}", "sum of medians"))
    if skip_peers:
        lines.append("peers: skipped (--skip-peers)")
    if problem:
        lines.append(f"archreview: not available ({problem})")
    return lines


def format_verdicts(verdicts: tuple[Verdict, ...]) -> list[str]:
    marks = {True: "OK", False: "MISSED", None: "n/a"}
    return [f"  {marks[v.ok]:<7} {v.label:<48} {v.figure}" for v in verdicts]


# ---------------------------------------------------------------- command line
def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", metavar="PATH[@COLD_TARGET]",
                        help="repositories already on disk (Django is the reference); @2.5 sets the cold target")
    parser.add_argument("--runs", type=int, default=3, help="runs of the fast measurements (median shown)")
    parser.add_argument("--runs-slow", type=int, default=None,
                        help="runs of each radon command (default: 1 above 500 files, else --runs)")
    parser.add_argument("--skip-peers", action="store_true", help="measure only the lower bound and archreview")
    parser.add_argument("--skip-review", action="store_true", help="do not time the review against papermill")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help="seconds per child process")
    args = parser.parse_args(argv)
    args.repos = []
    for given in args.paths:
        path, _, target = given.rpartition("@") if "@" in given else (given, "", "2")
        try:
            cold_target = float(target)
        except ValueError:
            path, cold_target = given, 2.0
        if not Path(path).is_dir():
            parser.error(f"{path} is not a folder; give the path of a repository on disk")
        args.repos.append((Path(path), cold_target))
    if args.runs < 1 or (args.runs_slow is not None and args.runs_slow < 1):
        parser.error("--runs and --runs-slow must be at least 1")
    return args


def print_header(root: Path, size: RepoSize, runs: int, radon_runs: str) -> None:
    print(f"machine:    {machine_line()}")
    print(f"repository: {root} ({git_head(root)}): {size.files} .py files, {size.lines:,} lines, "
          f"{size.bytes / MIB:.1f} MiB")
    print(f"runs:       {runs} per fast measurement, {radon_runs}; page cache warm\n", flush=True)


def bench_repo(args: argparse.Namespace, root: Path, cold_target: float, exe: list[str] | None,
               problem: str | None) -> None:
    size = repo_size(root)
    slow = args.runs_slow or (1 if size.files > 500 else args.runs)
    print_header(root, size, args.runs, "radon skipped" if args.skip_peers else f"{slow} per radon command")
    rows = run_rounds(plan(args, root, slow, None if problem else exe))
    print("\n".join(format_table(rows, problem, args.skip_peers)))
    print(f"\ntargets ({root.name}, issue 9; load average now {os.getloadavg()[0]:.2f}):")
    print("\n".join(format_verdicts(ratio_verdicts(rows, problem and "archreview not available", cold_target))))
    print(flush=True)


def bench_review(args: argparse.Namespace, exe: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="archreview-bench-review-") as folder:
        print(f"machine:    {machine_line()}")
        print(f"review:     the sample ({AI_LABEL}), cache warm, {args.runs} runs each in turns\n", flush=True)
        rows = run_rounds(review_steps(exe, Path(folder), args.runs, args.timeout))
    print("\n".join(format_table(rows, None, False)))
    print(f"\ntargets (review, issue 9; load average now {os.getloadavg()[0]:.2f}):")
    print("\n".join(format_verdicts((review_verdict(rows),))))


AI_LABEL = "main..the AI-generated branch"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-parse"]:
        return child_parse(argv[1])
    if argv[:1] == ["--child-grimp"]:
        return child_grimp(*argv[1:])
    args = parse_args(argv)
    try:
        import psutil  # noqa: F401 - needed by the measuring threads
    except ImportError:
        print("bench: psutil is missing; run it with the project's venv: .venv/bin/python bench/bench.py PATH",
              file=sys.stderr)
        return 2
    exe = beside_python("archreview")
    problem = archreview_problem(exe)
    # SIGTERM (a CI timeout) unwinds like Ctrl-C, so the running child's session is killed
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        for root, cold_target in args.repos:
            bench_repo(args, root.resolve(), cold_target, exe, problem)
        if not args.skip_review and exe is not None and problem is None:
            bench_review(args, exe)
    except KeyboardInterrupt:
        print("bench: interrupted; the running child was stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
