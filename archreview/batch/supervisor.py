"""Review many repositories: each in its own process group, in parallel, on this machine or a Dask cluster.

Every repository runs as ``python -m archreview.batch.supervisor --one TASK.json``, a child
started in a new session. The child clones (for URLs), checks the refs, writes
``analysis.json``, executes the workbook with papermill (its own kernel) and
exports ``report.html``. The supervisor (``run_one``) only waits: on the
wall-clock timeout, on cancel, and after every run, it kills the child's
process group and every process still carrying the task's marker variable,
which reaches the Jupyter kernel even though jupyter_client starts kernels in
their own session. So a hang, a crash or an out-of-memory kill costs one
repository, never the batch, and leaves nothing running.

``run_one`` is the unit of work for both schedulers: threads of this process
(``--jobs``) or tasks on an existing Dask cluster (``--scheduler``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from archreview.batch.plan import Entry, load_batch
from archreview.core.errors import ArchReviewError
from archreview.report.portfolio import FAILED, REVIEWED, RepoResult, build_index, from_json, measure, to_json, write_summary

MARKER = "ARCHREVIEW_BATCH_TASK"  # inherited by the child, its kernel and their children
_POLL = 0.5


@dataclass(frozen=True, slots=True)
class Task:
    """One repository's review, as sent to a worker (pickled for Dask, JSON for the child)."""

    entry: Entry
    folder: str  # DIR/<name>
    timeout: int  # wall-clock seconds for the whole review
    resume: bool
    run: str  # this batch run's id: a result file from an earlier run is never taken for this one

    @property
    def marker(self) -> str:
        return f"{self.run}:{self.entry.name}"


@dataclass(frozen=True, slots=True)
class BatchResult:
    total: int
    failed: int
    results: tuple[RepoResult, ...]
    summary_csv: Path
    index_html: Path | None


def run_batch(file: str | os.PathLike, output: str | os.PathLike, *, jobs: int | None = None, timeout: int = 1800,
              resume: bool = False, scheduler: str | None = None, index: bool = True) -> BatchResult:
    """Review every repository of the batch file into ``output``; write ``summary.csv`` and ``index.html``."""
    batch = load_batch(file)
    out = Path(output).absolute()
    out.mkdir(parents=True, exist_ok=True)
    run = uuid.uuid4().hex[:12]
    tasks = [Task(e, str(out / e.name), e.timeout or timeout, resume, run) for e in batch.entries]
    results: list[RepoResult] = []
    progress = _Progress(len(tasks))
    try:
        with _terminate_as_interrupt():
            runner = _run_dask(tasks, scheduler) if scheduler else _run_local(tasks, jobs or os.cpu_count() or 1)
            with closing(runner):  # on interrupt the runner's children are ended before the summary is written
                for result in runner:
                    results.append(result)
                    progress.done(result)
    except KeyboardInterrupt:
        progress.close()
        results += _finished_on_disk(tasks, {r.name for r in results})
        write_summary(results, out / "summary.csv")
        print(f"archreview: interrupted; {len(results)} of {len(tasks)} finished, summary in {out / 'summary.csv'}",
              file=sys.stderr)
        raise
    progress.close()
    csv_path = write_summary(results, out / "summary.csv")
    html = _index(out, batch.entries) if index else None
    failed = sum(r.status == FAILED for r in results)
    return BatchResult(len(tasks), failed, tuple(sorted(results, key=lambda r: r.name)), csv_path, html)


def _finished_on_disk(tasks: list[Task], known: set[str]) -> list[RepoResult]:
    """Results this run's children wrote before the interrupt reached their supervisors."""
    found = (_written_result(t) for t in tasks if t.entry.name not in known)
    return [r for r in found if r is not None]


def _written_result(task: Task) -> RepoResult | None:
    """The result the child wrote for this run (never one left by an earlier run), if any."""
    try:
        data = json.loads((Path(task.folder) / "result.json").read_text(encoding="utf-8"))
        return from_json(data["result"]) if data.get("run") == task.run else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _index(out: Path, entries: tuple[Entry, ...]) -> Path | None:
    clients = {e.client for e in entries}
    try:
        return build_index(out, title="Portfolio review", client=clients.pop() if len(clients) == 1 else "")
    except Exception as exc:  # the per-repository results and summary.csv stand without the page
        print(f"archreview: could not build {out / 'index.html'}: {exc}", file=sys.stderr)
        return None


# --- schedulers -----------------------------------------------------------------------------


def _run_local(tasks: list[Task], jobs: int) -> Iterator[RepoResult]:
    """``jobs`` repositories at a time, each supervised by a thread of this process."""
    cancel = threading.Event()
    pool = ThreadPoolExecutor(max(1, min(int(jobs), len(tasks))), thread_name_prefix="archreview-batch")
    pending = {pool.submit(run_one, t, cancel.is_set) for t in tasks}
    try:
        while pending:
            done, pending = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
            for future in done:
                if (result := future.result()) is not None:
                    yield result
    finally:
        cancel.set()  # on interrupt: running reviews are killed, queued ones never start
        pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(tasks: list[Task], address: str) -> Iterator[RepoResult]:
    """The same ``run_one`` as tasks on an existing Dask cluster; cancel reaches them through a Dask Event."""
    from distributed import Client, Event, as_completed

    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ArchReviewError(f"cannot reach the Dask scheduler at {address}: {exc}; "
                              "start one with `dask scheduler` and workers with `dask worker ADDRESS`") from None
    event = f"archreview-cancel-{tasks[0].run if tasks else 'none'}"
    futures = {client.submit(_run_on_worker, t, event, key=f"archreview-{t.marker}", pure=False): t for t in tasks}
    try:
        for future in as_completed(list(futures)):
            try:
                result = future.result()
            except Exception as exc:  # the task itself failed on the cluster (a worker lost too often...)
                e = futures[future].entry
                result = RepoResult(e.name, FAILED, f"the Dask task failed: {type(exc).__name__}: {exc}", path=e.path)
            if result is not None:
                yield result
    finally:
        Event(event, client=client).set()
        wait_until = time.monotonic() + 30
        while any(not f.done() for f in futures) and time.monotonic() < wait_until:
            time.sleep(_POLL)
        client.cancel(futures)
        client.close()


def _run_on_worker(task: Task, event: str) -> RepoResult | None:
    from distributed import Event

    flag = Event(event)
    return run_one(task, flag.is_set)


# --- one repository ----------------------------------------------------------------------------


def run_one(task: Task, cancelled: Callable[[], bool] = lambda: False) -> RepoResult | None:
    """Run one review in a child process group; its result, a failure with the reason, or None if cancelled."""
    try:
        return _run_child(task, cancelled)
    except OSError as exc:  # an output folder that cannot be written, no process left to start...
        e = task.entry
        return RepoResult(e.name, FAILED, f"could not start the review: {exc}", path=e.path)


def _run_child(task: Task, cancelled: Callable[[], bool]) -> RepoResult | None:
    folder = Path(task.folder)
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "task.json"
    spec.write_text(json.dumps(asdict(task), indent=1), encoding="utf-8")
    started = time.monotonic()
    with open(folder / "log.txt", "a", encoding="utf-8") as log:
        log.write(f"\n=== archreview batch run {task.run}: {task.entry.name} ({time.strftime('%Y-%m-%d %H:%M:%S')} "
                  f"on {socket.gethostname()} pid {os.getpid()})\n")
        log.flush()
        child = subprocess.Popen([sys.executable, "-m", "archreview.batch.supervisor", "--one", str(spec)],
                                 stdin=subprocess.DEVNULL,
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=folder,
                                 env={**os.environ, MARKER: task.marker, "PYTHONUNBUFFERED": "1"})
        try:
            stop = _supervise(child, task.timeout, cancelled)
        finally:
            end_all(child, task.marker)
    if stop == "cancelled":
        return None
    return _outcome(task, child.returncode, stop, time.monotonic() - started)


def _supervise(child: subprocess.Popen, timeout: float, cancelled: Callable[[], bool]) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            child.wait(timeout=_POLL)
            return "exited"
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() >= deadline:
            return "timeout"
        if cancelled():
            return "cancelled"


def end_all(child: subprocess.Popen, marker: str) -> None:
    """Kill the child's process group, then anything else carrying the marker (the kernel's own session)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    child.wait()
    for _ in range(3):  # a process may fork while we look: look again
        found = list(marked(marker))
        if not found:
            return
        for process in found:
            try:
                process.kill()
            except Exception:  # gone already, or not ours
                pass
        _wait_gone(found, seconds=5.0)


def _wait_gone(processes: list, seconds: float) -> None:
    """SIGKILL is not instant (a many-threaded kernel takes a moment): wait until none runs, zombies count as gone."""
    import psutil

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes):
                return
        except psutil.Error:
            continue  # one ended between the two calls: look again
        time.sleep(0.02)


def marked(marker: str) -> Iterator:
    """Live processes whose environment carries ``marker`` (psutil; other users' processes are not readable)."""
    import psutil

    for process in psutil.process_iter():
        try:
            if process.pid != os.getpid() and process.environ().get(MARKER) == marker:
                if process.status() != psutil.STATUS_ZOMBIE:
                    yield process
        except (psutil.Error, OSError):
            continue


def _outcome(task: Task, code: int | None, stop: str, seconds: float) -> RepoResult:
    e = task.entry
    failed = RepoResult(e.name, FAILED, path=e.path, base_ref=e.base or "", head_ref=e.head or "",
                        duration=round(seconds, 1))
    if stop == "timeout":
        kept = " (partial notebook kept)" if (Path(task.folder) / "review.ipynb").is_file() else ""
        return _with_reason(failed, f"timed out after {task.timeout} s and was stopped{kept}; see log.txt")
    if (result := _written_result(task)) is not None:  # timed here: the child's start-up is part of the cost
        return result if result.resumed else replace(result, duration=round(seconds, 1))
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return _with_reason(failed, f"the review process was killed by {name} (out of memory?); see log.txt")
    return _with_reason(failed, f"the review process ended with status {code} without a result; see log.txt")


def _with_reason(result: RepoResult, reason: str) -> RepoResult:
    return replace(result, reason=reason)


# --- progress and signals ------------------------------------------------------------------------


class _Progress:
    """A tqdm bar on a terminal; one line per repository otherwise (CI logs)."""

    def __init__(self, total: int) -> None:
        self.total, self.count, self.bar = total, 0, None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="repo", file=sys.stderr, desc="archreview batch")

    def done(self, result: RepoResult) -> None:
        self.count += 1
        if self.bar is not None:
            if result.reason:  # failures stay on screen above the bar
                self.bar.write(f"archreview: {result.name}: {result.status} ({result.reason})", file=sys.stderr)
            self.bar.set_postfix_str(f"{result.name}: {result.status}")
            self.bar.update(1)
            return
        why = f" ({result.reason})" if result.reason else ""
        print(f"archreview: [{self.count}/{self.total}] {result.name}: {result.status}{why} {result.duration:.0f} s",
              file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _terminate_as_interrupt:
    """SIGTERM handled like Ctrl-C for the duration of a batch (only possible from the main thread)."""

    def __enter__(self) -> None:
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, _raise_interrupt)

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# --- the child: one review, run as ``python -m archreview.batch.supervisor --one TASK.json`` --------------------

_OUTPUTS = ("result.json", "done.json", "analysis.json", "review.ipynb", "report.html")


def child_main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "--one":
        print("usage: python -m archreview.batch.supervisor --one TASK.json (started by archreview batch)", file=sys.stderr)
        return 2
    data = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    task = Task(Entry(**data.pop("entry")), **data)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(name)s: %(message)s")
    result = review_one(task)
    _write_json(Path(task.folder) / "result.json", {"run": task.run, "result": to_json(result)})
    logging.getLogger("archreview.batch.supervisor").info("%s: %s %s", result.name, result.status, result.reason)
    return 0


def review_one(task: Task) -> RepoResult:
    """The review, or a failed result whose reason says what went wrong: this never raises."""
    from nbclient.exceptions import DeadKernelError

    e, started = task.entry, time.monotonic()
    try:
        return _review(task, started)
    except ArchReviewError as exc:
        reason = str(exc)
    except DeadKernelError:
        reason = "the Jupyter kernel died (killed, or out of memory) while running the workbook; partial notebook kept"
    except Exception as exc:  # unexpected: the traceback goes to log.txt, the batch goes on
        traceback.print_exc(file=sys.stdout)
        reason = f"unexpected {type(exc).__name__}: {exc}; see log.txt"
    return RepoResult(e.name, FAILED, reason, path=e.path, base_ref=e.base or "", head_ref=e.head or "",
                      duration=round(time.monotonic() - started, 1))


def _review(task: Task, started: float) -> RepoResult:
    from archreview.report import jsondoc as jsonout
    from archreview.analysis.run import analyze, check_path, resolve_refs
    from archreview.batch.plan import materialise
    from archreview.analysis.cache import default_folder
    from archreview.report.notebook import check_inputs, export
    from archreview.workbook.params import Parameters
    from archreview.workbook.review import open_review

    e, folder = task.entry, Path(task.folder)
    log = logging.getLogger("archreview.batch.supervisor")
    log.info("%s: getting %s", e.name, e.path)
    root = materialise(e, default_folder())
    params = Parameters(str(root), e.base, e.head, e.context, e.decisions, e.client, e.reviewer,
                        f"Architecture review: {e.name}")
    check_inputs(params)
    _, base_id, head_id = resolve_refs(check_path(root), e.base, e.head)
    digest = inputs_digest(params, base_id, head_id)
    if task.resume and (prior := _done(folder, digest)) is not None:
        return replace(prior, resumed=True)
    for name in _OUTPUTS:
        (folder / name).unlink(missing_ok=True)
    log.info("%s: analysing %s..%s", e.name, base_id, head_id)
    analysis = analyze(root, e.base, e.head, context_file=e.context)
    with open(folder / "analysis.json", "w", encoding="utf-8") as out:
        jsonout.write(analysis, out)
    log.info("%s: running the workbook", e.name)
    notebook = _execute(params, folder / "review.ipynb", task.timeout)
    log.info("%s: exporting the report", e.name)
    export(notebook, folder / "report.html", params.title)
    verdicts = open_review(analysis, e.decisions).counts()
    result = RepoResult(e.name, REVIEWED, path=e.path, base_ref=e.base or "", head_ref=e.head or "",
                        duration=round(time.monotonic() - started, 1), **measure(analysis, verdicts))
    _write_json(folder / "done.json", {"inputs": digest, "result": to_json(result)})
    return result


def _execute(params, notebook: Path, timeout: int) -> Path:
    """papermill, with one retry when the kernel never got to run a cell (a port taken by a parallel kernel)."""
    from archreview.report.notebook import ReviewFailed, execute

    for attempt in (1, 2):
        try:
            return execute(params, notebook, timeout=timeout)
        except ReviewFailed:
            raise
        except Exception as exc:
            if _any_cell_ran(notebook):
                raise
            if attempt == 2:
                raise ArchReviewError(f"the Jupyter kernel did not start, twice: {exc}") from exc
            logging.getLogger("archreview.batch.supervisor").warning("the kernel did not start (%s); trying once more", exc)
    raise AssertionError("unreachable")


def _any_cell_ran(notebook: Path) -> bool:
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return False
    return any(c.get("execution_count") for c in cells if c.get("cell_type") == "code")


def inputs_digest(params, base_id: str | None, head_id: str | None) -> str:
    """What a review depends on: refs as commit ids, the files given, the people named, archreview's version."""
    from archreview import __version__

    def content(path: str | None) -> str | None:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path and Path(path).is_file() else None

    inputs = {**params.as_dict(), "base_id": base_id, "head_id": head_id, "context_sha": content(params.context),
              "decisions_sha": content(params.decisions), "archreview": __version__}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _done(folder: Path, digest: str) -> RepoResult | None:
    try:
        data = json.loads((folder / "done.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("inputs") != digest or not (folder / "report.html").is_file():
        return None
    return from_json(data["result"])


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
